/**
 * The gateway: accepts WebSockets on one path, runs one gateway-role Session per
 * connection and bridges each OPEN to a TCP socket (tcp-bridge.ts). It can own its
 * HTTP server (listen) or share an application's (attach).
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { type Limits, MAX_FRAME_LENGTH } from '../shared/protocol.ts';
import { Session, type StreamStats, resolveLimits } from '../shared/session.ts';
import { CloseCode, type Timers } from '../shared/transport.ts';
import { type Policy, type Rule, createPolicy } from './policy.ts';
import { type GatewayLogEntry, type LookupAll, type TcpBridgeInfo, TcpBridge, openTcpBridge } from './tcp-bridge.ts';
import { UNSUPPORTED_DATA, WsTransport } from './ws-transport.ts';

export type { GatewayLogEntry, LookupAll } from './tcp-bridge.ts';

/** Options of createGateway(). */
export interface GatewayOptions {
  /** HOST:PORT rules (strings or parsed), deny by default. Required unless `policy` is given. */
  readonly allow?: readonly (string | Rule)[];
  /** Rules that deny even what `allow` allows. */
  readonly deny?: readonly (string | Rule)[];
  /** A ready policy; replaces allow/deny. */
  readonly policy?: Policy;
  /** Limits announced to clients (window, streams, payload); validated here. */
  readonly limits?: Partial<Limits>;
  /** Largest receive window per stream that auto-tuning may grow to. Default 4 MiB. */
  readonly maxStreamWindow?: number;
  /** URL path that accepts WebSocket upgrades. Default '/'. */
  readonly path?: string;
  /** ms from OPEN (DNS included) to the TCP connection before RESET ETIMEDOUT. Default 30000. */
  readonly connectTimeout?: number;
  /** ms between WebSocket pings; a client that has not answered by the next one is dropped. 0 = off. Default 30000. */
  readonly keepaliveInterval?: number;
  /** ms close() waits for clients to finish the close handshake before dropping them. Default 2000. */
  readonly closeTimeout?: number;
  /** Host name resolver (dns.lookup with all: true); for tests and custom DNS. */
  readonly lookup?: LookupAll;
  /** Receives one structured entry per event (sessions, streams, denials, errors). Default: no logging. */
  readonly log?: (entry: GatewayLogEntry) => void;
}

/** Options of gateway.listen(). */
export interface ListenOptions {
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default '127.0.0.1': exposing the gateway is a decision to make explicitly. */
  readonly host?: string;
}

/** Options of gateway.attach(). */
export interface AttachOptions {
  /** Overrides the gateway's `path` for this server. */
  readonly path?: string;
}

/** One stream in gateway.stats(): the session stream's counters plus its TCP side. */
export interface GatewayStreamStats extends StreamStats, TcpBridgeInfo {
  /** The gateway's number for the WebSocket connection (as in log entries). */
  readonly session: number;
  /** The protocol session id, hex ('' before the handshake). */
  readonly sessionId: string;
}

/** A snapshot of the gateway's live sessions and streams. */
export interface GatewayStats {
  readonly sessions: number;
  readonly streams: readonly GatewayStreamStats[];
}

/** A running gateway. */
export interface Gateway {
  /** Starts an HTTP server of its own that accepts WebSockets on the path. */
  listen(options?: ListenOptions): Promise<AddressInfo>;
  /**
   * Accepts WebSockets on `server` for the path. Upgrades for other paths are left
   * to the application's own 'upgrade' listeners (answered 404 when there are none).
   */
  attach(server: http.Server, options?: AttachOptions): void;
  /** GOAWAY to every session, closes every TCP socket and the server; resolves once all is released. */
  close(): Promise<void>;
  /** Live sessions and streams, for tests and metrics. */
  stats(): GatewayStats;
  /** Number of live WebSocket sessions. */
  readonly sessions: number;
}

interface Connection {
  readonly id: number;
  readonly transport: WsTransport;
  readonly session: Session;
  readonly bridges: Set<TcpBridge>;
  /** Heard from since the last ping. */
  alive: boolean;
}

