/**
 * A GatewayWebSocket over a message-passing peer that is not a `ws` socket (Playwright's
 * WebSocketRoute, sockway/playwright): the peer delivers the page's messages and its close
 * here, and gets the gateway's messages and close through `RoutedPeer`. In-process, so
 * a ping is answered at once; what the peer has not delivered yet (a throttled link) is the
 * bufferedAmount, and a send's callback runs once the peer delivered it.
 */
import { EventEmitter } from 'node:events';
import type { GatewayWebSocket } from './ws-transport.ts';

/** The peer's side: how the gateway's messages and close reach the page. */
export interface RoutedPeer {
  /** Delivers a message to the page; `sent()` once it left (at once, or after a throttled link's wait). */
  send(message: Buffer, sent: () => void): void;
  close(code: number, reason: string): void;
  /** Bytes sent and not yet delivered. Default 0. */
  bufferedAmount?(): number;
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** What the gateway sees when it drops the socket itself (terminate()): an abnormal close. */
const ABNORMAL_CLOSURE = 1006;

export class RoutedWebSocket extends EventEmitter implements GatewayWebSocket {
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;
  binaryType: 'nodebuffer' | 'arraybuffer' | 'fragments' = 'nodebuffer';
  readonly #peer: RoutedPeer;
  #state = OPEN;

  constructor(peer: RoutedPeer) {
    super();
    this.#peer = peer;
  }

  get bufferedAmount(): number {
    return this.#peer.bufferedAmount?.() ?? 0;
  }

  get readyState(): number {
    return this.#state;
  }

  /** A message from the page: a string is a text message (a protocol violation the transport handles). */
  receive(message: string | Buffer): void {
    if (this.#state !== OPEN) return;
    if (typeof message === 'string') this.emit('message', Buffer.from(message), false);
    else this.emit('message', message, true);
  }

  /** The page closed the WebSocket (or it is gone with the page). */
  peerClosed(code: number, reason: string): void {
    this.#finish(code, reason);
  }

  send(data: Uint8Array, _options: { binary: boolean }, callback: (error?: Error) => void): void {
    if (this.#state !== OPEN) return;
    // A copy: the session may reuse the buffer it framed the message in.
    this.#peer.send(Buffer.from(data), () => queueMicrotask(() => callback()));
  }

  close(code = 1000, reason = ''): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#peer.close(code, reason);
    this.#finish(code, reason);
  }

  terminate(): void {
    if (this.#state === CLOSED) return;
    // Playwright cannot drop a routed socket without a close frame: 1011 is the nearest the page sees.
    if (this.#state === OPEN) this.#peer.close(1011, 'dropped');
    this.#finish(ABNORMAL_CLOSURE, '');
  }

  ping(): void {
    if (this.#state === OPEN) queueMicrotask(() => this.emit('pong'));
  }

  #finish(code: number, reason: string): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    // As ws: 'close' after the current turn's events, once.
    queueMicrotask(() => this.emit('close', code, Buffer.from(reason)));
  }
}

