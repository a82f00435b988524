/**
 * The per-socket bridge between a Socket and its session stream (Node's
 * `_handle`): forwards stream events to the socket, returns credit only as the
 * socket's reader consumes, and holds the one write callback waiting for drain.
 */
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { Endpoint, Family, SecuredFrame, TlsOptions } from '../shared/frame.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import { canSend } from '../shared/stream-state.ts';
import { atAppBoundary } from './app-boundary.ts';
import { isIP } from './ip.ts';
import { afterIo } from './next-tick.ts';

/** What the handle needs from its socket (implemented by Socket). Each call names the handle, so a socket can ignore a handle it replaced. */
export interface HandleOwner {
  _onResolved(handle: StreamHandle, host: string, address: string, family: Family, port: number): void;
  _afterConnect(handle: StreamHandle): void;
  /**
   * Bytes arrived while reading: returns how many of them the socket took (it adds
   * them to handle.bytesRead and calls handle.readStop() when it wants no more, as
   * Node's onStreamRead does when push() returns false or an onread callback false).
   */
  _onData(handle: StreamHandle, data: Uint8Array): number;
  _onEnd(handle: StreamHandle): void;
  _onStreamError(handle: StreamHandle, error: WireError, phase: 'lookup' | 'connect' | 'stream'): void;
  /** TLS sockets: the STARTTLS to pipeline behind OPEN on every attempt, or null. */
  _tlsRequest?(): TlsOptions | null;
  /** TLS sockets: the gateway finished the handshake (SECURED). */
  _onSecured?(handle: StreamHandle, frame: SecuredFrame): void;
  /** handle.holdsLoop may have changed (the socket re-applies its ref to the tunnel). */
  _onHoldsLoop?(handle: StreamHandle): void;
}

type WriteCallback = (error?: Error | null) => void;

/** Node's `getsockname`/`getpeername` result object. */
export interface SockName {
  address?: string;
  family?: string;
  port?: number;
}

/** What a connection attempt was aimed at (Node's TCPConnectWrap fields). */
export interface ConnectRequest {
  /** The IP dialed, or the host name the gateway resolves. */
  readonly address: string;
  readonly port: number;
  /** 4 or 6; 0 while the gateway still has to resolve a name. */
  readonly addressType: 0 | Family;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
}

function fillName(out: SockName, endpoint: Endpoint): void {
  out.address = endpoint.address;
  out.family = endpoint.family === 6 ? 'IPv6' : 'IPv4';
  out.port = endpoint.port;
}

/**
 * Node's net `_handle` for a tunnel socket: one per connection attempt, like
 * Node's TCP handle. Counts bytes (bytesRead / bytesWritten live on the handle in
 * Node too), answers getsockname/getpeername once the gateway reported the
 * endpoints, and gates reads with readStart/readStop as libuv does.
 */
export class StreamHandle implements StreamHandler {
  readonly #owner: HandleOwner;
  #stream: SessionStream | null = null;
  #phase: 'lookup' | 'connect' | 'stream' = 'connect';
  #request: ConnectRequest | null = null;
  #local: Endpoint | null = null;
  #remote: Endpoint | null = null;
  /**
   * DATA received while not reading (the kernel's receive buffer, in Node): credit
   * for these bytes is returned only once the socket takes them.
   */
  readonly #unread: Uint8Array[] = [];
  /** The peer's END arrived behind unread bytes. */
  #endPending = false;
  /** The peer's END arrived (libuv stops reading at EOF). */
  #peerEnded = false;
  #delivering = false;
  #pendingWrite: WriteCallback | null = null;
  #closed = false;
  /** end() was called: our END is queued behind the bytes written before it. */
  #ended = false;
  /** An accepted stream's first readStart() grants the gateway its window (PROTOCOL.md#credit). */
  #grantOnRead = false;
  /** Bytes received from the peer (Node's handle.bytesRead). */
  bytesRead = 0;
  /** Bytes handed to the session (Node's handle.bytesWritten). */
  bytesWritten = 0;
  /** libuv's `handle.reading`: set by readStart(), cleared by readStop(). */
  reading = false;

  constructor(owner: HandleOwner) {
    this.#owner = owner;
  }