interface Attachment {
  readonly server: http.Server;
  readonly onUpgrade: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const GOING_AWAY = wireError({ code: SockwayErrorCode.GoingAway, message: 'the gateway is shutting down' });

/** Creates a gateway; throws for invalid options (bad rules, limits, paths). */
export function createGateway(options: GatewayOptions): Gateway {
  return new GatewayServer(options);
}

class GatewayServer implements Gateway {
  readonly #policy: Policy;
  readonly #limits: Limits;
  readonly #path: string;
  readonly #connectTimeout: number;
  readonly #maxStreamWindow: number | undefined;
  readonly #keepaliveInterval: number;
  readonly #closeTimeout: number;
  readonly #lookup: LookupAll | undefined;
  readonly #logSink: ((entry: GatewayLogEntry) => void) | undefined;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #attachments: Attachment[] = [];
  #ownServer: http.Server | null = null;
  #ownServerOpen = false;
  #nextConnectionId = 1;
  #liveBridges = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  #closing = false;
  #closed: Promise<void> | null = null;
  #released: (() => void) | null = null;

  constructor(options: GatewayOptions) {
    this.#policy = options.policy ?? createPolicy({ allow: requireAllow(options.allow), deny: options.deny ?? [] });
    this.#limits = resolveLimits(options.limits);
    this.#path = checkPath(options.path ?? '/', 'path');
    this.#connectTimeout = checkMs(options.connectTimeout ?? 30_000, 'connectTimeout', 1);
    this.#maxStreamWindow = options.maxStreamWindow;
    this.#keepaliveInterval = checkMs(options.keepaliveInterval ?? 30_000, 'keepaliveInterval', 0);
    this.#closeTimeout = checkMs(options.closeTimeout ?? 2_000, 'closeTimeout', 0);
    this.#lookup = options.lookup;
    this.#logSink = options.log;
    this.#wss = new WebSocketServer({
      noServer: true,
      // One frame per message: nothing legitimate is bigger than a full DATA frame.
      maxPayload: MAX_FRAME_LENGTH,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  get sessions(): number {
    return this.#connections.size;
  }

  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.#closing) return Promise.reject(gatewayError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed'));
    if (this.#ownServer !== null) return Promise.reject(gatewayError('ERR_SERVER_ALREADY_LISTEN', 'gateway.listen() was already called'));
    const server = http.createServer((request, response) => {
      // Plain HTTP gets a short answer; only WebSocket upgrades are served.
      const path = pathOf(request.url);
      response.writeHead(path === this.#path ? 426 : 404, { 'content-type': 'text/plain', connection: 'close', ...(path === this.#path ? { upgrade: 'websocket' } : {}) });
      response.end(path === this.#path ? 'sockway gateway: connect with a WebSocket\n' : 'not found\n');
    });
    this.#ownServer = server;
    this.#attachTo(server, this.#path, true);
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: Error): void => {
        this.#detachAll();
        this.#ownServer = null;
        reject(error);
      };
      server.once('error', onError);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', onError);
        server.on('error', (error) => this.#log({ level: 'error', event: 'server-error', error: error.message }));
        this.#ownServerOpen = true;
        const address = server.address() as AddressInfo;
        this.#log({ level: 'info', event: 'listening', address: address.address, port: address.port, path: this.#path });
        resolve(address);
      });
    });
  }

