/**
 * `timers` in a page, and the `setTimeout`/`setInterval`/`setImmediate` (and clear*)
 * globals injected into code written for Node: Node's `Timeout` and `Immediate` objects
 * on the page's own timers. Libraries call `setTimeout(...).unref()` on keep-alive and
 * reconnect timers, `timer.refresh()` on idle timers, and keep `+timer` as a key; a bare
 * browser timer id has none of these.
 *
 * A page has no event loop to keep alive, so ref()/unref() only record the state
 * hasRef() reports; in Node (where these shims are unit-tested) they are forwarded to the
 * native timer, so an unref'd timer really does not hold the process.
 */
import * as promises from './timers-promises.ts';

/** A native timer handle: a number in browsers, an object with ref/unref in Node. */
type NativeHandle = ReturnType<typeof globalThis.setTimeout>;
type Callback = (...args: unknown[]) => void;

/** Node's TIMEOUT_MAX: a delay outside 1..2^31-1 ms becomes 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;

// Read at call time (the injected names are module bindings; the page's globals stay native).
const nativeSetTimeout = (callback: () => void, delay: number): NativeHandle => globalThis.setTimeout(callback, delay);
const nativeSetInterval = (callback: () => void, delay: number): NativeHandle => globalThis.setInterval(callback, delay);
const nativeClearTimeout = (handle: NativeHandle): void => globalThis.clearTimeout(handle);

/** Timers whose primitive (`+timer`) was taken, so clearTimeout(primitive) finds them, as in Node. */
const byPrimitive = new Map<number, Timeout>();

