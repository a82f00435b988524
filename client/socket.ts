/**
 * net.Socket for the tunnel: a readable-stream Duplex with Node 20's methods,
 * properties, events and event order. Stream semantics live here; the per-socket
 * bridge to the session is StreamHandle (Node's `_handle`). Behaviour notes cite
 * Node's lib/net.js names (afterConnect, writeAfterFIN, _final, ...).
 */
import { Buffer } from 'buffer';
import { Duplex, type DuplexOptions } from 'readable-stream';
import type { Endpoint, Family } from '../shared/frame.ts';
import type { SessionStream } from '../shared/session.ts';
import type { WireError } from '../shared/errors.ts';
import { IdleTimer } from './idle-timer.ts';
import { afterIo, nextTick } from './next-tick.ts';
import {
  type ConnectCallback,
  type ConnectDefaults,
  DEFAULT_CONNECT_DEFAULTS,
  type NetConnectOptions,
  type NormalizedArgs,
  type SocketConstructorOptions,
  isNormalizedArgs,
  normalizeArgs,
  validateConnectOptions,
  validateSocketOptions,
  validateTimeoutArgs,
  validateWriteChunk,
} from './normalize-args.ts';
import {
  errMissingArgs,
  errSocketClosed,
  errSocketClosedBeforeConnection,
  errFeatureUnavailable,
  epipeAfterFin,
  errStreamDestroyed,
  abortError,
} from './node-errors.ts';
import { Connector } from './socket-connect.ts';
import { type OnRead, OnReadSink } from './socket-onread.ts';
import { type QueuedChunk, type WriteCallback, queuedBytes, toBytes, withNullOnSuccess, writeWithNodeResult } from './socket-write.ts';
import { StreamHandle } from './stream-handle.ts';
import { type TunnelCore, TUNNEL } from './tunnel-core.ts';
import { wireToError } from './wire-to-error.ts';
import type { Server } from './server.ts';

/** Node's `socket.address()` shape. */
export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

/** Node's getsockname/getpeername result (`{}` when unknown). */
type SockAddr = { address?: string; family?: string; port?: number };

/** Static property of a net module's Socket returning that module's connect defaults (autoSelectFamily...). */
export const CONNECT_DEFAULTS: unique symbol = Symbol('sockway.connectDefaults');

/**
 * A TCP socket carried by the sockway tunnel. Construct it from a `net` module
 * made by createTunnel() (`tunnel.net.Socket`) or from 'sockway/net'.
 *
 * The structure is lib/net.js's: connect → lookupAndConnect → internalConnect
 * (or internalConnectMultiple for several looked-up addresses; socket-connect.ts)
 * → afterConnect, one StreamHandle (Node's TCP handle) per connection attempt.
 */
export class Socket extends Duplex {
  /** True from connect() until 'connect' or destroy. */
  connecting = false;
  /** Node's allowHalfOpen option. */
  override allowHalfOpen: boolean;
  /** The Server that accepted this socket (null for a socket that connects), as in Node. */
  server: Server | null = null;
  _server: Server | null = null;
  /** Idle timeout set by setTimeout(); undefined until it is called. */
  timeout: number | undefined = undefined;
  /** Set by resetAndDestroy(): the destroy sends ECONNRESET to the peer. */
  resetAndClosing = false;
  /** Node's per-socket handle: non-null from connect() until destroy. */
  _handle: StreamHandle | null = null;
  _pendingData: unknown = null;
  _pendingEncoding = '';
  /** Cached getpeername() result (kept after close, as in Node). */
  _peername: SockAddr | null = null;
  /** Cached getsockname() result. */
  _sockname: SockAddr | null = null;
  _host: string | null = null;
  _hadError = false;
  _parent: null = null;
  /** Set when the `signal` aborted (stops autoSelectFamily attempts). */
  _aborted = false;
  /** `ip:port` of every address tried, when a lookup gave several (Node's autoSelectFamily). */
  autoSelectFamilyAttemptedAddresses?: string[];

  readonly #tunnel: TunnelCore;
  readonly #defaults: () => ConnectDefaults;
  readonly #timer = new IdleTimer(() => this._onTimeout());
  #setNoDelay: boolean;
  #setKeepAlive: boolean;
  #keepAliveInitialDelay: number;
  /** Node's kBytesRead / kBytesWritten: the last handle's counters, kept after destroy. */
  #bytesRead = 0;
  #bytesWritten = 0;
  /** Node's kLastWriteQueueSize: bytes of the write in flight when it went async. */
  #lastWriteQueueSize = 0;
  #onread: OnReadSink | null = null;
  #refed = true;
  readonly #connector: Connector = new Connector(this, {
    tunnel: () => this.#tunnel,
    streamOptions: () => ({ noDelay: this.#setNoDelay, keepAlive: this.#setKeepAlive, keepAliveInitialDelay: this.#keepAliveInitialDelay }),
    reinitializeHandle: () => {
      this._handle?.close('destroy', errStreamDestroyed('write'));
      this._handle = new StreamHandle(this);
      this.#initSocketHandle();
    },
    applyRef: () => this.#applyRef(),
  });

