/**
 * The session's send side (PROTOCOL.md#scheduling): control frames first, in order, then
 * one DATA chunk per ready stream in turn (round-robin, at most the peer's maxPayload),
 * and no DATA while the transport buffers sendHighWater bytes or more.
 */
import { type Frame, decodeFrame, isReliableMessage } from './frame.ts';
import type { SessionStream } from './session-stream.ts';
import type { MessageTransport } from './transport.ts';

/** Options of a SendScheduler. */
export interface SendSchedulerOptions {
  readonly transport: MessageTransport;
  readonly sendHighWater: number;
  /** Whether the session sends at all now (open, not closing). */
  readonly canSend: () => boolean;
  /** The peer's maxPayload once the handshake is done (no DATA before), else null. */
  readonly maxPayload: () => number | null;
  readonly onFrame: ((direction: 'in' | 'out', frame: Frame) => void) | undefined;
}

export class SendScheduler {
  readonly #options: SendSchedulerOptions;
  readonly #control: Uint8Array[] = [];
  readonly #ready: SessionStream[] = [];
  #flushing = false;
  #awaitingDrain = false;

  constructor(options: SendSchedulerOptions) {
    this.#options = options;
  }

  /** Queues an encoded control frame; `first` puts it ahead of those queued (HELLO). */
  control(message: Uint8Array, first = false): void {
    if (first) this.#control.unshift(message);
    else this.#control.push(message);
    this.flush();
  }

  /** The stream may have DATA to send: into the ring, unless it is there already. */
  schedule(stream: SessionStream): void {
    if (!stream._scheduled && stream._hasSendable) {
      stream._scheduled = true;
      this.#ready.push(stream);
    }
    this.flush();
  }

  /** Whether a reliable frame (one the peer would miss) waits in the control queue. */
  holdsReliable(): boolean {
    return this.#control.some(isReliableMessage);
  }

  /** The transport has room again (or is a new one): stop waiting for its drain. */
  drained(): void {
    this.#awaitingDrain = false;
    this.flush();
  }

  /** Forgets the transport's pending drain (it is gone). */
  cancelDrain(): void {
    this.#awaitingDrain = false;
  }

  /** Drops everything queued (the session is closing). */
  clear(): void {
    this.#control.length = 0;
    this.#ready.length = 0;
  }

  flush(): void {
    const { transport, sendHighWater, canSend, onFrame } = this.#options;
    if (this.#flushing || !canSend() || !transport.isOpen) return;
    this.#flushing = true;
    try {
      // canSend() again each round: a frame sent may have failed the session.
      while (canSend()) {
        const control = this.#control.shift();
        if (control !== undefined) {
          transport.send(control);
          continue;
        }
        const maxPayload = this.#options.maxPayload();
        if (this.#awaitingDrain || maxPayload === null) break;
        // The resumption layer reports a full buffer while half its replay cap is unacknowledged.
        if (transport.bufferedAmount >= sendHighWater) {
          this.#awaitingDrain = true;
          transport.requestDrain();
          break;
        }
        const stream = this.#ready.shift();
        if (stream === undefined) break;
        stream._scheduled = false;
        if (!stream._hasSendable) continue;
        const message = stream._takeFrame(maxPayload);
        if (onFrame) onFrame('out', decodeFrame(message));
        transport.send(message);
        if (stream._hasSendable) {
          stream._scheduled = true;
          this.#ready.push(stream);
        }
        stream._afterSend();
      }
    } finally {
      this.#flushing = false;
    }
  }
}
