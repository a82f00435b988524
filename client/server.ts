/**
 * net.Server for the tunnel: an EventEmitter with Node 20's fields, methods, events and
 * their order, following lib/net.js (Server, listen, close, _emitCloseIfDrained,
 * onconnection). The listening socket is the gateway's: listen() sends LISTEN, the
 * gateway's LISTENING is the bind, each ACCEPT is Node's onconnection, and close()
 * ends the listener stream. @see PROTOCOL.md#server
 *
 * Node has two pending states, and so does this Server. listen(port, host) first
 * resolves the host: until then there is no `_handle`, so close() calls back with
 * ERR_SERVER_NOT_RUNNING and another listen() supersedes the first (`_listeningId`).
 * Here that is the whole LISTEN round trip: the listener stays pending (not `_handle`)
 * until LISTENING. listen(port) without a host binds synchronously in Node: here it
 * becomes `_handle` at once (close() calls back without an error, a second listen()
 * throws ERR_SERVER_ALREADY_LISTEN), but the bind happens at the gateway.
 *
 * Deviation: for listen(port) without a host, Node's address() and `listening` work
 * right after listen(); here `listening` is false and address() null until 'listening'
 * (as Node does for listen(port, host)).
 */
import { EventEmitter } from 'events';
import { SockwayErrorCode, isSockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { AcceptFrame, Endpoint } from '../shared/frame.ts';
import { isLocalClose, type SessionStream, type StreamHandler } from '../shared/session.ts';
import { nextTick } from './next-tick.ts';
import {
  errFeatureUnavailable,
  errInvalidArgType,
  errInvalidArgValue,
  errServerAlreadyListen,
  errServerNotRunning,
  systemError,
} from './node-errors.ts';
import { isPipeName, normalizeArgs, type SocketConstructorOptions, toNumber, validateNumber, validatePort } from './normalize-args.ts';
import type { AddressInfo, Socket } from './socket.ts';
import type { TunnelCore } from './tunnel-core.ts';
import { uvDescription } from './uv-errors.ts';
import { wireToError } from './wire-to-error.ts';

/** Options of `new net.Server(options)` / `net.createServer(options)` (Node 20's). */
export interface ServerOptions {
  /** Accepted sockets stay writable after the peer's FIN (default false). */
  allowHalfOpen?: boolean | undefined;
  /** Accepted sockets start paused: nothing is read (and no credit granted) until resume(). */
  pauseOnConnect?: boolean | undefined;
  /** Stored as Node does; see docs/client.md for what reaches the gateway. */
  noDelay?: boolean | undefined;
  keepAlive?: boolean | undefined;
  /** ms; stored in seconds (`~~(ms / 1000)`), a negative value as 0. */
  keepAliveInitialDelay?: number | undefined;
  /** High water mark of accepted sockets; a negative value means the default. */
  highWaterMark?: number | undefined;
}

/** A 'connection' listener. */
export type ConnectionListener = (socket: Socket) => void;

/** What a net module gives its Server class: the tunnel and the Socket class of accepted connections. */
export interface ServerNet {
  readonly tunnel: TunnelCore;
  readonly Socket: new (options?: SocketConstructorOptions) => Socket;
}

/** Static property of a net module's Server returning its ServerNet (subclasses inherit it). */
export const SERVER_NET: unique symbol = Symbol('sockway.serverNet');

/** The object 'drop' carries (null prototype, as in Node). */
export interface DropInfo {
  localAddress: string;
  localPort: number;
  localFamily: string;
  remoteAddress: string;
  remotePort: number;
  remoteFamily: string;
}

/** Node 20's getDefaultHighWaterMark() for byte streams. */
const DEFAULT_HIGH_WATER_MARK = 16 * 1024;

/** RESET sent for an ACCEPT the server turns away (maxConnections, closed): the gateway closes the socket plainly. */
const DROPPED = wireError({ code: SockwayErrorCode.Closed, message: 'connection dropped by the server' });
const CLOSED = wireError({ code: SockwayErrorCode.Closed, message: 'listener closed by the client' });

type Loose = Record<string, unknown>;

/**
 * A TCP server whose listening socket is at the gateway. Construct it from a `net`
 * module (`tunnel.net.createServer()` or 'sockway/net'), like Node's net.Server.
 */
export class Server extends EventEmitter {
  _connections = 0;
  /** Node's listening handle: the listener stream, from listen() until close() or a failure. */
  _handle: ListenHandle | null = null;
  _usingWorkers = false;
  _workers: unknown[] = [];
  _unref = false;
  _listeningId = 1;
  allowHalfOpen: boolean;
  pauseOnConnect: boolean;
  noDelay: boolean;
  keepAlive: boolean;
  /** Seconds, as Node stores it. */
  keepAliveInitialDelay: number;
  highWaterMark: number;
  /** Connections beyond this are dropped ('drop'); 0, null or undefined: no limit. Undefined until set, as in Node. */
  declare maxConnections: number | null | undefined;

  readonly #net: ServerNet;
  /** listen(port, host)'s listener until LISTENING: Node's host lookup, when there is no `_handle` yet. */
  #pending: ListenHandle | null = null;

  constructor(options?: ServerOptions | ConnectionListener | null, connectionListener?: ConnectionListener) {
    super();
    const net = (new.target as unknown as { [SERVER_NET]?: () => ServerNet })[SERVER_NET];
    if (net === undefined) throw new TypeError('Server must be created from a sockway net module (createTunnel().net or sockway/net)');
    this.#net = net();
    let opts: Loose;
    if (typeof options === 'function') {
      opts = {};
      this.on('connection', options);
    } else if (options == null || typeof options === 'object') {
      opts = { ...options };
      if (typeof connectionListener === 'function') this.on('connection', connectionListener);
    } else {
      throw errInvalidArgType('options', 'Object', options);
    }
    if (typeof opts['keepAliveInitialDelay'] !== 'undefined') {
      validateNumber(opts['keepAliveInitialDelay'], 'options.keepAliveInitialDelay');
      if (opts['keepAliveInitialDelay'] < 0) opts['keepAliveInitialDelay'] = 0;
    }
    if (typeof opts['highWaterMark'] !== 'undefined') {
      validateNumber(opts['highWaterMark'], 'options.highWaterMark');
      if (opts['highWaterMark'] < 0) opts['highWaterMark'] = DEFAULT_HIGH_WATER_MARK;
    }
    this.allowHalfOpen = (opts['allowHalfOpen'] as boolean | undefined) || false;
    this.pauseOnConnect = !!opts['pauseOnConnect'];
    this.noDelay = Boolean(opts['noDelay']);
    this.keepAlive = Boolean(opts['keepAlive']);
    this.keepAliveInitialDelay = ~~((opts['keepAliveInitialDelay'] as number) / 1000);
    this.highWaterMark = (opts['highWaterMark'] as number | undefined) ?? DEFAULT_HIGH_WATER_MARK;
  }

  /**
   * Starts listening at the gateway: `listen(port[, host][, backlog][, cb])`,
   * `listen(options[, cb])`, `listen([cb])` (any port). `cb` is a 'listening' listener.
   * Pipes (`path`), handles and file descriptors throw ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
   */
  listen(...args: unknown[]): this {
    const normalized = normalizeArgs(args);
    let options = normalized[0] as Loose;
    const cb = normalized[1];
    if (this._handle) throw errServerAlreadyListen();
    if (cb !== null) this.once('listening', cb);
    const backlogFromArgs =
      // (handle, backlog) or (path, backlog) or (port, backlog)
      toNumber(args.length > 1 && args[1]) ||
      toNumber(args.length > 2 && args[2]); // (port, host, backlog)
    // (handle[, backlog][, cb]): Node listens on a TCP handle it is given; there is none here.
    if (options['_handle'] || options['handle']) throw errFeatureUnavailable('net.Server.listen(handle)');
    this._listeningId++;
    this.#addAbortSignal(options);
    if (typeof options['fd'] === 'number' && options['fd'] >= 0) throw errFeatureUnavailable('net.Server.listen({ fd })');
    // listen(), listen(null), listen(cb), listen({ port: undefined | null }): any free port.
    if (args.length === 0 || typeof args[0] === 'function' ||
        (typeof options['port'] === 'undefined' && 'port' in options) || options['port'] === null) {
      options['port'] = 0;
    }
    if (typeof options['port'] === 'number' || typeof options['port'] === 'string') {
      validatePort(options['port'], 'options.port');
      const backlog = (options['backlog'] as number | undefined) || backlogFromArgs;
      const host = options['host'];
      // Node resolves a host with dns.lookup, which takes strings only.
      if (host && typeof host !== 'string') throw errInvalidArgType('hostname', 'string', host);
      this.#listen((host as string | undefined) || '', Number(options['port']) | 0, backlog, options);
      return this;
    }
    if (options['path'] && isPipeName(options['path'])) throw errFeatureUnavailable('IPC servers (path)');
    if (!('port' in options || 'path' in options)) {
      throw errInvalidArgValue('options', options, 'must have the property "port" or "path"');
    }
    throw errInvalidArgValue('options', options);
  }

  /** Node's addServerAbortSignalOption: an aborted `signal` closes the server. */
  #addAbortSignal(options: Loose): void {
    const signal = options['signal'] as AbortSignal | undefined;
    if (signal === undefined) return;
    if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) {
      throw errInvalidArgType('options.signal', 'AbortSignal', signal);
    }
    const onAborted = (): void => {
      this.close();
    };
    if (signal.aborted) {
      nextTick(onAborted);
    } else {
      signal.addEventListener('abort', onAborted, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAborted));
    }
  }

  #listen(host: string, port: number, backlog: number | false | undefined, options: Loose): void {
    // A listen(port, host) still pending is superseded, as Node ignores a lookup whose _listeningId is stale.
    this.#cancelPending();
    const handle = new ListenHandle(this);
    let result: SessionStream | WireError;
    try {
      result = this.#net.tunnel.openListener({
        host,
        port,
        backlog: Math.min(Math.max(Math.trunc(Number(backlog) || 0), 0), 0xffff_ffff),
        ipv6Only: Boolean(options['ipv6Only']),
        exclusive: Boolean(options['exclusive']),
      }, handle);
    } catch (error) {
      // A host the LISTEN frame cannot carry (longer than 255 bytes).
      nextTick(() => this.emit('error', error));
      return;
    }
    if ('code' in result) {
      const error = listenError(result);
      nextTick(() => this.emit('error', error));
      return;
    }
    handle.attach(result);
    // Node binds at once without a host and after dns.lookup with one (even an IP literal).
    if (host) this.#pending = handle;
    else this._handle = handle;
    // Like Node's bind (and its lookup for a host), the pending LISTEN keeps a process
    // alive even when unref'd; unref applies once listening.
    this.#net.tunnel.retain(this, true);
  }

  /** True once the gateway is listening, until close(). */
  get listening(): boolean {
    return this._handle !== null && this._handle.bound;
  }

  /** The bound `{ address, family, port }` (the gateway's), or null before 'listening'. */
  address(): AddressInfo | null {
    const handle = this._handle;
    if (handle === null || !handle.bound) return null;
    const out = {} as AddressInfo;
    handle.getsockname(out);
    return out;
  }

  /**
   * Stops accepting (the gateway closes its listening socket at once); 'close' follows
   * once every accepted connection has ended. `cb` gets ERR_SERVER_NOT_RUNNING when the
   * server was not listening ('close' is emitted all the same, as in Node).
   */
  close(cb?: (error?: Error) => void): this {
    if (typeof cb === 'function') {
      if (!this._handle) {
        this.once('close', function close() {
          cb(errServerNotRunning());
        });
      } else {
        this.once('close', cb);
      }
    }
    if (this._handle) {
      this._handle.close();
      this._handle = null;
      this.#net.tunnel.release(this);
    }
    this.#cancelPending();
    this._emitCloseIfDrained();
    return this;
  }

  /** Abandons a listen(port, host) that has not bound yet (its LISTEN is reset). */
  #cancelPending(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    pending.close();
    if (this._handle === null) this.#net.tunnel.release(this);
  }

  /** Emits 'close' (next tick) once the server neither listens nor has connections. */
  _emitCloseIfDrained(): void {
    if (this._handle || this._connections) return;
    nextTick(() => this.emit('close'));
  }

  /** Calls `cb(null, count)` on the next tick with the number of open connections. */
  getConnections(cb: (error: Error | null, count: number) => void): this {
    if (typeof cb !== 'function') throw errInvalidArgType('callback', 'function', cb);
    const count = this._connections;
    nextTick(() => cb(null, count));
    return this;
  }

  /** Lets a Node process exit while this server listens. Remembered before listen(). */
  unref(): this {
    this._unref = true;
    if (this._handle?.bound) this.#net.tunnel.retain(this, false);
    return this;
  }

  /** Undoes unref(). */
  ref(): this {
    this._unref = false;
    if (this._handle) this.#net.tunnel.retain(this, true);
    return this;
  }

  // ---- from the listener stream (ListenHandle) ----

  /** @internal LISTENING: bound; 'listening' on the next tick, as Node's emitListeningNT. */
  _onListening(handle: ListenHandle): void {
    if (handle === this.#pending) {
      this.#pending = null;
      this._handle = handle;
    }
    if (handle !== this._handle) return;
    this.#net.tunnel.retain(this, !this._unref);
    nextTick(() => {
      if (this._handle === handle) this.emit('listening');
    });
  }

  /** @internal The listener failed (bind error, denied, gateway gone): 'error', then 'close' if it was listening. */
  _onListenerError(handle: ListenHandle, wire: WireError): void {
    if (handle === this.#pending) this.#pending = null;
    else if (handle === this._handle) this._handle = null;
    else return;
    const wasListening = handle.bound;
    this.#net.tunnel.release(this);
    const error = listenError(wire);
    nextTick(() => this.emit('error', error));
    // Node's server never loses a bound socket; here the gateway can go away.
    if (wasListening) this._emitCloseIfDrained();
  }

  /**
   * @internal The app closed the tunnel (tunnel.close()): the listener ends as close() ends
   * it, with 'close' once the connections are gone and no 'error' — nothing failed.
   */
  _onListenerClosed(handle: ListenHandle): void {
    if (handle === this.#pending) this.#pending = null;
    else if (handle === this._handle) this._handle = null;
    else return;
    this.#net.tunnel.release(this);
    this._emitCloseIfDrained();
  }

  /**
   * @internal ACCEPT: Node's onconnection. Returns the accepted stream's handler, or a
   * WireError to refuse it (the gateway then closes that socket).
   */
  _onAccept(handle: ListenHandle, stream: SessionStream, frame: AcceptFrame): StreamHandler | WireError {
    if (handle !== this._handle) return CLOSED;
    // Node 20 tests maxConnections for truth: 0 (like null and undefined) is no limit.
    if (this.maxConnections && this._connections >= this.maxConnections) {
      const data: DropInfo = Object.assign(Object.create(null) as object, {
        localAddress: frame.local.address,
        localPort: frame.local.port,
        localFamily: familyName(frame.local),
        remoteAddress: frame.remote.address,
        remotePort: frame.remote.port,
        remoteFamily: familyName(frame.remote),
      });
      // Listeners run outside the session's frame dispatch, so a throw cannot fail the session.
      nextTick(() => this.emit('drop', data));
      return DROPPED;
    }
    const socket = new this.#net.Socket({
      allowHalfOpen: this.allowHalfOpen,
      readable: true,
      writable: true,
      readableHighWaterMark: this.highWaterMark,
      writableHighWaterMark: this.highWaterMark,
    });
    const streamHandle = socket._acceptStream(stream, frame.local, frame.remote, this.pauseOnConnect);
    this._connections++;
    socket.server = this;
    socket._server = this;
    const pauseOnConnect = this.pauseOnConnect;
    nextTick(() => {
      try {
        this.emit('connection', socket);
      } finally {
        // Credit for the first bytes goes out only now: DATA that arrived with the ACCEPT
        // would otherwise be counted (bytesRead) before the app saw the socket.
        if (!pauseOnConnect) socket.read(0);
      }
    });
    return streamHandle;
  }
}