  constructor(options: SocketConstructorOptions = {}) {
    const opts = validateSocketOptions(options);
    const signal = opts.signal;
    // readable-stream would destroy an already aborted stream inside its constructor,
    // before this class has fields; Node destroys and then _undestroy()s (initSocketHandle).
    // Done below, once the socket exists.
    const duplexOptions = signal?.aborted ? { ...opts, signal: undefined } : opts;
    // opts carries Node's forced Duplex options: emitClose false, autoDestroy, decodeStrings false.
    super(duplexOptions as unknown as DuplexOptions);
    const target = new.target as unknown as { [TUNNEL]?: () => TunnelCore; [CONNECT_DEFAULTS]?: () => ConnectDefaults };
    const tunnel = target[TUNNEL];
    if (tunnel === undefined) throw new TypeError('Socket must be created from a sockway net module (createTunnel().net or sockway/net)');
    this.#tunnel = tunnel();
    this.#defaults = target[CONNECT_DEFAULTS] ?? (() => DEFAULT_CONNECT_DEFAULTS);
    this.allowHalfOpen = Boolean(opts.allowHalfOpen);
    this.#setNoDelay = Boolean(opts.noDelay);
    this.#setKeepAlive = Boolean(opts.keepAlive);
    this.#keepAliveInitialDelay = Math.max(0, Math.trunc(Number(opts.keepAliveInitialDelay ?? 0)));
    if (opts.onread !== undefined && opts.onread !== null) {
      this.#onread = new OnReadSink(opts.onread as OnRead);
    }
    if (opts.fd !== undefined || opts.handle !== undefined) throw errFeatureUnavailable('file descriptors and handles');
    // Node: onReadableStreamEnd swaps in writeAfterFIN when the peer ends a non-half-open socket.
    this.on('end', () => {
      if (!this.allowHalfOpen) this.write = this.#writeAfterFin as Duplex['write'];
    });
    if (signal) this.#addAbortSignal(signal);
  }