  attach(server: http.Server, options: AttachOptions = {}): void {
    if (this.#closing) throw gatewayError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed');
    if (this.#attachments.some((attachment) => attachment.server === server)) {
      throw gatewayError('ERR_INVALID_ARG_VALUE', 'the gateway is already attached to this server');
    }
    this.#attachTo(server, checkPath(options.path ?? this.#path, 'path'), false);
  }

  stats(): GatewayStats {
    const streams: GatewayStreamStats[] = [];
    for (const connection of this.#connections) {
      const sessionId = Buffer.from(connection.session.sessionId).toString('hex');
      for (const bridge of connection.bridges) {
        streams.push({ session: connection.id, sessionId, ...bridge.stream.stats(), ...bridge.info() });
      }
    }
    return { sessions: this.#connections.size, streams };
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  // ---- accepting ----

  #attachTo(server: http.Server, path: string, owned: boolean): void {
    const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
      try {
        if (pathOf(request.url) !== path) {
          // Someone else's path: leave it to the application's listeners, if it has any.
          if (owned || server.listenerCount('upgrade') <= 1) rejectUpgrade(socket, 404, 'Not Found');
          return;
        }
        if (this.#closing) {
          rejectUpgrade(socket, 503, 'Service Unavailable');
          return;
        }
        this.#wss.handleUpgrade(request, socket, head, (ws) => this.#onConnection(ws, request));
      } catch (error) {
        this.#log({ level: 'error', event: 'internal-error', where: 'upgrade', error: String(error) });
        socket.destroy();
      }
    };
    server.on('upgrade', onUpgrade);
    this.#attachments.push({ server, onUpgrade });
  }

  #detachAll(): void {
    for (const { server, onUpgrade } of this.#attachments) server.off('upgrade', onUpgrade);
    this.#attachments.length = 0;
  }

  #onConnection(ws: WebSocket, request: http.IncomingMessage): void {
    if (this.#closing) {
      ws.close(CloseCode.GoingAway, 'the gateway is shutting down');
      return;
    }
    const id = this.#nextConnectionId++;
    const remote = { remoteAddress: request.socket.remoteAddress ?? '', remotePort: request.socket.remotePort ?? 0 };
    const bridges = new Set<TcpBridge>();
    const log = (entry: GatewayLogEntry): void => this.#log({ ...entry, session: id });
    const openedAt = Date.now();
    // Assigned below; the callbacks that read it run only on later events.
    let connection: Connection;
    const transport = new WsTransport(ws, {
      onTextMessage: () => connection.session.close(
        wireError({ code: SockwayErrorCode.Frame, message: 'text WebSocket message: sockway frames are binary messages' }),
        UNSUPPORTED_DATA,
      ),
      onError: (error) => log({ level: 'warn', event: 'websocket-error', error: error.message, code: (error as { code?: unknown }).code }),
      onActivity: () => {
        connection.alive = true;
      },
    });
    let session: Session;
    try {
      session = new Session({
        role: 'gateway',
        transport,
        timers: TIMERS,
        limits: this.#limits,
        randomBytes: (length) => randomBytes(length),
        allocate: (length) => Buffer.allocUnsafe(length),
        ...(this.#maxStreamWindow === undefined ? {} : { maxStreamWindow: this.#maxStreamWindow }),
        onOpen: (stream, frame) => {
          if (this.#closing) return GOING_AWAY;
          const result = openTcpBridge(stream, frame, {
            policy: this.#policy,
            connectTimeout: this.#connectTimeout,
            ...(this.#lookup === undefined ? {} : { lookup: this.#lookup }),
            log,
            onDone: (bridge) => {
              if (bridges.delete(bridge)) this.#liveBridges -= 1;
              this.#checkReleased();
            },
          });
          if (result instanceof TcpBridge) {
            bridges.add(result);
            this.#liveBridges += 1;
          }
          return result;
        },
        onReady: () => log({ level: 'info', event: 'session-ready', sessionId: Buffer.from(connection.session.sessionId).toString('hex') }),
        onClose: (error) => this.#onSessionClose(connection, error, openedAt),
      });
    } catch (error) {
      log({ level: 'error', event: 'internal-error', where: 'session', error: String(error) });
      ws.terminate();
      return;
    }
    connection = { id, transport, session, bridges, alive: true };
    this.#connections.add(connection);
    log({ level: 'info', event: 'session-open', ...remote });
    this.#startHeartbeat();
  }

  #onSessionClose(connection: Connection, error: WireError | null, openedAt: number): void {
    if (!this.#connections.delete(connection)) return;
    // The session already failed every stream (their bridges destroyed their sockets);
    // this is the safety net for any bridge still holding one.
    const reason = error ?? GOING_AWAY;
    for (const bridge of [...connection.bridges]) bridge.destroy(reason);
    this.#log({
      level: error === null || error.code === SockwayErrorCode.GoingAway || error.code === SockwayErrorCode.GatewayClosed ? 'info' : 'warn',
      event: 'session-closed',
      session: connection.id,
      durationMs: Date.now() - openedAt,
      ...(error === null ? {} : { code: error.code, reason: error.message }),
    });
    if (this.#connections.size === 0) this.#stopHeartbeat();
    this.#checkReleased();
  }

  // ---- keepalive: ws README heartbeat, one timer for all connections ----

  #startHeartbeat(): void {
    if (this.#heartbeat !== null || this.#keepaliveInterval === 0 || this.#closing) return;
    this.#heartbeat = setInterval(() => this.#beat(), this.#keepaliveInterval);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #beat(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) {
        this.#log({ level: 'warn', event: 'keepalive-timeout', session: connection.id, intervalMs: this.#keepaliveInterval });
        connection.transport.terminate();
        continue;
      }
      connection.alive = false;
      try {
        connection.transport.webSocket.ping();
      } catch {
        // Not open any more: 'close' is on its way.
      }
    }
  }

