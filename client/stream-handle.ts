/**
 * The per-socket bridge between a Socket and its session stream (Node's
 * `_handle`): forwards stream events to the socket, returns credit only as the
 * socket's reader consumes, and holds the one write callback waiting for drain.
 */
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { Endpoint, Family } from '../shared/frame.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import { canSend } from '../shared/stream-state.ts';
import { isIP } from './ip.ts';

/** What the handle needs from its socket (implemented by Socket). */
export interface HandleOwner {
  _onResolved(host: string, address: string, family: Family, port: number): void;
  _afterConnect(local: Endpoint, remote: Endpoint): void;
  _onData(data: Uint8Array): boolean;
  _onEnd(): void;
  _onStreamError(error: WireError, phase: 'lookup' | 'connect' | 'stream', address: string, port: number, family: 0 | Family): void;
}

type WriteCallback = (error?: Error | null) => void;

/** Node's net `_handle` for a tunnel socket. */
export class StreamHandle implements StreamHandler {
  readonly #owner: HandleOwner;
  #stream: SessionStream | null = null;
  #phase: 'lookup' | 'connect' | 'stream' = 'connect';
  #address = '';
  #port = 0;
  #family: 0 | Family = 0;
  #host = '';
  /** Bytes delivered to a reader that is full; credited when it asks for more. */
  #withheld = 0;
  #readerFull = false;
  #pendingWrite: WriteCallback | null = null;

  constructor(owner: HandleOwner) {
    this.#owner = owner;
  }

  /** Binds the session stream once OPEN has been sent. */
  attach(stream: SessionStream, host: string, port: number, family: 0 | Family): void {
    this.#stream = stream;
    this.#host = host;
    this.#address = host;
    this.#port = port;
    this.#family = family;
    this.#phase = isIP(host) === 0 ? 'lookup' : 'connect';
  }

  /** True once a session stream is bound. */
  get attached(): boolean {
    return this.#stream !== null;
  }

  /** True while DATA may be sent. */
  get writable(): boolean {
    return this.#stream !== null && canSend(this.#stream.state);
  }

  /** The session stream (for stats), if bound. */
  get stream(): SessionStream | null {
    return this.#stream;
  }

  /** Sends chunks; `callback` runs once they are all handed to the transport. */
  write(chunks: Uint8Array[], callback: WriteCallback): void {
    const stream = this.#stream as SessionStream;
    let drained = true;
    for (const chunk of chunks) drained = stream.write(chunk);
    if (drained) callback();
    else this.#pendingWrite = callback;
  }

  /** Half-closes (END after queued data). */
  end(): void {
    this.#stream?.end();
  }

  /** The reader wants more: return the credit withheld while it was full. */
  resumeReading(): void {
    this.#readerFull = false;
    if (this.#withheld > 0 && this.#stream !== null) {
      const n = this.#withheld;
      this.#withheld = 0;
      this.#stream.consume(n);
    }
  }

  /** Closes the stream: 'reset' makes the gateway send a TCP RST, 'destroy' closes it plainly. */
  close(mode: 'reset' | 'destroy', error: Error): void {
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null) {
      stream.reset(mode === 'reset'
        ? wireError({ code: 'ECONNRESET', message: 'reset by the client' })
        : wireError({ code: SockwayErrorCode.Closed, message: 'destroyed by the client' }));
    }
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.(error);
  }

  // ---- StreamHandler ----

  onResolved(address: string, family: Family): void {
    this.#phase = 'connect';
    this.#address = address;
    this.#family = family;
    this.#owner._onResolved(this.#host, address, family, this.#port);
  }

  onOpened(local: Endpoint, remote: Endpoint): void {
    this.#phase = 'stream';
    this.#owner._afterConnect(local, remote);
  }

  onData(data: Uint8Array): void {
    const consumed = this.#owner._onData(data);
    if (consumed && !this.#readerFull) {
      this.#stream?.consume(data.length);
    } else {
      this.#readerFull = true;
      this.#withheld += data.length;
    }
  }

  onEnd(): void {
    this.#owner._onEnd();
  }

  onReset(error: WireError): void {
    this.#stream = null;
    const phase = this.#phase === 'lookup' && error.syscall !== 'getaddrinfo' ? 'connect' : this.#phase;
    // The socket destroys itself; its _destroy hands the error to a waiting write callback.
    this.#owner._onStreamError(error, phase, this.#address, this.#port, this.#family);
  }

  onDrain(): void {
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.();
  }
}