  /** Binds the session stream once OPEN has been sent for `request`. */
  attach(stream: SessionStream, request: ConnectRequest): void {
    this.#stream = stream;
    this.#request = request;
    this.#phase = isIP(request.address) === 0 ? 'lookup' : 'connect';
    const tls = this.#owner._tlsRequest?.() ?? null;
    if (tls !== null) stream.startTls(tls);
  }

  /**
   * Lets go of the stream without closing it: tls.connect({ socket }) hands it to the
   * TLS socket's handle, and this one (the plain socket's) no longer reads or writes.
   */
  detach(): SessionStream | null {
    const stream = this.#stream;
    this.#stream = null;
    this.#unread.length = 0;
    this.#endPending = false;
    this.reading = false;
    this.#owner._onHoldsLoop?.(this);
    return stream;
  }

  /** Asks the gateway to wrap the connection in TLS (after the bytes written so far). */
  startTls(tls: TlsOptions): boolean {
    return this.#stream?.startTls(tls) ?? false;
  }

  /**
   * Binds a stream the gateway opened for a connection a listener accepted (ACCEPT):
   * connected from the start, and the gateway may send nothing until readStart().
   */
  attachAccepted(stream: SessionStream, local: Endpoint, remote: Endpoint): void {
    this.#stream = stream;
    this.#phase = 'stream';
    this.#local = local;
    this.#remote = remote;
    this.#grantOnRead = true;
  }

  /** True once a session stream is bound (an attempt is in flight or connected). */
  get attached(): boolean {
    return this.#stream !== null;
  }

  /** True once the gateway reported the connection (OPENED). */
  get connected(): boolean {
    return this.#phase === 'stream' && this.#remote !== null;
  }

  /** The attempt this handle carries. */
  get request(): ConnectRequest | null {
    return this.#request;
  }

  /** True while DATA may be sent. */
  get writable(): boolean {
    return this.#stream !== null && canSend(this.#stream.state);
  }