  /**
   * Node's two abort hooks: the stream's (destroys with AbortError; for a signal that
   * is already aborted, in the constructor, which initSocketHandle then undoes: the
   * 'error' and 'close' are already queued and the socket stays usable, as in Node 20)
   * and net's own listener, added a tick later, which marks the socket `_aborted`.
   */
  #addAbortSignal(signal: AbortSignal): void {
    if (signal.aborted) {
      this.destroy(abortError(signal.reason));
      this._undestroy();
      nextTick(() => {
        this._aborted = true;
      });
      return;
    }
    nextTick(() => {
      signal.addEventListener('abort', () => {
        this._aborted = true;
      }, { once: true });
    });
  }

  // ---- connect ----

  /**
   * Connects: `connect(options[, cb])`, `connect(port[, host][, cb])` (@types/node's overloads).
   * `connect(path)` (IPC) throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
   */
  connect(options: NetConnectOptions, connectListener?: ConnectCallback): this;
  connect(port: number, host: string, connectListener?: ConnectCallback): this;
  connect(port: number, connectListener?: ConnectCallback): this;
  connect(path: string, connectListener?: ConnectCallback): this;
  /** @internal net.connect(): arguments normalizeArgs() already checked. */
  connect(normalized: NormalizedArgs): this;
  connect(...args: unknown[]): this {
    const [rawOptions, callback] = isNormalizedArgs(args[0]) ? args[0] : normalizeArgs(args);
    if (callback !== null) this.once('connect', callback);
    const raw = rawOptions as { port?: unknown; path?: unknown; host?: unknown };
    if (raw.port === undefined && raw.path == null) throw errMissingArgs(['options', 'port', 'path']);
    if (this.write !== Socket.prototype.write) this.write = Socket.prototype.write;
    if (this.destroyed) {
      this._handle = null;
      this._peername = null;
      this._sockname = null;
    }
    if (this._handle === null) {
      this._handle = new StreamHandle(this);
      this.#initSocketHandle();
    }
    this._unrefTimer();
    this.connecting = true;
    // Node validates the rest with `connecting` already set.
    const options = validateConnectOptions(rawOptions, this.#defaults());
    if (options.path !== undefined) throw errFeatureUnavailable('IPC sockets (path)');
    this.#connector.lookupAndConnect(options, raw);
    return this;
  }

  /**
   * @internal Server: binds a stream the gateway opened for an accepted connection,
   * as Node's `new Socket({ handle, pauseOnCreate })` does in onconnection: the socket
   * is connected at once, and reads (so the gateway gets credit) unless pauseOnCreate.
   */
  _acceptStream(stream: SessionStream, local: Endpoint, remote: Endpoint, pauseOnCreate: boolean): StreamHandle {
    const handle = new StreamHandle(this);
    this._handle = handle;
    this.#initSocketHandle();
    handle.attachAccepted(stream, local, remote);
    this.#applyRef();
    // Reading starts once 'connection' was emitted (the server calls read(0) then), as in Node,
    // where the first read comes on a later turn: no byte is read before the app sees the socket.
    if (pauseOnCreate) (this as unknown as { readableFlowing: boolean | null }).readableFlowing = false;
    return handle;
  }

  /** Node's initSocketHandle: a fresh handle revives the stream. */
  #initSocketHandle(): void {
    this._undestroy();
    this._sockname = null;
    this.#onread?.renew();
  }

  /** @internal StreamHandle: the gateway resolved the host name. */
  _onResolved(handle: StreamHandle, host: string, address: string, family: Family, port: number): void {
    if (handle === this._handle) this.#connector.resolved(handle, host, address, family, port);
  }

  /** @internal StreamHandle: Node's afterConnect (status 0). */
  _afterConnect(handle: StreamHandle): void {
    if (handle !== this._handle || this.destroyed) return;
    this.#connector.connected();
    this.connecting = false;
    this._sockname = null;
    this._unrefTimer();
    this.emit('connect');
    this.emit('ready');
    // Start the first read, or get an immediate EOF.
    if (!this.isPaused()) this.read(0);
  }

  /** @internal StreamHandle: the stream failed (connect error, reset, or session loss). */
  _onStreamError(handle: StreamHandle, error: WireError, phase: 'lookup' | 'connect' | 'stream'): void {
    if (handle !== this._handle) return;
    const err = wireToError(error);
    if (phase === 'stream' || (phase === 'connect' && !this.connecting)) this.destroy(err);
    else this.#connector.failed(handle, error, err, phase);
  }

  // ---- reading ----

  /** @internal StreamHandle: bytes arrived while reading (Node's onStreamRead). Returns the bytes taken. */
  _onData(handle: StreamHandle, data: Uint8Array): number {
    if (handle !== this._handle || this.destroyed) return data.length;
    this._unrefTimer();
    if (this.#onread !== null) return this.#onread.deliver(this, handle, data);
    handle.bytesRead += data.length;
    if (!this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength))) handle.readStop();
    return data.length;
  }

  /** @internal StreamHandle: the peer ended (FIN). */
  _onEnd(handle: StreamHandle): void {
    if (handle !== this._handle) return;
    const state = this._readableState as unknown as { endEmitted: boolean };
    if (state.endEmitted) return;
    this.push(null);
    this.read(0);
  }

  /** Node: waits for 'connect', then starts reading on the handle. */
  override _read(size: number): void {
    if (this.connecting || this._handle === null) this.once('connect', () => this._read(size));
    else if (!this._handle.reading) this._handle.readStart();
  }

  /** With onread, pausing stops reading on the handle (Node's kBuffer sockets). */
  override pause(): this {
    const handle = this._handle;
    if (this.#onread !== null && !this.connecting && handle !== null && handle.reading) handle.readStop();
    return super.pause();
  }

  override resume(): this {
    const handle = this._handle;
    if (this.#onread !== null && !this.connecting && handle !== null && !handle.reading) handle.readStart();
    return super.resume();
  }

  override read(size?: number): unknown {
    const handle = this._handle;
    if (this.#onread !== null && !this.connecting && handle !== null && !handle.reading) handle.readStart();
    return super.read(size);
  }

  // ---- writing ----

  override _write(chunk: unknown, encoding: string, callback: WriteCallback): void {
    this._writeGeneric(false, chunk, encoding, callback);
  }

  override _writev(chunks: QueuedChunk[], callback: WriteCallback): void {
    this._writeGeneric(true, chunks, '', callback);
  }

  /** Node's _writeGeneric: waits for 'connect' while connecting. */
  _writeGeneric(writev: boolean, data: unknown, encoding: string, callback: WriteCallback): void {
    if (this.connecting) {
      this._pendingData = data;
      this._pendingEncoding = encoding;
      const onClose = (): void => callback(errSocketClosedBeforeConnection());
      this.once('connect', function connect(this: Socket) {
        this.off('close', onClose);
        this._writeGeneric(writev, data, encoding, callback);
      });
      this.once('close', onClose);
      return;
    }
    this._pendingData = null;
    this._pendingEncoding = '';
    const handle = this._handle;
    if (handle === null || !handle.writable) {
      callback(errSocketClosed());
      return;
    }
    this._unrefTimer();
    const chunks = writev
      ? (data as QueuedChunk[]).map((entry) => toBytes(entry.chunk, entry.encoding))
      : [toBytes(data, encoding)];
    let done = false;
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    handle.write(chunks, (error) => {
      done = true;
      this.#lastWriteQueueSize = 0; // Node's kAfterAsyncWrite
      callback(error);
    });
    if (!done) this.#lastWriteQueueSize = bytes;
  }

  override _final(callback: WriteCallback): void {
    // Node: if still connecting, defer until 'connect'.
    if (this.pending) {
      this.once('connect', () => this._final(callback));
      return;
    }
    if (this._handle === null) {
      callback();
      return;
    }
    this._handle.end();
    // Node's shutdown request completes in a later I/O turn, not on this tick.
    afterIo(() => callback());
  }

  #writeAfterFin = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    if (!this.writableEnded) return Socket.prototype.write.call(this, chunk, encoding, cb);
    const callback = typeof encoding === 'function' ? encoding : cb;
    const error = epipeAfterFin();
    if (typeof callback === 'function') nextTick(() => (callback as WriteCallback)(error));
    this.destroy(error);
    return false;
  };

  /**
   * Writable.write with Node 20's results: the callback gets `null` on success, and
   * the return value is decided after the handle took the chunk (a write the tunnel
   * sends at once leaves room), where readable-stream decides before.
   */
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    validateWriteChunk(chunk, encoding);
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    return writeWithNodeResult(this, chunk, encoding, callback);
  }

  /** Writable.end, validating the chunk as write() does and calling back with `null` on success. */
  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = null;
      encoding = null;
    } else if (typeof encoding === 'function') {
      callback = encoding;
      encoding = null;
    }
    if (chunk !== null && chunk !== undefined) validateWriteChunk(chunk, encoding);
    (Duplex.prototype.end as (this: Duplex, c: unknown, e: unknown, cb?: WriteCallback) => Duplex)
      .call(this, chunk, encoding, withNullOnSuccess(callback));
    return this;
  }

  // ---- closing ----

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.connecting = false;
    this.#timer.clear();
    this.#connector.reset();
    const handle = this._handle;
    if (handle !== null) {
      const isException = error ? true : false;
      // bytesRead and bytesWritten stay readable after destroy().
      this.#bytesRead = handle.bytesRead;
      this.#bytesWritten = handle.bytesWritten;
      handle.close(this.resetAndClosing ? 'reset' : 'destroy', error ?? errStreamDestroyed('write'));
      this.resetAndClosing = false;
      this._handle = null;
      this._sockname = null;
      this.#tunnel.release(this);
      callback(error);
      // Node emits 'close' from the handle's close callback, a later I/O turn.
      afterIo(() => this.emit('close', isException));
    } else {
      callback(error);
      // Node: a socket without a handle emits 'close' with no argument.
      nextTick(() => this.emit('close'));
    }
    if (this._server !== null) {
      // An accepted connection is gone: its server may now emit 'close'.
      this._server._connections--;
      this._server._emitCloseIfDrained();
    }
  }

  /** Ends the writable side, then destroys once it is flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', this.destroy);
  }

  /** Closes with a TCP RST: the peer sees ECONNRESET. */
  resetAndDestroy(): this {
    if (this._handle !== null) {
      if (this.connecting) this.once('connect', () => this._reset());
      else this._reset();
    } else {
      this.destroy(errSocketClosed());
    }
    return this;
  }

  _reset(): this {
    this.resetAndClosing = true;
    return this.destroy();
  }

  // ---- timers and options ----

  /** Emits 'timeout' after `msecs` of inactivity (0 disables); never destroys. */
  setTimeout(msecs: number, callback?: () => void): this {
    if (this.destroyed) return this;
    this.timeout = msecs;
    const ms = validateTimeoutArgs(msecs, undefined);
    this.#timer.clear();
    if (ms !== 0) this.#timer.set(ms);
    if (callback !== undefined) {
      validateTimeoutArgs(0, callback);
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }

  /** Node: a write still in flight since the last check suppresses the timeout. */
  _onTimeout(): void {
    const handle = this._handle;
    const last = this.#lastWriteQueueSize;
    if (last > 0 && handle !== null) {
      const queued = handle.stream?.queuedBytes ?? 0;
      if (last !== queued) {
        this.#lastWriteQueueSize = queued;
        this._unrefTimer();
        return;
      }
    }
    this.emit('timeout');
  }

  /** Refreshes the idle timer (Node's _unrefTimer). */
  _unrefTimer(): void {
    this.#timer.refresh();
  }

  /**
   * Nagle's algorithm at the gateway. Applied when the stream opens; changing it
   * on an open stream is accepted but not forwarded (protocol v1 has no frame for it).
   */
  setNoDelay(enable?: boolean): this {
    this.#setNoDelay = Boolean(enable === undefined ? true : enable);
    return this;
  }

  /** TCP keepalive at the gateway; like setNoDelay, applied at open. */
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#setKeepAlive = Boolean(enable);
    this.#keepAliveInitialDelay = Math.max(0, Math.trunc(Number(initialDelay ?? 0)) || 0);
    return this;
  }

  /** Lets a Node process exit while this socket is open. Without a handle: at 'connect' (Node). */
  unref(): this {
    return this.#setRef(false, this.unref);
  }

  /** Undoes unref(). */
  ref(): this {
    return this.#setRef(true, this.ref);
  }

  #setRef(refed: boolean, again: () => this): this {
    if (this._handle === null) this.once('connect', again);
    else {
      this.#refed = refed;
      this.#applyRef();
    }
    return this;
  }

  /** @internal StreamHandle: whether the handle holds the process changed. */
  _onHoldsLoop(handle: StreamHandle): void {
    if (handle === this._handle) this.#applyRef();
  }

  /** Node: a ref'd socket keeps the process alive while its handle is active (handle.holdsLoop). */
  #applyRef(): void {
    const handle = this._handle;
    if (handle !== null && handle.attached) this.#tunnel.retain(this, this.#refed && handle.holdsLoop);
  }

  // ---- properties ----

  /** True before connect, while connecting, and after close (no handle), as in Node. */
  get pending(): boolean {
    return !this._handle || this.connecting;
  }

  get _connecting(): boolean {
    return this.connecting;
  }

  /** 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed', derived as Node does. */
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  /** Bytes queued for writing; undefined without a handle (Node). */
  get bufferSize(): number | undefined {
    return this._handle ? this.writableLength : undefined;
  }

  /** Bytes received on the current handle, or on the last one after close. */
  get bytesRead(): number | undefined {
    if (!(#bytesRead in this)) return undefined; // Socket.prototype.bytesRead
    return this._handle ? this._handle.bytesRead : this.#bytesRead;
  }

  /** Bytes handed to the tunnel on the current handle, or on the last one after close. */
  get _bytesDispatched(): number | undefined {
    if (!(#bytesWritten in this)) return undefined;
    return this._handle ? this._handle.bytesWritten : this.#bytesWritten;
  }

  /** Bytes dispatched plus bytes still queued (UTF-8 bytes for strings), as Node counts them. */
  get bytesWritten(): number | undefined {
    const buffer = (this as unknown as { writableBuffer?: unknown }).writableBuffer as QueuedChunk[] | undefined;
    if (!buffer) return undefined;
    return (this._bytesDispatched as number) + queuedBytes(buffer, this._pendingData, this._pendingEncoding);
  }

  /** The local end of the gateway's TCP socket: `{ address, family, port }`, or {} when unknown. */
  address(): AddressInfo | Record<string, never> {
    return this._getsockname() as AddressInfo | Record<string, never>;
  }

  /** Node's _getsockname: asks the handle once and caches (even an empty answer, until afterConnect). */
  _getsockname(): SockAddr {
    if (!this._handle) return {};
    if (!this._sockname) {
      this._sockname = {};
      this._handle.getsockname(this._sockname);
    }
    return this._sockname;
  }

  /** Node's _getpeername: cached on first use while connected, and kept after close. */
  _getpeername(): SockAddr {
    if (!this._handle || this.connecting) return this._peername || {};
    if (!this._peername) {
      const out: SockAddr = {};
      if (this._handle.getpeername(out) !== 0) return out;
      this._peername = out;
    }
    return this._peername;
  }

  get remoteAddress(): string | undefined { return this._getpeername().address; }
  get remotePort(): number | undefined { return this._getpeername().port; }
  get remoteFamily(): string | undefined { return this._getpeername().family; }
  get localAddress(): string | undefined { return this._getsockname().address; }
  get localPort(): number | undefined { return this._getsockname().port; }
  get localFamily(): string | undefined { return this._getsockname().family; }
}

export type { ConnectCallback };
