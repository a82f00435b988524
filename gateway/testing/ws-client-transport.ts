/**
 * Test helpers: a `ws` client WebSocket as a MessageTransport, and a client-role
 * Session over it. Deliberately independent of gateway/ws-transport.ts, so the
 * gateway's adapter is tested against something else.
 */
import { type RawData, WebSocket } from 'ws';
import { Session, type SessionOptions } from '../../shared/session.ts';
import type { MessageTransport, Timers, TransportCloseInfo, TransportSink } from '../../shared/transport.ts';

/** A MessageTransport over a connecting `ws` client socket. */
export class WsClientTransport implements MessageTransport {
  readonly ws: WebSocket;
  #sink: TransportSink | null = null;
  #opened = false;
  #drainWanted = false;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('error', () => {}); // 'close' follows and carries what matters here
    ws.on('open', () => {
      this.#opened = true;
      this.#sink?.onOpen();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) this.#sink?.onMessage(data as Buffer);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const info: TransportCloseInfo = { code, reason: reason.toString(), wasOpen: this.#opened };
      this.#sink?.onClose(info);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  attach(sink: TransportSink): void {
    this.#sink = sink;
  }

  send(message: Uint8Array): void {
    if (!this.isOpen) return;
    this.ws.send(message, { binary: true }, () => {
      if (this.#drainWanted && this.ws.bufferedAmount === 0) {
        this.#drainWanted = false;
        this.#sink?.onDrain();
      }
    });
  }

  requestDrain(): void {
    if (this.ws.bufferedAmount === 0) queueMicrotask(() => this.#sink?.onDrain());
    else this.#drainWanted = true;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING) return;
    this.ws.close(code === 1006 ? 1000 : code, reason);
  }
}

/** Real timers for sessions under test. */
export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** A connected test client: the session, its transport, and a promise for its end. */
export interface TestClient {
  readonly session: Session;
  readonly transport: WsClientTransport;
  /** Resolves once the handshake finished (WELCOME received). */
  readonly ready: Promise<void>;
  /** Resolves with the WebSocket close code and reason. */
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
}

/** Opens a client Session to `url` (keepalive off unless given). */
export function connectClient(url: string, options: Partial<Omit<SessionOptions, 'role' | 'transport' | 'timers'>> = {}): TestClient {
  const transport = new WsClientTransport(new WebSocket(url, { perMessageDeflate: false }));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    transport.ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const session = new Session({
    keepaliveInterval: 0,
    ...options,
    role: 'client',
    transport,
    timers: realTimers,
    onReady: () => {
      onReady();
      options.onReady?.();
    },
  });
  return { session, transport, ready, closed };
}
