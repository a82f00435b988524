/**
 * net.Socket for the tunnel: a readable-stream Duplex with Node 20's methods,
 * properties, events and event order. Stream semantics live here; the per-socket
 * bridge to the session is StreamHandle (Node's `_handle`). Behaviour notes cite
 * Node's lib/net.js names (afterConnect, writeAfterFIN, _final, ...).
 */
import { Buffer } from 'buffer';
import { Duplex, type DuplexOptions } from 'readable-stream';
import type { Endpoint, Family } from '../shared/frame.ts';
import type { WireError } from '../shared/errors.ts';
import { IdleTimer } from './idle-timer.ts';
import { isIP } from './ip.ts';
import { afterIo, nextTick } from './next-tick.ts';
import {
  type ConnectCallback,
  type NormalizedTcpConnectOptions,
  type SocketConstructorOptions,
  isNormalizedArgs,
  normalizeArgs,
  validateConnectOptions,
  validateSocketOptions,
  validateTimeoutArgs,
  validateWriteChunk,
} from './normalize-args.ts';
import {
  errInvalidAddressFamily,
  errMissingArgs,
  errInvalidIpAddress,
  errSocketClosed,
  errSocketClosedBeforeConnection,
  errFeatureUnavailable,
  epipeAfterFin,
  errStreamDestroyed,
} from './node-errors.ts';
import { StreamHandle } from './stream-handle.ts';
import { type TunnelCore, TUNNEL } from './tunnel-core.ts';
import { wireToError } from './wire-to-error.ts';

/** Node's `socket.address()` shape. */
export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

type WriteCallback = (error?: Error | null) => void;
type OnRead = { buffer: Uint8Array | (() => Uint8Array); callback: (nread: number, buffer: Uint8Array) => boolean | void };

function familyName(family: Family): string {
  return family === 6 ? 'IPv6' : 'IPv4';
}

/**
 * A TCP socket carried by the sockway tunnel. Construct it from a `net` module
 * made by createTunnel() (`tunnel.net.Socket`) or from 'sockway/net'.
 */
export class Socket extends Duplex {
  /** True from connect() until 'connect' or destroy. */
  connecting = false;
  /** Node's allowHalfOpen option. */
  override allowHalfOpen: boolean;
  /** The Server an accepted socket belongs to (net.Server comes in its own issue). */
  server: null = null;
  _server: null = null;
  /** Idle timeout set by setTimeout(); undefined until it is called. */
  timeout: number | undefined = undefined;
  /** Set by resetAndDestroy(): the destroy sends ECONNRESET to the peer. */
  resetAndClosing = false;
  /** Node's per-socket handle: non-null from connect() until destroy. */
  _handle: StreamHandle | null = null;
  _pendingData: unknown = null;
  _pendingEncoding: string | null = null;
  _peername: Endpoint | null = null;
  _sockname: Endpoint | null = null;
  _host: string | null = null;
  _hadError = false;

  readonly #tunnel: TunnelCore;
  readonly #timer = new IdleTimer(() => this._onTimeout());
  readonly #noDelay: boolean;
  readonly #keepAlive: boolean;
  readonly #keepAliveInitialDelay: number;
  #setNoDelay: boolean;
  #bytesRead = 0;
  #bytesDispatched = 0;
  #onread: OnRead | null = null;
  #refed = true;

  constructor(options: SocketConstructorOptions = {}) {
    const opts = validateSocketOptions(options);
    // opts carries Node's forced Duplex options: emitClose false, autoDestroy, decodeStrings false.
    super(opts as unknown as DuplexOptions);
    const tunnel = (new.target as unknown as { [TUNNEL]?: () => TunnelCore })[TUNNEL];
    if (tunnel === undefined) throw new TypeError('Socket must be created from a sockway net module (createTunnel().net or sockway/net)');
    this.#tunnel = tunnel();
    this.allowHalfOpen = Boolean(opts.allowHalfOpen);
    this.#noDelay = Boolean(opts.noDelay);
    this.#setNoDelay = this.#noDelay;
    this.#keepAlive = Boolean(opts.keepAlive);
    this.#keepAliveInitialDelay = Math.max(0, Math.trunc(Number(opts.keepAliveInitialDelay ?? 0)));
    if (opts.onread !== undefined && opts.onread !== null) this.#onread = opts.onread as OnRead;
    if (opts.fd !== undefined || opts.handle !== undefined) throw errFeatureUnavailable('file descriptors and handles');
    // Node: onReadableStreamEnd swaps in writeAfterFIN when the peer ends a non-half-open socket.
    this.on('end', () => {
      if (!this.allowHalfOpen) this.write = this.#writeAfterFin as Duplex['write'];
    });
  }

