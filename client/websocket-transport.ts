/**
 * A WebSocket (the browser's, or `ws` in Node) as a MessageTransport.
 * Browsers have no drain event, so requestDrain() polls bufferedAmount.
 */
import type { MessageTransport, TransportSink } from '../shared/transport.ts';

/** The part of the WHATWG WebSocket interface the tunnel uses (`ws` implements it too). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  /** `ws` also takes a completion callback: send(data, options, callback). */
  send(data: Uint8Array, options?: object, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: the global one, or `ws`'s. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The drain poll stops once bufferedAmount is at or below this. */
const DRAIN_LOW_WATER = 256 * 1024;
const OPEN = 1;
const SEND_OPTIONS = { binary: true };

/** Adapts one WebSocket to the session's MessageTransport. */
export class WebSocketTransport implements MessageTransport {
  readonly #socket: WebSocketLike;
  #sink: TransportSink | null = null;
  #wasOpen = false;
  #closed = false;
  #drainTimer: ReturnType<typeof setTimeout> | null = null;
  #ref = true;
  /** `ws` reports each completed send; browsers only let us poll bufferedAmount. */
  readonly #hasSendCallback: boolean;
  #drainWanted = false;

  constructor(socket: WebSocketLike) {
    this.#socket = socket;
    this.#hasSendCallback = socket.send.length >= 2;
    // `ws` defaults to 'nodebuffer' (Buffers, no copy); browsers need 'arraybuffer' (default 'blob').
    if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.#wasOpen = true;
      this.#applyRef();
      this.#sink?.onOpen();
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onclose = (event) => this.#onClose(event.code, event.reason);
    // 'error' is always followed by 'close', which carries what the session needs.
    socket.onerror = () => {};
  }

  get isOpen(): boolean {
    return this.#socket.readyState === OPEN;
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  attach(sink: TransportSink): void {
    this.#sink = sink;
  }

  send(message: Uint8Array): void {
    if (this.#hasSendCallback) this.#socket.send(message, SEND_OPTIONS, this.#afterSend);
    else this.#socket.send(message);
  }

  readonly #afterSend = (): void => {
    if (this.#drainWanted && !this.#closed && this.#socket.bufferedAmount <= DRAIN_LOW_WATER) {
      this.#drainWanted = false;
      this.#sink?.onDrain();
    }
  };

  requestDrain(): void {
    if (this.#closed) return;
    if (this.#hasSendCallback) {
      this.#drainWanted = true;
      return;
    }
    if (this.#drainTimer !== null) return;
    const poll = (): void => {
      this.#drainTimer = null;
      if (this.#closed) return;
      if (this.#socket.bufferedAmount <= DRAIN_LOW_WATER) this.#sink?.onDrain();
      else this.#drainTimer = setTimeout(poll, 1);
    };
    this.#drainTimer = setTimeout(poll, 0);
  }

  /** Drops the connection: `ws` can terminate() (no close handshake); a browser can only close(). */
  abort(): void {
    const terminate = (this.#socket as unknown as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function') terminate.call(this.#socket);
    else this.close(1000, '');
  }

  close(code: number, reason: string): void {
    try {
      this.#socket.close(code, reason);
    } catch {
      // A code the runtime refuses (browsers only allow 1000 and 3000-4999): close plainly.
      this.#socket.close();
    }
  }

  /**
   * Node only: whether the WebSocket keeps the process alive. Browsers have no
   * such notion; `ws` exposes its net.Socket as `_socket`.
   */
  setRef(ref: boolean): void {
    this.#ref = ref;
    this.#applyRef();
  }

  #applyRef(): void {
    const raw = (this.#socket as unknown as { _socket?: { ref?: () => void; unref?: () => void } | null })._socket;
    if (this.#ref) raw?.ref?.();
    else raw?.unref?.();
  }

  #onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) this.#sink?.onMessage(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) this.#sink?.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    // A text message is not a frame: an empty message makes the session fail with SOCKWAY_ERR_FRAME.
    else this.#sink?.onMessage(new Uint8Array(0));
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    this.#sink?.onClose({ code, reason, wasOpen: this.#wasOpen });
  }
}
