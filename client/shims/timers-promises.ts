/**
 * `timers/promises` in a page: Node's promise timers (`setTimeout(delay, value, { signal,
 * ref })`, `setImmediate`, the `setInterval` async iterator, `scheduler.wait/yield`) on
 * the timers shim, with Node's AbortError and argument checks. Client libraries await
 * them in reconnect and retry loops.
 */
import { AbortError, errInvalidArgType } from '../node-errors.ts';
import * as timers from './timers.ts';

/** The options Node's promise timers take. */
export interface TimerOptions {
  readonly signal?: AbortSignal | undefined;
  readonly ref?: boolean | undefined;
}

function validateOptions(options: unknown): TimerOptions {
  if (options === null || typeof options !== 'object') throw errInvalidArgType('options', 'Object', options);
  const { signal, ref } = options as { signal?: unknown; ref?: unknown };
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && 'aborted' in signal && 'addEventListener' in signal)) {
    throw errInvalidArgType('options.signal', 'AbortSignal', signal);
  }
  if (ref !== undefined && typeof ref !== 'boolean') throw errInvalidArgType('options.ref', 'boolean', ref);
  return options as TimerOptions;
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function aborted(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** Waits with a timer made by `start`; the timer is cleared if `signal` aborts first. */
function wait<T, H extends { hasRef(): boolean; unref(): unknown }>(
  options: TimerOptions,
  start: (settle: () => void) => H,
  clear: (handle: H) => void,
  value: T,
): Promise<T> {
  const { signal, ref = true } = options;
  if (signal?.aborted === true) return Promise.reject(aborted(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      clear(handle);
      reject(aborted(signal as AbortSignal));
    };
    const handle = start(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    });
    if (!ref) handle.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with `value` after `delay` ms. */
export function setTimeout<T = void>(delay?: number, value?: T, options: TimerOptions = {}): Promise<T> {
  try {
    validateOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return wait(options, (settle) => timers.setTimeout(settle, delay), timers.clearTimeout, value as T);
}

/** Resolves with `value` after pending I/O. */
export function setImmediate<T = void>(value?: T, options: TimerOptions = {}): Promise<T> {
  try {
    validateOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return wait(options, (settle) => timers.setImmediate(settle), timers.clearImmediate, value as T);
}

/** Yields `value` every `delay` ms (ticks missed while the consumer was busy are yielded at once). */
export async function* setInterval<T = void>(delay?: number, value?: T, options: TimerOptions = {}): AsyncGenerator<T, void, unknown> {
  validateOptions(options);
  const { signal, ref = true } = options;
  if (signal?.aborted === true) throw aborted(signal);
  let pending = 0;
  let wake: (() => void) | undefined;
  const interval = timers.setInterval(() => {
    pending += 1;
    wake?.();
  }, delay);
  if (!ref) interval.unref();
  const onAbort = (): void => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal !== undefined && isAborted(signal)) throw aborted(signal);
      if (pending === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      // (Read again: the abort listener may have woken us.)
      if (signal !== undefined && isAborted(signal)) throw aborted(signal);
      for (; pending > 0; pending -= 1) yield value as T;
    }
  } finally {
    interval.close();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Node's experimental scheduler (the Scheduling APIs draft). */
export const scheduler = Object.freeze({
  /** Resolves after `delay` ms. */
  wait: (delay: number, options?: TimerOptions): Promise<void> => setTimeout(delay, undefined, options),
  /** Resolves after pending I/O. */
  yield: (): Promise<void> => setImmediate(),
});

export default { setTimeout, setImmediate, setInterval, scheduler };
