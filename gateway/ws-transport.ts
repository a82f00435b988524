/**
 * Adapts a `ws` WebSocket to the session's MessageTransport: one binary message
 * per frame, bufferedAmount and drain from ws, close codes passed through.
 * [ws lib/stream.js maps a WebSocket to a Duplex the same way]
 */
import type { RawData } from 'ws';
import { CloseCode, type MessageTransport, type TransportCloseInfo, type TransportSink } from '../shared/transport.ts';

/**
 * What the gateway uses of a server-side WebSocket: the part of `ws`'s WebSocket that
 * WsTransport, Link and Connection call. A `ws` socket is one; gateway.serveWebSocket()
 * takes any other (routed-socket.ts adapts a message-passing one, e.g. Playwright's route).
 */
export interface GatewayWebSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
  readonly bufferedAmount: number;
  binaryType: 'nodebuffer' | 'arraybuffer' | 'fragments';
  send(data: Uint8Array, options: { binary: boolean }, callback: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'open' | 'pong', listener: () => void): unknown;
  once(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  off(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  off(event: 'open' | 'pong', listener: () => void): unknown;
}

/** Options of WsTransport. */
export interface WsTransportOptions {
  /** requestDrain() is answered once bufferedAmount is at or below this. Default 256 KiB (a quarter of the session's send high-water: the pipe never runs dry). */
  readonly drainLowWater?: number;
  /**
   * A text message arrived. sockway frames are binary, so this is a protocol
   * violation; the default closes the WebSocket with 1003 (unsupported data).
   * The gateway passes a handler that closes the session instead, so the peer
   * also gets a GOAWAY saying why.
   */
  readonly onTextMessage?: () => void;
  /** A ws 'error' (bad framing, oversized message, socket error); ws closes the connection itself. */
  readonly onError?: (error: Error) => void;
  /** Any message or pong arrived: the peer is alive (for the gateway's heartbeat). */
  readonly onActivity?: () => void;
}

const EMPTY_REASON = '';
/** Messages of one connection handled at once in a turn of the event loop; further ones wait a turn each. */
const TURN_MESSAGES = 16;
/** RFC 6455 close code for a data type the endpoint cannot accept (a text message here). */
export const UNSUPPORTED_DATA = 1003;
// RFC 6455 §5.5: a control frame payload is at most 125 bytes, 2 of them the code.
const MAX_REASON_BYTES = 123;

/**
 * A MessageTransport over one `ws` WebSocket. Built for the server side, where
 * the socket is already open, but a connecting client socket works too: the
 * sink hears onOpen() when it opens.
 */
export class WsTransport implements MessageTransport {
  readonly #ws: GatewayWebSocket;
  readonly #drainLowWater: number;
  readonly #options: WsTransportOptions;
  #sink: TransportSink | null = null;
  #opened: boolean;
  #drainRequested = false;
  #closed = false;
  /**
   * ws's receiver (`_receiver`): its `_allowSynchronousEvents` says whether the next message
   * is handled now or at the next turn of the event loop (ws's own option, switched here per
   * turn). Absent if ws changes its internals: then every message is handled at once.
   */
  readonly #receiver: { _allowSynchronousEvents: boolean } | undefined;
  /** Messages handled in this turn of the event loop. */
  #messagesThisTurn = 0;
  /** The TCP socket beneath (ws keeps it as `_socket`), corked while frames are sent in one tick. */
  readonly #socket: { cork(): void; uncork(): void } | undefined;
  #corked = false;

  constructor(ws: GatewayWebSocket, options: WsTransportOptions = {}) {
    this.#ws = ws;
    this.#options = options;
    this.#drainLowWater = options.drainLowWater ?? 256 * 1024;
    this.#opened = ws.readyState === ws.OPEN;
    this.#socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    const receiver = (ws as unknown as { _receiver?: { _allowSynchronousEvents?: unknown } })._receiver;
    this.#receiver = typeof receiver?._allowSynchronousEvents === 'boolean' ? receiver as { _allowSynchronousEvents: boolean } : undefined;
    ws.binaryType = 'nodebuffer';
    // Listeners go on now, not in attach(): an 'error' with no listener would crash the process.
    ws.on('error', this.#onError);
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    ws.on('open', this.#onOpen);
    ws.on('pong', this.#onPong);
  }

  get isOpen(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** The underlying WebSocket (for ping/terminate by the gateway). */
  get webSocket(): GatewayWebSocket {
    return this.#ws;
  }

  attach(sink: TransportSink): void {
    // A second attach hands the connection to a resumed session (PROTOCOL.md#resume).
    this.#sink = sink;
  }

  send(message: Uint8Array): void {
    // After the close handshake started the session may still flush a GOAWAY; ws
    // would report that through the callback, so it is simply dropped here.
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    // Frames sent in one tick leave in one write: a session answering a burst (RESETs for
    // 20,000 refused OPENs, WINDOWs, PONGs) made one writev syscall per frame.
    if (!this.#corked && this.#socket !== undefined) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    // A Uint8Array is wrapped by ws without copying; the server side never masks.
    this.#ws.send(message, { binary: true }, this.#onSent);
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket?.uncork();
  };

  requestDrain(): void {
    if (this.#closed) return;
    this.#drainRequested = true;
    // Already low: answer asynchronously, once the session is out of its flush loop.
    // Otherwise the callback of a pending send() answers (bufferedAmount > 0 means one is pending).
    if (this.#ws.bufferedAmount <= this.#drainLowWater) queueMicrotask(this.#onSent);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    const state = this.#ws.readyState;
    if (state === this.#ws.CLOSING || state === this.#ws.CLOSED) return;
    try {
      this.#ws.close(sendableCode(code), truncateReason(reason));
    } catch {
      // ws refuses some codes and reasons; the connection must go anyway.
      this.#ws.terminate();
    }
  }

  /** Drops the connection without a close handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  abort(): void {
    this.#ws.terminate();
  }

  // Arrow properties: one function per transport, not one per send().
  readonly #onSent = (): void => {
    if (!this.#drainRequested || this.#closed) return;
    if (this.#ws.bufferedAmount > this.#drainLowWater) return;
    this.#drainRequested = false;
    this.#sink?.onDrain();
  };

  /** A new turn: the next messages are handled at once again. */
  readonly #newTurn = (): void => {
    this.#messagesThisTurn = 0;
    if (this.#receiver !== undefined) this.#receiver._allowSynchronousEvents = true;
  };

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.#closed) return;
    // Fair turns: libuv reads a ready socket up to 32 times a turn, and ws handles every
    // frame of it at once, so one client's burst of small frames (20,000 OPENs, ~0.5 s of
    // work) made every other session wait. Past TURN_MESSAGES in one turn, each further
    // message of this connection waits for a turn of its own (the first ones stay
    // immediate: an interactive round trip pays nothing).
    if (this.#messagesThisTurn === 0) setImmediate(this.#newTurn);
    this.#messagesThisTurn += 1;
    if (this.#messagesThisTurn === TURN_MESSAGES && this.#receiver !== undefined) this.#receiver._allowSynchronousEvents = false;
    this.#options.onActivity?.();
    if (!isBinary) {
      if (this.#options.onTextMessage) this.#options.onTextMessage();
      else this.close(UNSUPPORTED_DATA, 'sockway frames are binary messages');
      return;
    }
    // binaryType 'nodebuffer' always gives one Buffer (a Uint8Array), fragments already joined.
    this.#sink?.onMessage(data as Buffer);
  };

  readonly #onOpen = (): void => {
    this.#opened = true;
    this.#sink?.onOpen();
  };

  readonly #onPong = (): void => {
    this.#options.onActivity?.();
  };

  readonly #onError = (error: Error): void => {
    // ws follows every 'error' with 'close'; here it is only reported.
    this.#options.onError?.(error);
  };

  readonly #onClose = (code: number, reason: Buffer): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#drainRequested = false;
    const ws = this.#ws;
    ws.off('message', this.#onMessage);
    ws.off('open', this.#onOpen);
    ws.off('pong', this.#onPong);
    // 'error' stays: a late socket error must still find a listener.
    const info: TransportCloseInfo = { code, reason: reason.length > 0 ? reason.toString('utf8') : EMPTY_REASON, wasOpen: this.#opened };
    this.#sink?.onClose(info);
  };
}

/** ws throws for codes that must not be sent (1005, 1006, 1015, out of range): map them. */
function sendableCode(code: number): number {
  if (code === 1000 || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006)) return code;
  if (code >= 3000 && code <= 4999) return code;
  return CloseCode.InternalError;
}

/** Cuts a close reason to 123 UTF-8 bytes without splitting a character. */
function truncateReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let out = '';
  let bytes = 0;
  for (const char of reason) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_REASON_BYTES - 3) break;
    out += char;
    bytes += size;
  }
  return `${out}...`;
}
