/**
 * The client's keepalive (PROTOCOL.md#keepalive): a PING every `interval` ms of quiet
 * schedule, the round trip measured on its PONG, and the link declared dead when nothing
 * at all arrives for `timeout` ms after a PING. The gateway only answers PINGs.
 */
import { PING_PAYLOAD_LENGTH } from './protocol.ts';
import type { Timers } from './transport.ts';

/** Options of a Keepalive. */
export interface KeepaliveOptions {
  readonly timers: Timers;
  /** ms between a PONG (or the start) and the next PING; 0 = no keepalive. */
  readonly interval: number;
  /** ms of silence after a PING before the link counts as dead. */
  readonly timeout: number;
  /** Sends a PING with `payload`; false when the session cannot send (not open): no PING then. */
  readonly ping: (payload: Uint8Array) => boolean;
  /** Nothing arrived for `timeout` ms after a PING. */
  readonly onDead: (timeout: number) => void;
}

export class Keepalive {
  readonly #options: KeepaliveOptions;
  #pingTimer: unknown = null;
  #pongTimer: unknown = null;
  #pingSentAt = 0;
  #pingCounter = 0;
  #rtt = -1;
  /** Messages received so far: a link that delivers anything is alive, PONG or not. */
  #heard = 0;

  constructor(options: KeepaliveOptions) {
    this.#options = options;
  }

  /** Last measured round trip in ms (-1 before the first PONG). */
  get rtt(): number {
    return this.#rtt;
  }

  /** Schedules the next PING. */
  start(): void {
    if (this.#options.interval <= 0) return;
    this.#pingTimer = this.#options.timers.setTimeout(() => this.#sendPing(), this.#options.interval);
  }

  stop(): void {
    const timers = this.#options.timers;
    if (this.#pingTimer !== null) timers.clearTimeout(this.#pingTimer);
    if (this.#pongTimer !== null) timers.clearTimeout(this.#pongTimer);
    this.#pingTimer = null;
    this.#pongTimer = null;
  }

  /** A message arrived. */
  heard(): void {
    this.#heard += 1;
  }

  /** A PONG arrived: the round trip is measured and the next PING scheduled (ignored when none is due). */
  onPong(): void {
    if (this.#pongTimer === null) return;
    this.#options.timers.clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
    this.#rtt = this.#options.timers.now() - this.#pingSentAt;
    this.start();
  }

  #sendPing(): void {
    this.#pingTimer = null;
    const payload = new Uint8Array(PING_PAYLOAD_LENGTH);
    new DataView(payload.buffer).setUint32(4, this.#pingCounter + 1);
    const sentAt = this.#options.timers.now();
    if (!this.#options.ping(payload)) return;
    this.#pingCounter += 1;
    this.#pingSentAt = sentAt;
    this.#armPongTimer(this.#heard);
  }

  /**
   * The link is dead when nothing at all arrives for `timeout` ms after a PING: a PONG
   * stuck behind a burst of DATA (or a replay) is no reason to tear a working link down.
   */
  #armPongTimer(heard: number): void {
    const timeout = this.#options.timeout;
    this.#pongTimer = this.#options.timers.setTimeout(() => {
      this.#pongTimer = null;
      if (this.#heard !== heard) {
        this.#armPongTimer(this.#heard);
        return;
      }
      this.#options.onDead(timeout);
    }, timeout);
  }
}
