/**
 * One byte budget for what all sessions make the gateway hold towards pages: the DATA
 * queued on their streams and the frames kept for replay until the page ACKs them
 * (shared/session.ts ByteAccount). When it is used up, sessions stop taking in bytes:
 * their streams' write() reports backpressure and the bridges stop reading their TCP
 * sockets (tcp-bridge.ts) until bytes are acknowledged or freed. Nothing fails.
 *
 * Fairness: every session has a reserve it may always hold, whatever the others hold,
 * and is charged at least that much. So sessions that never acknowledge fill the shared
 * part and stall there; every other session still moves data through its reserve (sized
 * so the page ACKs before it runs out: see DEFAULT_RESERVE).
 *
 *   charged = Σ max(held, reserve)        a session may take in more while
 *   held ≤ charged ≤ limit + one read      held < reserve  or  charged < limit
 *   per stream that found it used up
 */
import { totalmem } from 'node:os';
import type { ByteAccount } from '../shared/session.ts';

/** Options of MemoryBudget. */
export interface MemoryBudgetOptions {
  /** Bytes all sessions together may make the gateway hold. */
  readonly limit: number;
  /** Bytes each session may always hold (and is charged at least). */
  readonly reserve: number;
  /**
   * An account had to wait: the budget is used up. The owner may free memory (end
   * detached sessions, which cannot acknowledge anything).
   */
  readonly onPressure?: () => void;
}

/**
 * A session's reserve: two ACK intervals (the page ACKs every 512 KiB of DATA,
 * PROTOCOL.md#resume), so a session confined to its reserve never waits for the ACK
 * timer, and its data keeps flowing at about reserve / round trip.
 */
export const DEFAULT_RESERVE = 1024 * 1024;

const MIB = 1024 * 1024;

/** The budget shared by every session of one gateway. */
export class MemoryBudget {
  readonly limit: number;
  readonly reserve: number;
  readonly #onPressure: (() => void) | undefined;
  #held = 0;
  #charged = 0;
  #peak = 0;
  readonly #waiting = new Map<Account, () => void>();
  #wakeScheduled = false;

  constructor(options: MemoryBudgetOptions) {
    this.limit = options.limit;
    this.reserve = options.reserve;
    this.#onPressure = options.onPressure;
  }

  /**
   * The default limit: a quarter of the machine's memory, within 64 MiB and 256 MiB. What
   * is held is payload; the process around it (V8 heap, sockets, read buffers, the page's
   * direction) adds to it, and the gateway should not be what exhausts a shared host. 256
   * MiB keeps 25 sessions at 100 MB/s with 100 ms round trips at full speed; raise it with
   * memoryBudget on a dedicated host.
   */
  static defaultLimit(total: number = totalmem()): number {
    return Math.min(256 * MIB, Math.max(64 * MIB, Math.floor(total / 4 / MIB) * MIB));
  }

  /** Bytes the sessions hold now. */
  get held(): number {
    return this.#held;
  }

  /** Largest `held` so far. */
  get peak(): number {
    return this.#peak;
  }

  /** What the sessions are charged: their holdings, each at least its reserve. */
  get charged(): number {
    return this.#charged;
  }

  /** Whether the shared part has room (a session beyond its reserve may take in more). */
  get hasRoom(): boolean {
    return this.#charged < this.limit;
  }

  /** A new session's account; close() it when the session ends. */
  account(): ByteAccount {
    return new Account(this);
  }

  /** @internal Account bookkeeping: `account` holds `delta` more bytes and is charged `charge` more. */
  _change(account: Account, delta: number, charge: number): void {
    this.#held += delta;
    this.#charged += charge;
    if (this.#held > this.#peak) this.#peak = this.#held;
    // Room for all (the shared part), or for this account (back within its reserve).
    if (delta < 0 && this.#waiting.size > 0 && (this.hasRoom || (this.#waiting.has(account) && account.hasRoom))) this.#scheduleWake();
  }

  /** @internal */
  _wait(account: Account, wake: () => void): void {
    this.#waiting.set(account, wake);
    this.#onPressure?.();
    // Room may have come back already (pressure relief, or bytes freed since the check).
    if (account.hasRoom) this.#scheduleWake();
  }

  /** @internal */
  _forget(account: Account): void {
    this.#waiting.delete(account);
  }

  /** Wakes the waiting sessions in a later microtask: never from inside a session's own bookkeeping. */
  #scheduleWake(): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    queueMicrotask(() => {
      this.#wakeScheduled = false;
      const ready: (() => void)[] = [];
      for (const [account, wake] of this.#waiting) {
        if (!account.hasRoom) continue;
        this.#waiting.delete(account);
        ready.push(wake);
      }
      for (const wake of ready) wake();
    });
  }
}

/** One session's holdings in a MemoryBudget. */
class Account implements ByteAccount {
  readonly #budget: MemoryBudget;
  #held = 0;
  #closed = false;

  constructor(budget: MemoryBudget) {
    this.#budget = budget;
    budget._change(this, 0, budget.reserve);
  }

  get held(): number {
    return this.#held;
  }

  get hasRoom(): boolean {
    return this.#held < this.#budget.reserve || this.#budget.hasRoom;
  }

  adjust(delta: number): void {
    if (this.#closed || delta === 0) return;
    const reserve = this.#budget.reserve;
    const before = Math.max(this.#held, reserve);
    this.#held += delta;
    this.#budget._change(this, delta, Math.max(this.#held, reserve) - before);
  }

  waitForRoom(wake: () => void): void {
    if (this.#closed) return;
    this.#budget._wait(this, wake);
  }

  close(): void {
    if (this.#closed) return;
    this.#budget._forget(this);
    this.#budget._change(this, -this.#held, -Math.max(this.#held, this.#budget.reserve));
    this.#held = 0;
    this.#closed = true;
  }
}