const asyncDispose: symbol = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose');

Object.defineProperties(Server.prototype, {
  /** `await using server`: close() as a promise; nothing when not listening. */
  [asyncDispose]: {
    value: async function asyncDisposeServer(this: Server): Promise<void> {
      if (!this._handle) return;
      await new Promise<void>((resolve, reject) => {
        this.close((error) => (error ? reject(error) : resolve()));
      });
    },
    writable: true,
    configurable: true,
  },
  /** EventEmitter captureRejections: a rejected async 'connection' listener destroys that socket. */
  [Symbol.for('nodejs.rejection')]: {
    value: function captureRejection(this: Server, error: Error, event: string, socket?: Socket): void {
      if (event === 'connection') socket?.destroy(error);
      else this.emit('error', error);
    },
    writable: true,
    configurable: true,
  },
});

/**
 * The listener stream's handler: Node's listening TCP handle for the tunnel. It knows
 * the bound endpoint once the gateway sent LISTENING, and routes ACCEPTs to its server.
 */
export class ListenHandle implements StreamHandler {
  readonly #server: Server;
  #stream: SessionStream | null = null;
  #local: Endpoint | null = null;

  constructor(server: Server) {
    this.#server = server;
  }

  /** Binds the listener stream once LISTEN has been sent. */
  attach(stream: SessionStream): void {
    this.#stream = stream;
  }

