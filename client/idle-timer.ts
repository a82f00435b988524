/**
 * The idle timer behind socket.setTimeout(): an unref'd timer (where the runtime
 * has unref) that activity refreshes, as Node's kTimeout/_unrefTimer.
 */
type TimerHandle = ReturnType<typeof setTimeout>;
type Refreshable = { refresh?: () => void; unref?: () => void };

/** A restartable one-shot timer that does not keep a Node process alive. */
export class IdleTimer {
  #handle: TimerHandle | null = null;
  #ms = 0;
  readonly #onTimeout: () => void;

  constructor(onTimeout: () => void) {
    this.#onTimeout = onTimeout;
  }

  /** Arms the timer for `ms` (0 disarms). */
  set(ms: number): void {
    this.clear();
    this.#ms = ms;
    if (ms > 0) this.#arm();
  }

  /** Restarts the countdown if armed (called on every read and write). */
  refresh(): void {
    // Like Node's timer.refresh(), this re-arms a timer that already fired.
    if (this.#handle === null || this.#ms === 0) return;
    const handle = this.#handle as unknown as Refreshable;
    if (handle.refresh) handle.refresh();
    else {
      clearTimeout(this.#handle);
      this.#arm();
    }
  }

  /** Disarms the timer. */
  clear(): void {
    if (this.#handle !== null) clearTimeout(this.#handle);
    this.#handle = null;
    this.#ms = 0;
  }

  #arm(): void {
    this.#handle = setTimeout(() => this.#onTimeout(), this.#ms);
    (this.#handle as unknown as Refreshable).unref?.();
  }
}
