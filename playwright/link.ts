/**
 * One direction of the routed WebSocket, with the conditions a test sets (throttle()): a
 * one-way latency and a bandwidth cap. Messages leave in order, each after the ones before
 * it were sent at the capped rate, and arrive `latency` ms later; a close waits behind the
 * messages sent before it. What waits is the direction's bufferedAmount, so the gateway
 * sees a slow link as it sees a slow WebSocket (its send backpressure and buffer limit).
 */

/** The conditions of one direction. */
export interface PathConditions {
  /** Milliseconds added to every message (one way). Default 0. */
  readonly latency?: number;
  /** Bytes per second, at most; default unlimited. */
  readonly bandwidth?: number;
}

/** Timers the path uses (fake ones in its tests). */
export interface PathClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Pending {
  readonly size: number;
  readonly due: number;
  readonly deliver: () => void;
}

const realClock: PathClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class LinkPath {
  readonly #clock: PathClock;
  #latency = 0;
  #bandwidth = Infinity;
  readonly #queue: Pending[] = [];
  #bytes = 0;
  /** When the last queued message has been sent at the capped rate. */
  #busyUntil = 0;
  #timer: unknown = null;

  constructor(clock: PathClock = realClock) {
    this.#clock = clock;
  }

  /** Sets the conditions for messages sent from now on (those waiting keep their time). */
  set(conditions: PathConditions | null): void {
    const latency = conditions?.latency ?? 0;
    const bandwidth = conditions?.bandwidth ?? Infinity;
    if (!(latency >= 0 && Number.isFinite(latency))) throw new RangeError(`latency must be a number of milliseconds >= 0, got ${String(latency)}`);
    if (!(bandwidth > 0)) throw new RangeError(`bandwidth must be a number of bytes per second > 0, got ${String(bandwidth)}`);
    this.#latency = latency;
    this.#bandwidth = bandwidth;
  }

  /** Bytes sent on this path that have not arrived yet. */
  get bufferedAmount(): number {
    return this.#bytes;
  }

  /** Sends `size` bytes: `deliver` runs when they arrive, after everything sent before. */
  send(size: number, deliver: () => void): void {
    if (this.#queue.length === 0 && this.#latency === 0 && this.#bandwidth === Infinity) {
      deliver();
      return;
    }
    const now = this.#clock.now();
    const start = Math.max(now, this.#busyUntil);
    this.#busyUntil = start + (size / this.#bandwidth) * 1000;
    this.#queue.push({ size, due: this.#busyUntil + this.#latency, deliver });
    this.#bytes += size;
    if (this.#queue.length === 1) this.#schedule();
  }

  /** Drops what waits (the link is cut). */
  clear(): void {
    this.#queue.length = 0;
    this.#bytes = 0;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#timer = this.#clock.setTimeout(this.#flush, Math.max(0, head.due - this.#clock.now()));
  }

  readonly #flush = (): void => {
    this.#timer = null;
    const now = this.#clock.now();
    // In order: a message whose latency was lowered later still waits for those before it.
    while (this.#queue.length > 0 && (this.#queue[0] as Pending).due <= now) {
      const head = this.#queue.shift() as Pending;
      this.#bytes -= head.size;
      head.deliver();
    }
    this.#schedule();
  };
}
