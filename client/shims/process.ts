/**
 * `process` in a page: the npm `process` package (the one instance sockway and
 * readable-stream use for nextTick), completed with the clocks and gauges client libraries
 * read — `hrtime()`/`hrtime.bigint()` (query timing, backoff jitter), `uptime()`,
 * `memoryUsage()` — and `emitWarning()`, and its `nextTick()` runs before I/O as Node's does.
 * They are set on that shared object once, so every importer sees them.
 */
// The browser file itself (what bundlers map `process` to), also under Node in the unit tests.
// @ts-expect-error -- the npm package ships no typings for it
import npmProcess from 'process/browser.js';

type Hrtime = ((previous?: readonly [number, number]) => [number, number]) & { bigint(): bigint };

interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** What this module adds (only where the npm package lacks it). */
export interface ProcessAdditions {
  hrtime: Hrtime;
  uptime(): number;
  memoryUsage: (() => MemoryUsage) & { rss(): number };
  emitWarning(warning: string | Error, type?: string | { type?: string; code?: string }, code?: string): void;
  /** No memory limit is known to a page: 0, as Node reports an unknown constraint. */
  constrainedMemory(): number;
}

/** Nanoseconds on the page's monotonic clock (performance.now(): µs or coarser in browsers). */
function nowNanoseconds(): bigint {
  return BigInt(Math.round(performance.now() * 1e6));
}

function hrtimeTuple(previous?: readonly [number, number]): [number, number] {
  let time = nowNanoseconds();
  if (previous !== undefined) {
    if (!Array.isArray(previous)) {
      const error = new TypeError(`The "time" argument must be an instance of Array. Received ${typeof previous}`) as TypeError & { code: string };
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    if (previous.length !== 2) {
      const error = new RangeError(`The value of "time" is out of range. It must be 2. Received ${String(previous.length)}`) as RangeError & { code: string };
      error.code = 'ERR_OUT_OF_RANGE';
      throw error;
    }
    time -= BigInt(previous[0]) * 1_000_000_000n + BigInt(previous[1]);
  }
  return [Number(time / 1_000_000_000n), Number(time % 1_000_000_000n)];
}

const hrtime: Hrtime = Object.assign(hrtimeTuple, { bigint: nowNanoseconds });

/** Chrome's non-standard performance.memory, when there. */
function heap(): { used: number; total: number } {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
  return memory === undefined ? { used: 0, total: 0 } : { used: memory.usedJSHeapSize, total: memory.totalJSHeapSize };
}

function memoryUsageNow(): MemoryUsage {
  const { used, total } = heap();
  return { rss: total, heapTotal: total, heapUsed: used, external: 0, arrayBuffers: 0 };
}

const additions: ProcessAdditions = {
  hrtime,
  // Seconds since the page (or worker) started, as Node's since the process started.
  uptime: () => performance.now() / 1000,
  memoryUsage: Object.assign(memoryUsageNow, { rss: () => heap().total }),
  constrainedMemory: () => 0,
  emitWarning(warning, type, code) {
    const options = typeof type === 'object' && type !== null ? type : { type, code };
    const name = warning instanceof Error ? warning.name : (options.type ?? 'Warning');
    const message = warning instanceof Error ? warning.message : String(warning);
    console.warn(`(sockway) ${options.code === undefined ? '' : `[${options.code}] `}${name}: ${message}`);
  },
};

const target = npmProcess as Record<string, unknown>;
for (const [name, value] of Object.entries(additions)) {
  if (typeof target[name] !== 'function') target[name] = value;
}

// ---- nextTick: before any I/O, as in Node -------------------------------------------------
//
// The npm package runs its tick queue from a zero timeout, so a WebSocket message (a
// socket's 'data') could run first: a write's callback (Writable's afterWrite is a tick)
// then came after the reply to what it wrote, and telnet-client, which starts listening
// for the reply in that callback, lost it. Node runs every tick before the next I/O
// callback; here one microtask drains the queue, ticks added meanwhile included.
// (Node also runs them before promise reactions queued earlier; a microtask cannot.)

interface Tick {
  readonly callback: (...args: unknown[]) => void;
  readonly args: unknown[];
}
const ticks: Tick[] = [];
let draining = false;

function drainTicks(): void {
  draining = true;
  try {
    for (let tick = ticks.shift(); tick !== undefined; tick = ticks.shift()) tick.callback(...tick.args);
  } finally {
    draining = false;
    // A tick that threw is uncaught, as in Node; the others still run, in a later microtask.
    if (ticks.length > 0) queueMicrotask(drainTicks);
  }
}

/** How Node's ERR_INVALID_ARG_TYPE messages show a value. */
function received(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  return `type ${typeof value} (${typeof value === 'string' ? `'${value}'` : String(value)})`;
}

/** Node's process.nextTick: `callback(...args)` after the current operation, before any I/O. */
function nextTickBeforeIo(callback: unknown, ...args: unknown[]): void {
  if (typeof callback !== 'function') {
    const error = new TypeError(`The "callback" argument must be of type function. Received ${received(callback)}`) as TypeError & { code: string };
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  ticks.push({ callback: callback as Tick['callback'], args });
  if (ticks.length === 1 && !draining) queueMicrotask(drainTicks);
}
target['nextTick'] = nextTickBeforeIo;

/** The npm package's object (the part libraries read). */
export interface BrowserProcess extends ProcessAdditions {
  nextTick(callback: (...args: unknown[]) => void, ...args: unknown[]): void;
  env: Record<string, string | undefined>;
  argv: string[];
  version: string;
  versions: Record<string, string>;
  browser: boolean;
  title: string;
  cwd(): string;
}

/** The npm process object, completed. */
const process = npmProcess as BrowserProcess;
export default process;
export { process };

// `require('process')` from CommonJS gets this module's namespace, not its default: the
// members as named exports too (mysql2 reads `require('process').env.NODE_DEBUG` at load).
type Member = (...args: unknown[]) => unknown;
const member = (name: string): Member => target[name] as Member;
export const { env, argv, version, versions, browser, title } = process;
export const { nextTick, cwd, uptime, memoryUsage, emitWarning, constrainedMemory } = process;
// process.hrtime is this module's hrtime (the npm package has none).
export { hrtime };
export const on = member('on');
export const addListener = member('addListener');
export const once = member('once');
export const off = member('off');
export const removeListener = member('removeListener');
export const removeAllListeners = member('removeAllListeners');
export const emit = member('emit');
export const prependListener = member('prependListener');
export const prependOnceListener = member('prependOnceListener');
export const listeners = member('listeners');
export const binding = member('binding');
export const chdir = member('chdir');
export const umask = member('umask');
