/**
 * `perf_hooks` in a page: the page's own `performance` (now(), timeOrigin, mark/measure)
 * and observer classes, which Node's module re-exports. Drivers time queries and pool
 * idleness with `performance.now()`; an empty module left them throwing in close handlers.
 */
const scope = globalThis as typeof globalThis & Partial<Record<'PerformanceObserver' | 'PerformanceEntry' | 'PerformanceMark' | 'PerformanceMeasure' | 'PerformanceObserverEntryList' | 'PerformanceResourceTiming', unknown>>;

/** The page's Performance object. */
export const performance: Performance = scope.performance;
export const PerformanceObserver = scope.PerformanceObserver;
export const PerformanceEntry = scope.PerformanceEntry;
export const PerformanceMark = scope.PerformanceMark;
export const PerformanceMeasure = scope.PerformanceMeasure;
export const PerformanceObserverEntryList = scope.PerformanceObserverEntryList;
export const PerformanceResourceTiming = scope.PerformanceResourceTiming;
/** Node's garbage-collection entry kinds (a page never reports them). */
export const constants = Object.freeze({
  NODE_PERFORMANCE_GC_MAJOR: 4,
  NODE_PERFORMANCE_GC_MINOR: 1,
  NODE_PERFORMANCE_GC_INCREMENTAL: 8,
  NODE_PERFORMANCE_GC_WEAKCB: 16,
  NODE_PERFORMANCE_GC_FLAGS_NO: 0,
  NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED: 2,
  NODE_PERFORMANCE_GC_FLAGS_FORCED: 4,
  NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING: 8,
  NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE: 16,
  NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY: 32,
  NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE: 64,
});

export default {
  performance,
  PerformanceObserver,
  PerformanceEntry,
  PerformanceMark,
  PerformanceMeasure,
  PerformanceObserverEntryList,
  PerformanceResourceTiming,
  constants,
};