  /**
   * Whether the handle keeps a Node process alive, as an active libuv TCP handle or a
   * pending request does: while it connects, reads (readStart, not stopped, no EOF yet),
   * or has a write waiting for the stream to take it. A paused socket (before any read,
   * or with its buffer full) and one whose peer ended do not.
   */
  get holdsLoop(): boolean {
    if (this.#closed || this.#stream === null) return false;
    if (this.#phase !== 'stream') return true;
    return this.#pendingWrite !== null || (this.reading && !this.#peerEnded);
  }

  /** The session stream (for stats), if bound. */
  get stream(): SessionStream | null {
    return this.#stream;
  }

  /** Node's handle.getsockname(out): 0 and `out` filled, or an error (out untouched). */
  getsockname(out: SockName): number {
    if (this.#local === null || this.#closed) return -1;
    fillName(out, this.#local);
    return 0;
  }

  /** Node's handle.getpeername(out). */
  getpeername(out: SockName): number {
    if (this.#remote === null || this.#closed) return -1;
    fillName(out, this.#remote);
    return 0;
  }

  /** Sends chunks; `callback` runs once they are all handed to the transport. */
  write(chunks: Uint8Array[], callback: WriteCallback): void {
    const stream = this.#stream as SessionStream;
    let drained = true;
    for (const chunk of chunks) {
      this.bytesWritten += chunk.length;
      drained = stream.write(chunk);
    }
    if (drained) callback();
    else {
      this.#pendingWrite = callback;
      this.#owner._onHoldsLoop?.(this);
    }
  }

  /** Half-closes (END after queued data). */
  end(): void {
    this.#ended = true;
    this.#stream?.end();
  }

  /** libuv readStart: the socket wants data; bytes held while it did not are delivered now. */
  readStart(): void {
    const was = this.reading;
    this.reading = true;
    if (!was) this.#owner._onHoldsLoop?.(this);
    if (this.#grantOnRead) {
      // consume(0) announces the first window (pauseOnConnect holds it back until here).
      this.#grantOnRead = false;
      this.#stream?.consume(0);
    }
    // Like libuv, bytes already waiting arrive on a later turn, not inside readStart().
    if (this.#unread.length > 0 || this.#endPending) afterIo(() => this.#deliver());
  }

  /** libuv readStop: no more credit until readStart(). */
  readStop(): void {
    if (!this.reading) return;
    this.reading = false;
    this.#owner._onHoldsLoop?.(this);
  }

  /** Closes the stream: 'reset' makes the gateway send a TCP RST, 'destroy' closes it plainly. */
  close(mode: 'reset' | 'destroy', error: Error): void {
    this.#closed = true;
    this.#unread.length = 0;
    this.#endPending = false;
    const stream = this.#stream;
    this.#stream = null;
    // A socket that ended and read the peer's END destroys itself ('end' + 'finish'); its
    // last writes may still wait in the stream's queue (for credit, or while the tunnel
    // resumes). Node's close(fd) would still deliver them and the FIN: so do we, no RESET.
    const finishing = mode === 'destroy' && this.#ended && stream?.state === 'remote-closed';
    if (stream !== null && !finishing) {
      stream.reset(mode === 'reset'
        ? wireError({ code: 'ECONNRESET', message: 'reset by the client' })
        : wireError({ code: SockwayErrorCode.Closed, message: 'destroyed by the client' }));
    }
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.(error);
    this.#owner._onHoldsLoop?.(this);
  }

  // ---- StreamHandler ----

  // Every entry point below may run the app's listeners: atAppBoundary keeps their
  // exceptions out of the session (app-boundary.ts).

  onResolved(address: string, family: Family): void {
    const request = this.#request as ConnectRequest;
    this.#phase = 'connect';
    this.#request = { ...request, address, addressType: family };
    atAppBoundary(() => this.#owner._onResolved(this, request.address, address, family, request.port));
  }

  onOpened(local: Endpoint, remote: Endpoint): void {
    this.#phase = 'stream';
    this.#local = local;
    this.#remote = remote;
    atAppBoundary(() => this.#owner._afterConnect(this));
    // Connected: from now on only reads and writes hold the process.
    this.#owner._onHoldsLoop?.(this);
  }

  onData(data: Uint8Array): void {
    this.#unread.push(data);
    atAppBoundary(() => this.#deliver());
  }

  onEnd(): void {
    this.#peerEnded = true;
    this.#owner._onHoldsLoop?.(this);
    if (this.#unread.length === 0) atAppBoundary(() => this.#owner._onEnd(this));
    else this.#endPending = true;
  }

  /** Hands unread bytes to the socket while it reads; EOF once they are all taken. */
  #deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.reading && !this.#closed && this.#unread.length > 0) {
        const chunk = this.#unread[0] as Uint8Array;
        let taken: number;
        try {
          taken = this.#owner._onData(this, chunk);
        } catch (error) {
          // A 'data' listener threw after the chunk was pushed: it was delivered, never again.
          this.#unread.shift();
          this.#stream?.consume(chunk.length);
          throw error;
        }
        if (taken >= chunk.length) this.#unread.shift();
        else this.#unread[0] = chunk.subarray(taken);
        if (taken > 0) this.#stream?.consume(taken);
      }
      if (this.#endPending && this.#unread.length === 0 && !this.#closed) {
        this.#endPending = false;
        this.#owner._onEnd(this);
      }
    } finally {
      this.#delivering = false;
    }
  }

  onReset(error: WireError): void {
    this.#stream = null;
    const phase = this.#phase === 'lookup' && error.syscall !== 'getaddrinfo' ? 'connect' : this.#phase;
    // The socket destroys itself; its _destroy hands the error to a waiting write callback.
    atAppBoundary(() => this.#owner._onStreamError(this, error, phase));
  }

  /** A GOAWAY crossed our OPEN, and the tunnel sent it again on a fresh session: carry on there. */
  onReopened(stream: SessionStream): void {
    this.attach(stream, this.#request as ConnectRequest);
  }

  onSecured(frame: SecuredFrame): void {
    atAppBoundary(() => this.#owner._onSecured?.(this, frame));
  }

  onDrain(): void {
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    if (pending !== null) {
      this.#owner._onHoldsLoop?.(this);
      atAppBoundary(() => pending());
    }
  }
}