  // ---- connect ----

  /**
   * Connects: `connect(options[, cb])`, `connect(port[, host][, cb])`.
   * `connect(path)` (IPC) throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
   */
  connect(...args: unknown[]): this {
    const [rawOptions, callback] = isNormalizedArgs(args[0]) ? args[0] : normalizeArgs(args);
    if (callback !== null) this.once('connect', callback);
    if (this.connecting) return this;
    if (this.write !== Socket.prototype.write) this.write = Socket.prototype.write;
    if (this.destroyed) {
      this._handle = null;
      this._peername = null;
      this._sockname = null;
      (this as unknown as { _undestroy(): void })._undestroy();
    }
    const raw = rawOptions as { port?: unknown; path?: unknown };
    if (raw.port === undefined && raw.path == null) throw errMissingArgs(['options', 'port', 'path']);
    this._handle = new StreamHandle(this);
    this.#timer.refresh();
    this.connecting = true;
    // Node validates the rest with `connecting` already set.
    const options = validateConnectOptions(rawOptions);
    if (options.path !== undefined) throw errFeatureUnavailable('IPC sockets (path)');
    this.#lookupAndConnect(options, raw as { host?: unknown; port?: unknown });
    return this;
  }

  #lookupAndConnect(options: NormalizedTcpConnectOptions, { host: rawHost, port: rawPort }: { host?: unknown; port?: unknown }): void {
    const host = options.host;
    const port = options.port;
    const handle = this._handle as StreamHandle;
    this._host = host;
    const family = isIP(host);
    if (family !== 0) {
      nextTick(() => {
        if (this.connecting && this._handle === handle) this.#open(handle, host, port, family as Family, options);
      });
      return;
    }
    const lookup = options.lookup;
    if (lookup === undefined) {
      // The gateway resolves the name (and applies its policy to the result): RESOLVED → 'lookup'.
      nextTick(() => {
        if (this.connecting && this._handle === handle) this.#open(handle, host, port, options.family, options);
      });
      return;
    }
    lookup(host, options.lookupOptions, (err: Error | null, result?: unknown, resultFamily?: unknown) => {
      // With `all: true` the lookup answers a list; Node tries each in turn, sockway the first.
      let ip = result;
      let addressType = resultFamily;
      if (Array.isArray(result)) {
        for (const entry of result as Array<{ address: string; family: number }>) this.emit('lookup', err, entry.address, entry.family, host);
        ip = (result[0] as { address?: string } | undefined)?.address;
        addressType = (result[0] as { family?: number } | undefined)?.family;
      } else {
        this.emit('lookup', err, ip, addressType, host);
      }
      if (!this.connecting || this._handle !== handle) return;
      if (err) nextTick(() => this.destroy(err));
      else if (typeof ip !== 'string' || isIP(ip) === 0) {
        const error = errInvalidIpAddress(ip);
        nextTick(() => this.destroy(error));
      } else if (addressType !== 4 && addressType !== 6) {
        // Node words this with the host as given (undefined when defaulted).
        const error = errInvalidAddressFamily(addressType, rawHost, rawPort);
        nextTick(() => this.destroy(error));
      } else {
        this.#timer.refresh();
        this.#open(handle, ip, port, addressType, options);
      }
    });
  }

  #open(handle: StreamHandle, host: string, port: number, family: 0 | Family, options: NormalizedTcpConnectOptions): void {
    if (family !== 0 && isIP(host) !== 0) this.emit('connectionAttempt', host, port, family);
    const result = this.#tunnel.openStream({
      host,
      port,
      family,
      localAddress: options.localAddress ?? '',
      localPort: options.localPort ?? 0,
      noDelay: this.#setNoDelay,
      keepAlive: this.#keepAlive,
      keepAliveInitialDelay: this.#keepAliveInitialDelay,
    }, handle);
    if ('code' in result) {
      this.destroy(wireToError(result));
      return;
    }
    handle.attach(result, host, port, family);
    this.#tunnel.retain(this, this.#refed);
  }

  /** @internal StreamHandle: the gateway resolved the host name. */
  _onResolved(host: string, address: string, family: Family, port: number): void {
    this.emit('lookup', null, address, family, host);
    this.#timer.refresh();
    this.emit('connectionAttempt', address, port, family);
  }

  /** @internal StreamHandle: Node's afterConnect. */
  _afterConnect(local: Endpoint, remote: Endpoint): void {
    if (this.destroyed) return;
    this.connecting = false;
    this._sockname = local;
    this._peername = remote;
    this.#timer.refresh();
    this.emit('connect');
    this.emit('ready');
    if (!this.isPaused()) this.read(0);
  }

  /** @internal StreamHandle: the stream failed (connect error, reset, or session loss). */
  _onStreamError(error: WireError, phase: 'lookup' | 'connect' | 'stream', address: string, port: number, family: 0 | Family): void {
    const err = wireToError(error);
    if (phase === 'lookup') {
      this.emit('lookup', err, undefined, undefined, this._host);
      nextTick(() => this.destroy(err));
      return;
    }
    if (phase === 'connect' && error.syscall === 'connect') {
      this.emit('connectionAttemptFailed', address, port, family, err);
    }
    this.destroy(err);
  }

  // ---- reading ----

  /** @internal StreamHandle: DATA arrived. Returns true when the bytes count as consumed now. */
  _onData(data: Uint8Array): boolean {
    this.#bytesRead += data.length;
    this.#timer.refresh();
    if (this.#onread !== null) return this.#deliverOnRead(data);
    return this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  #deliverOnRead(data: Uint8Array): boolean {
    const onread = this.#onread as OnRead;
    let keepReading = true;
    for (let offset = 0; offset < data.length;) {
      const target = typeof onread.buffer === 'function' ? onread.buffer() : onread.buffer;
      const n = Math.min(target.length, data.length - offset);
      target.set(data.subarray(offset, offset + n), 0);
      offset += n;
      if (onread.callback.call(this, n, target) === false) keepReading = false;
    }
    return keepReading;
  }

  /** @internal StreamHandle: the peer ended (FIN). */
  _onEnd(): void {
    this.push(null);
    this.read(0);
  }

  override _read(): void {
    this._handle?.resumeReading();
  }

  override pause(): this {
    return super.pause();
  }

  override resume(): this {
    if (this.#onread !== null) this._handle?.resumeReading();
    return super.resume();
  }

  // ---- writing ----

  override _write(chunk: unknown, encoding: string, callback: WriteCallback): void {
    this._writeGeneric(false, chunk, encoding, callback);
  }

  override _writev(chunks: Array<{ chunk: unknown; encoding: string }>, callback: WriteCallback): void {
    this._writeGeneric(true, chunks, '', callback);
  }

  /** Node's _writeGeneric: waits for 'connect' while connecting. */
  _writeGeneric(writev: boolean, data: unknown, encoding: string, callback: WriteCallback): void {
    if (this.connecting) {
      this._pendingData = data;
      this._pendingEncoding = encoding;
      const onClose = (): void => callback(errSocketClosedBeforeConnection());
      this.once('connect', () => {
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
    this.#timer.refresh();
    const chunks = writev
      ? (data as Array<{ chunk: unknown; encoding: string }>).map((entry) => toBytes(entry.chunk, entry.encoding))
      : [toBytes(data, encoding)];
    for (const bytes of chunks) this.#bytesDispatched += bytes.length;
    handle.write(chunks, callback);
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
    if (!this.writableEnded) {
      return Duplex.prototype.write.call(this, chunk, encoding as BufferEncoding, cb as WriteCallback);
    }
    const callback = typeof encoding === 'function' ? encoding : cb;
    const error = epipeAfterFin();
    if (typeof callback === 'function') nextTick(() => (callback as WriteCallback)(error));
    this.destroy(error);
    return false;
  };

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    validateWriteChunk(chunk, encoding);
    return Duplex.prototype.write.call(this, chunk, encoding as BufferEncoding, callback as WriteCallback);
  }

  // ---- closing ----

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.connecting = false;
    this.#timer.clear();
    const handle = this._handle;
    if (handle !== null) {
      const isException = error !== null && error !== undefined;
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
  }

  /** Ends the writable side, then destroys once it is flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
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
    const ms = validateTimeoutArgs(msecs, callback);
    if (ms === 0) {
      this.#timer.clear();
      if (callback !== undefined) this.removeListener('timeout', callback);
    } else {
      this.#timer.set(ms);
      if (callback !== undefined) this.once('timeout', callback);
    }
    return this;
  }

  _onTimeout(): void {
    this.emit('timeout');
  }

  _unrefTimer(): void {
    this.#timer.refresh();
  }

  /**
   * Nagle's algorithm at the gateway. Applied when the stream opens; changing it
   * on an open stream is accepted but not forwarded (protocol v1 has no frame for it).
   */
  setNoDelay(enable = true): this {
    this.#setNoDelay = Boolean(enable);
    return this;
  }

  /** TCP keepalive at the gateway; like setNoDelay, applied at open. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    void enable;
    void initialDelay;
    return this;
  }

  /** Lets a Node process exit while this socket is open. */
  unref(): this {
    this.#refed = false;
    if (this._handle?.attached) this.#tunnel.retain(this, false);
    return this;
  }

  /** Undoes unref(). */
  ref(): this {
    this.#refed = true;
    if (this._handle?.attached) this.#tunnel.retain(this, true);
    return this;
  }

  // ---- properties ----

  /** True before connect, while connecting, and after close (no handle), as in Node. */
  get pending(): boolean {
    return this._handle === null || this.connecting;
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
    return this._handle === null ? undefined : this.writableLength;
  }

  /** Bytes received. Kept after close. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  get _bytesDispatched(): number {
    return this.#bytesDispatched;
  }

  /** Bytes handed to the tunnel plus bytes still queued in the writable buffer. */
  get bytesWritten(): number | undefined {
    let bytes = this.#bytesDispatched;
    const buffer = (this as unknown as { writableBuffer?: unknown }).writableBuffer as Array<{ chunk: unknown; encoding: string }> | undefined;
    if (buffer === undefined) return undefined;
    for (const entry of buffer) bytes += byteLength(entry.chunk, entry.encoding);
    const pending = this._pendingData;
    if (Array.isArray(pending)) {
      for (const entry of pending as Array<{ chunk: unknown; encoding: string }>) bytes += byteLength(entry.chunk, entry.encoding);
    } else if (pending !== null && pending !== undefined) {
      bytes += byteLength(pending, this._pendingEncoding ?? 'utf8');
    }
    return bytes;
  }

  /** The local end of the gateway's TCP socket: `{ address, family, port }`, or {} without a handle. */
  address(): AddressInfo | Record<string, never> {
    const local = this._getsockname();
    return local === null ? {} : { address: local.address, family: familyName(local.family), port: local.port };
  }

  _getsockname(): Endpoint | null {
    if (this._handle === null) return null;
    return this._sockname;
  }

  _getpeername(): Endpoint | null {
    if (this.connecting) return null;
    return this._peername;
  }

  get remoteAddress(): string | undefined { return this._getpeername()?.address; }
  get remotePort(): number | undefined { return this._getpeername()?.port; }
  get remoteFamily(): string | undefined {
    const peer = this._getpeername();
    return peer === null ? undefined : familyName(peer.family);
  }
  get localAddress(): string | undefined { return this._getsockname()?.address; }
  get localPort(): number | undefined { return this._getsockname()?.port; }
  get localFamily(): string | undefined {
    const local = this._getsockname();
    return local === null ? undefined : familyName(local.family);
  }
}

function toBytes(chunk: unknown, encoding: string): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, (encoding || 'utf8') as BufferEncoding);
  if (chunk instanceof Uint8Array) return chunk;
  const view = chunk as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function byteLength(chunk: unknown, encoding: string): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, (encoding || 'utf8') as BufferEncoding);
  return (chunk as ArrayBufferView).byteLength;
}

export type { ConnectCallback };