  // ---- shutdown ----

  async #shutdown(): Promise<void> {
    this.#closing = true;
    this.#stopHeartbeat();
    this.#detachAll();
    const server = this.#ownServer;
    const serverClosed = server === null || !this.#ownServerOpen
      ? Promise.resolve()
      : new Promise<void>((resolve) => server.close(() => resolve()));
    server?.closeIdleConnections();
    const released = new Promise<void>((resolve) => {
      this.#released = resolve;
    });
    for (const connection of [...this.#connections]) connection.session.close(GOING_AWAY, CloseCode.GoingAway);
    this.#checkReleased();
    // Clients get closeTimeout ms to answer the close handshake; then they are dropped.
    const grace = setTimeout(() => {
      for (const connection of this.#connections) connection.transport.terminate();
      server?.closeAllConnections();
    }, this.#closeTimeout);
    try {
      await released;
      await serverClosed;
    } finally {
      clearTimeout(grace);
    }
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#log({ level: 'info', event: 'closed' });
  }

  #checkReleased(): void {
    if (this.#released === null || this.#connections.size > 0 || this.#liveBridges > 0) return;
    const resolve = this.#released;
    this.#released = null;
    resolve();
  }

  #log(entry: GatewayLogEntry): void {
    if (this.#logSink === undefined) return;
    try {
      this.#logSink(entry);
    } catch {
      // A failing logger must not take the gateway down.
    }
  }
}

function requireAllow(allow: GatewayOptions['allow']): readonly (string | Rule)[] {
  if (allow === undefined) {
    throw gatewayError('ERR_INVALID_ARG_VALUE', 'createGateway() needs `allow` rules (or a `policy`): the gateway denies every destination by default');
  }
  return allow;
}

function checkPath(path: string, name: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /[\s?#]/.test(path)) {
    throw gatewayError('ERR_INVALID_ARG_VALUE', `${name} must start with "/" and contain no spaces, "?" or "#", got ${JSON.stringify(path)}`);
  }
  return path;
}

function checkMs(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min || value > 0x7fff_ffff) {
    throw gatewayError('ERR_INVALID_ARG_VALUE', `${name} must be an integer number of ms >= ${min}, got ${String(value)}`);
  }
  return value;
}

function gatewayError(code: string, message: string): Error {
  const error = new Error(message) as Error & { code: string };
  error.code = code;
  Error.captureStackTrace(error, gatewayError);
  return error;
}

/** The path of a request URL, without the query string. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Answers an upgrade request with an HTTP error and drops the socket (as ws's abortHandshake). */
function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => {});
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  }
  socket.destroy();
}