  /** A GOAWAY crossed our LISTEN, and the tunnel sent it again on a fresh session. */
  onReopened(stream: SessionStream): void {
    this.#stream = stream;
  }

  /** True once the gateway is listening (LISTENING arrived). */
  get bound(): boolean {
    return this.#local !== null;
  }

  /** Node's handle.getsockname(out). */
  getsockname(out: Partial<AddressInfo>): number {
    const local = this.#local;
    if (local === null) return -1;
    out.address = local.address;
    out.family = familyName(local);
    out.port = local.port;
    return 0;
  }

  /** Closes the listener: END once bound (the gateway closes and answers END), RESET while the bind is pending. */
  close(): void {
    const stream = this.#stream;
    this.#stream = null;
    if (stream === null) return;
    if (stream.state === 'open') stream.end();
    else stream.reset(CLOSED);
  }

  // ---- StreamHandler ----

  onListening(local: Endpoint): void {
    this.#local = local;
    this.#server._onListening(this);
  }

  onAccept(stream: SessionStream, frame: AcceptFrame): StreamHandler | WireError {
    return this.#server._onAccept(this, stream, frame);
  }

  onData(): void {
    // The session refuses DATA on a listener stream.
  }

  onEnd(): void {
    // The gateway's answer to our END; unasked, the gateway closed the listener.
    const stream = this.#stream;
    if (stream === null) return;
    this.#stream = null;
    stream.end();
    this.#server._onListenerError(this, wireError({ code: SockwayErrorCode.Closed, message: 'the gateway closed the listener' }));
  }

  onReset(error: WireError): void {
    if (this.#stream === null) return;
    this.#stream = null;
    if (isLocalClose(error)) this.#server._onListenerClosed(this);
    else this.#server._onListenerError(this, error);
  }

  onDrain(): void {}
}

function familyName(endpoint: Endpoint): string {
  return endpoint.family === 6 ? 'IPv6' : 'IPv4';
}

/**
 * A listener's failure as Node words it: bind and listen errors are libuv's
 * UVExceptionWithHostPort (`listen EADDRINUSE: address already in use 127.0.0.1:8000`);
 * resolver errors (`getaddrinfo ENOTFOUND`) and sockway's own codes as for sockets.
 */
function listenError(error: WireError): Error {
  if (!isSockwayErrorCode(error.code) && error.message === '' && error.syscall === 'listen') {
    return systemError({
      code: error.code,
      errno: error.errno === 0 ? undefined : error.errno,
      syscall: error.syscall,
      address: error.address,
      ...(error.port > 0 ? { port: error.port } : {}),
      description: uvDescription(error.code),
    });
  }
  return wireToError(error);
}
