/**
 * The gateway-wide cap on DNS resolutions in flight (maxDnsLookups), shared fairly: when
 * the cap is reached, waiting resolutions are started round-robin across their owners
 * (sessions), so one session queueing hundreds of lookups delays another session's next
 * lookup by at most one turn, not by its whole queue. A resolution that waits longer
 * than `maxWait` gives up (its caller's own timeout has passed by then).
 */

/** A started resolution: call once it is over (idempotent). */
export type ReleaseSlot = () => void;

interface Waiter {
  readonly start: (release: ReleaseSlot) => void;
  readonly expire: () => void;
  timer: NodeJS.Timeout | null;
}

export class LookupSlots {
  readonly limit: number;
  readonly #maxWait: number;
  #active = 0;
  #started = 0;
  /** Waiting resolutions per owner; Map order is the round-robin order. */
  readonly #queues = new Map<object, Waiter[]>();

  constructor(limit: number, maxWait: number) {
    this.limit = limit;
    this.#maxWait = maxWait;
  }

  /** Resolutions running now. */
  get active(): number {
    return this.#active;
  }

  /** Resolutions started so far (metrics.ts: DNS queries). */
  get started(): number {
    return this.#started;
  }

  /** Resolutions waiting for a slot, all owners together. */
  get waiting(): number {
    let n = 0;
    for (const queue of this.#queues.values()) n += queue.length;
    return n;
  }

  /**
   * Calls `start(release)` once a slot is free (at once if one is), or `expire()` if
   * none frees within maxWait. Exactly one of the two is called.
   */
  acquire(owner: object, start: (release: ReleaseSlot) => void, expire: () => void): void {
    if (this.#active < this.limit && !this.#queues.has(owner)) {
      this.#run(start);
      return;
    }
    const waiter: Waiter = { start, expire, timer: null };
    waiter.timer = setTimeout(() => {
      const queue = this.#queues.get(owner);
      const index = queue?.indexOf(waiter) ?? -1;
      if (queue === undefined || index === -1) return;
      queue.splice(index, 1);
      if (queue.length === 0) this.#queues.delete(owner);
      expire();
    }, this.#maxWait);
    waiter.timer.unref();
    const queue = this.#queues.get(owner);
    if (queue === undefined) this.#queues.set(owner, [waiter]);
    else queue.push(waiter);
    this.#next();
  }

  #run(start: (release: ReleaseSlot) => void): void {
    this.#active += 1;
    this.#started += 1;
    let released = false;
    start(() => {
      if (released) return;
      released = true;
      this.#active -= 1;
      this.#next();
    });
  }

  /** Starts waiters while slots are free, one per owner in turn. */
  #next(): void {
    while (this.#active < this.limit) {
      const first = this.#queues.entries().next();
      if (first.done === true) return;
      const [owner, queue] = first.value;
      const waiter = queue.shift() as Waiter;
      // The owner goes to the back of the line (or leaves it).
      this.#queues.delete(owner);
      if (queue.length > 0) this.#queues.set(owner, queue);
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      this.#run(waiter.start);
    }
  }
}