function validateCallback(callback: unknown): asserts callback is Callback {
  if (typeof callback !== 'function') {
    const error = new TypeError(`The "callback" argument must be of type function. Received ${describe(callback)}`) as TypeError & { code: string };
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return 'an instance of Object';
  return `type ${typeof value} (${String(value)})`;
}

function toDelay(after: unknown): number {
  const delay = Number(after);
  return delay >= 1 && delay <= TIMEOUT_MAX ? delay : 1;
}

/** Node's Timeout: what setTimeout and setInterval return. */
export class Timeout {
  _idleTimeout: number;
  _onTimeout: Callback | null;
  _timerArgs: unknown[];
  /** The interval, or null for a one-shot timer. */
  _repeat: number | null;
  _destroyed = false;
  #handle: NativeHandle | undefined;
  #referenced = true;

  constructor(callback: Callback, after: unknown, args: unknown[], repeat: boolean) {
    this._idleTimeout = toDelay(after);
    this._onTimeout = callback;
    this._timerArgs = args;
    this._repeat = repeat ? this._idleTimeout : null;
    this.#start();
  }

  #start(): void {
    const fire = (): void => this.#fire();
    this.#handle = this._repeat === null ? nativeSetTimeout(fire, this._idleTimeout) : nativeSetInterval(fire, this._repeat);
    if (!this.#referenced) unrefNative(this.#handle);
  }

  #fire(): void {
    if (this._repeat === null) this.#destroy();
    // As in Node, `this` is the timer; an exception is uncaught (the page's error event).
    this._onTimeout?.apply(this, this._timerArgs);
  }

  /** Stops the timer for good (clearTimeout). */
  close(): this {
    if (this.#handle !== undefined) nativeClearTimeout(this.#handle);
    this.#destroy();
    return this;
  }

  #destroy(): void {
    this._destroyed = true;
    this.#handle = undefined;
    for (const [key, timer] of byPrimitive) if (timer === this) byPrimitive.delete(key);
  }

  /** Restarts the countdown with the same delay and callback; a fired one-shot timer stays fired. */
  refresh(): this {
    if (this._destroyed || this.#handle === undefined) return this;
    nativeClearTimeout(this.#handle);
    this.#start();
    return this;
  }

  ref(): this {
    this.#referenced = true;
    if (this.#handle !== undefined) refNative(this.#handle);
    return this;
  }

  unref(): this {
    this.#referenced = false;
    if (this.#handle !== undefined) unrefNative(this.#handle);
    return this;
  }

  hasRef(): boolean {
    return this.#referenced;
  }

  /** A number standing for the timer: clearTimeout() accepts it. */
  [Symbol.toPrimitive](): number {
    const key = primitiveOf(this.#handle);
    if (key !== undefined && !this._destroyed) byPrimitive.set(key, this);
    return key ?? -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function primitiveOf(handle: NativeHandle | undefined): number | undefined {
  return handle === undefined ? undefined : Number(handle);
}

function refNative(handle: NativeHandle): void {
  (handle as { ref?: () => void }).ref?.();
}

function unrefNative(handle: NativeHandle): void {
  (handle as { unref?: () => void }).unref?.();
}

/** Node's setTimeout: a Timeout. */
export function setTimeout(callback: unknown, after?: unknown, ...args: unknown[]): Timeout {
  validateCallback(callback);
  return new Timeout(callback, after, args, false);
}

/** Node's setInterval: a repeating Timeout. */
export function setInterval(callback: unknown, repeat?: unknown, ...args: unknown[]): Timeout {
  validateCallback(callback);
  return new Timeout(callback, repeat, args, true);
}

/** Node's clearTimeout: a Timeout, its primitive, or a browser timer id. */
export function clearTimeout(timer: unknown): void {
  if (timer instanceof Timeout) {
    timer.close();
  } else if (typeof timer === 'number' || typeof timer === 'string') {
    const known = byPrimitive.get(Number(timer));
    if (known !== undefined) known.close();
    else nativeClearTimeout(timer as unknown as NativeHandle);
  } else if (timer !== null && timer !== undefined) {
    // A native handle (Node) passed through.
    nativeClearTimeout(timer as NativeHandle);
  }
}

/** Node's clearInterval: the same as clearTimeout. */
export const clearInterval = clearTimeout;

// ---- setImmediate: after pending I/O, before timers ----------------------------------------
//
// One MessageChannel message per immediate, in order: each runs in a task of its own, so
// microtasks run between two immediates as in Node, and an exception in one does not keep
// the next from running. (A zero timeout would be clamped to 4 ms once nested.)

/** Node's Immediate: what setImmediate returns. */
export class Immediate {
  _onImmediate: Callback | null;
  _argv: unknown[];
  _destroyed = false;
  #referenced = true;

  constructor(callback: Callback, args: unknown[]) {
    this._onImmediate = callback;
    this._argv = args;
  }

  ref(): this {
    if (!this.#referenced && !this._destroyed) {
      this.#referenced = true;
      referencedImmediates += 1;
      updatePortRef();
    }
    return this;
  }

  unref(): this {
    if (this.#referenced && !this._destroyed) {
      this.#referenced = false;
      referencedImmediates -= 1;
      updatePortRef();
    }
    return this;
  }

  hasRef(): boolean {
    return this.#referenced;
  }

  /** Marks it run or cleared; false if it already was. */
  _settle(): boolean {
    if (this._destroyed) return false;
    this._destroyed = true;
    if (this.#referenced) {
      referencedImmediates -= 1;
      updatePortRef();
    }
    return true;
  }

  [Symbol.dispose](): void {
    clearImmediate(this);
  }
}

const queue: Immediate[] = [];
let referencedImmediates = 0;
let channel: MessageChannel | undefined;

function port(): MessagePort {
  if (channel === undefined) {
    channel = new MessageChannel();
    channel.port1.onmessage = runImmediate;
    updatePortRef();
  }
  return channel.port2;
}

/** In Node, the channel holds the process only while a referenced immediate waits. */
function updatePortRef(): void {
  const receiving = channel?.port1 as (MessagePort & { ref?: () => void; unref?: () => void }) | undefined;
  if (receiving === undefined) return;
  if (referencedImmediates > 0) receiving.ref?.();
  else receiving.unref?.();
}

function runImmediate(): void {
  const immediate = queue.shift();
  // Cleared ones were settled already; as in Node, an exception is uncaught.
  if (immediate?._settle() === true) immediate._onImmediate?.apply(immediate, immediate._argv);
}

/** Node's setImmediate: runs `callback` after pending I/O; an Immediate. */
export function setImmediate(callback: unknown, ...args: unknown[]): Immediate {
  validateCallback(callback);
  const immediate = new Immediate(callback, args);
  referencedImmediates += 1;
  queue.push(immediate);
  port().postMessage(null);
  updatePortRef();
  return immediate;
}

/** Node's clearImmediate. */
export function clearImmediate(immediate: unknown): void {
  if (immediate instanceof Immediate) immediate._settle();
}

// ---- the deprecated item timers (DEP0095), kept for old libraries ---------------------------

interface TimerItem {
  _idleTimeout?: number;
  _idleTimeoutId?: Timeout;
  _onTimeout?: () => void;
}

/** Deprecated: sets an item's idle timeout without starting it. */
export function enroll(item: TimerItem, msecs: number): void {
  item._idleTimeoutId?.close();
  item._idleTimeout = msecs;
}

/** Deprecated: stops an item's idle timeout. */
export function unenroll(item: TimerItem): void {
  item._idleTimeoutId?.close();
  item._idleTimeout = -1;
}

/** Deprecated: (re)starts an item's idle timeout. */
export function active(item: TimerItem): void {
  item._idleTimeoutId?.close();
  const msecs = item._idleTimeout ?? -1;
  if (msecs >= 0) item._idleTimeoutId = setTimeout(() => item._onTimeout?.(), msecs);
}

export { active as _unrefActive };
/** `timers.promises`: the same module as `timers/promises`. */
export { promises };

export default {
  setTimeout,
  setInterval,
  setImmediate,
  clearTimeout,
  clearInterval,
  clearImmediate,
  enroll,
  unenroll,
  active,
  _unrefActive: active,
  promises,
};
