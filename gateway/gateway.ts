/**
 * The gateway: accepts WebSockets on one path, admits them (Origin, per-client and
 * total session limits, authentication: admission.ts), runs one gateway-role Session
 * per connection and bridges each OPEN to a TCP socket (tcp-bridge.ts) under the
 * session's effective policy and limits (limits.ts). It can own its HTTP server
 * (listen) or share an application's (attach). @see SECURITY.md
 *
 *   upgrade ─ path ─ Origin (403) ─ session slots (GOAWAY LIMIT) ─ authenticate (GOAWAY UNAUTHORIZED) ─ session
 *   OPEN ─ token expiry ─ open rate ─ policy (gateway ∩ session) ─ dial slot (pending opens) ─ DNS, TCP
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { type AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { SockwayErrorCode, type WireError, codedError, wireError } from '../shared/errors.ts';
import type { ResumeFrame } from '../shared/frame.ts';
import { type Limits, MAX_FRAME_LENGTH } from '../shared/protocol.ts';
import { RESUME_REFUSED, Session, type StreamStats } from '../shared/session.ts';
import { CloseCode, type Timers } from '../shared/transport.ts';
import { clientKey } from './address.ts';
import { type AuthDecision, type Authenticate, clientAddressOf, originMatcher, selectProtocol, tokenAuthenticator } from './admission.ts';
import {
  type GatewayLimitOptions,
  type GatewayLimits,
  GuardedTransport,
  TLS_CPU,
  TokenBucket,
  WindowBudget,
  openRateError,
  DialSlots,
  socketLimitError,
} from './limits.ts';
import { checkPath } from './option-types.ts';
import { resolveGatewayOptions } from './options-schema.ts';
import { wsPackage } from './dependencies.ts';
import { FdBudget } from './fd-budget.ts';
import { PendingConnections, boundedServerOptions } from './pending-connections.ts';
import { refusalBytes } from './upgrade-refusal.ts';
import { type Policy, type PolicyCheck, type Rule, createPolicy, intersectPolicies } from './policy.ts';
import { type GatewayLogEntry, type LookupAll, type TcpBridgeInfo, type TcpBridgeOptions, TcpBridge, deniedListenError, openTcpBridge } from './tcp-bridge.ts';
import { ListenBridge, openListenBridge } from './listen-bridge.ts';
import { answerQuery } from './dns-bridge.ts';
import { type GatewayResolver, type SessionResolver, createGatewayResolver } from './resolver.ts';
import { DEFAULT_RESERVE, MemoryBudget } from './memory-budget.ts';
import { pickEviction } from './eviction.ts';
import { credentialOf } from './token.ts';
import type { TokenSecret } from './token.ts';
import { UNSUPPORTED_DATA, WsTransport } from './ws-transport.ts';

export type { GatewayLogEntry, LookupAll } from './tcp-bridge.ts';

/** Options of createGateway(). The limit options (maxSessions, openRate, …) are documented in limits.ts. */
export interface GatewayOptions extends GatewayLimitOptions {
  /** HOST:PORT rules (strings or parsed) for connecting, deny by default. Required unless `policy` is given. */
  readonly allow?: readonly (string | Rule)[];
  /** Rules that deny even what `allow` allows. */
  readonly deny?: readonly (string | Rule)[];
  /** HOST:PORT rules for listening (net.Server): bind address and port. Default: none. */
  readonly allowListen?: readonly (string | Rule)[];
  /** Listen rules that deny even what `allowListen` allows. */
  readonly denyListen?: readonly (string | Rule)[];
  /** A ready policy; replaces allow/deny/allowListen/denyListen. */
  readonly policy?: Policy;
  /**
   * Decides whether an upgrade may become a session, and with which policy (intersected
   * with the gateway's). Runs after the Origin and session-limit checks. Default: every
   * upgrade is accepted with the gateway's policy, unless `tokenSecret` is set.
   */
  readonly authenticate?: Authenticate;
  /**
   * Require a capability token (issueToken()) signed with this secret (or one of these,
   * during a rotation); the session gets the token's rules. Not together with `authenticate`.
   */
  readonly tokenSecret?: TokenSecret | readonly TokenSecret[];
  /** The audience tokens must name. Default 'sockway'. */
  readonly tokenAudience?: string;
  /**
   * Origins allowed to open sessions (`https://app.example.com`, `https://*.example.com`,
   * `null`, `*`); other browser pages get HTTP 403. Requests without Origin (not from a
   * browser) pass. Default: any origin.
   */
  readonly allowOrigins?: readonly string[];
  /**
   * Number of reverse proxies in front of the gateway that append to X-Forwarded-For;
   * the client address (per-client limits, logs) is then taken from that header. Default 0.
   */
  readonly trustProxy?: number;
  /** Limits announced to clients (window, streams, payload); validated here. Default maxStreams 256. */
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
  /**
   * ms a session whose WebSocket dropped (without GOAWAY) is kept, with its TCP sockets and
   * listeners, for the client to resume it (PROTOCOL.md#resume). Its sockets are read only up
   * to the credit already granted. 0 = no resumption (the gateway speaks protocol version 1).
   * Default 60000.
   */
  readonly resumeGracePeriod?: number;
  /**
   * ms close() lets open streams finish after GOAWAY before it resets them (graceful drain,
   * PROTOCOL.md#drain). New streams are refused meanwhile. Default 0: reset at once.
   */
  readonly drainTimeout?: number;
  /** Hard cap on a session's replay buffer in bytes (DATA pauses at half of it; exceeding it fails the session). Default 64 MiB, at least 256 KiB. */
  readonly maxReplayBytes?: number;
  /**
   * Host name resolver (dns.lookup with all: true) for OPEN and the page's dns.lookup(),
   * under the same caps (maxDnsLookups). Default: resolver.ts, c-ares with /etc/hosts and
   * resolv.conf search domains. `dns.lookup` brings back getaddrinfo (nsswitch) and its
   * four threadpool threads, which names whose servers never answer can park.
   */
  readonly lookup?: LookupAll;
  /**
   * DNS servers for OPEN's names and the page's dns queries ('127.0.0.1:5353', '[::1]:53',
   * '10.0.0.2'), as node:dns Resolver.setServers() takes them. Default: the system's servers.
   */
  readonly dnsServers?: readonly string[];
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
  /**
   * A tag for the protocol session (as in the `session-ready` log entry): 16 hex digits of
   * SHA-256 of the session id, which is itself a secret (PROTOCOL.md#security); '' before the handshake.
   */
  readonly sessionTag: string;
}

/** A snapshot of the gateway's live sessions and streams. */
export interface GatewayStats {
  /** Sessions, attached or detached. */
  readonly sessions: number;
  readonly streams: readonly GatewayStreamStats[];
  /** Sessions waiting for their client to resume (PROTOCOL.md#resume). */
  readonly detachedSessions: number;
  /** TCP sockets the gateway holds for streams (dialing, connected or accepted). */
  readonly tcpSockets: number;
  /** Listening sockets (net.Server on a page's behalf). */
  readonly listeners: number;
  /** Resume grace and drain timers pending. */
  readonly timers: number;
  /** Bytes in all sessions' replay buffers now, and the most one session ever held. */
  readonly replayBytes: number;
  readonly replayPeak: number;
  /** Bytes all sessions hold towards pages (stream queues and replay buffers), the most ever, and the budget for them. */
  readonly heldBytes: number;
  readonly heldPeak: number;
  readonly memoryBudget: number;
  /** Successful resumptions since the gateway started. */
  readonly resumes: number;
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
  /**
   * GOAWAY to every session, refusing new streams; open streams may finish for `drainTimeout`
   * ms, then every TCP socket is closed, and the server; resolves once all is released.
   */
  close(): Promise<void>;
  /** Live sessions and streams, for tests and metrics. */
  stats(): GatewayStats;
  /** Number of live WebSocket sessions. */
  readonly sessions: number;
}

interface Connection {
  readonly id: number;
  /** Whom the session counts against for maxSessionsPerClient: the client that created it, wherever it resumes from. */
  readonly clientKey: string;
  /** The WebSocket now carrying the session (replaced when the client resumes). */
  transport: WsTransport;
  readonly session: Session;
  /** Running while the session is detached: ends it when the client does not resume. */
  graceTimer: NodeJS.Timeout | null;
  readonly bridges: Set<TcpBridge>;
  /** The session's listeners (net.Server on the page's behalf); their connections are in `bridges`. */
  readonly listeners: Set<ListenBridge>;
  /** The gateway's policy intersected with the session's. */
  readonly policy: PolicyCheck;
  readonly budget: WindowBudget;
  /** Streams resolving or connecting at once, QUERYs included (maxPendingOpens). */
  readonly dialSlots: DialSlots;
  /** The session's turn in the gateway's resolver (resolver.ts). */
  readonly resolver: SessionResolver;
  /**
   * OPEN, LISTEN and QUERY the session's handler sees (the session's own refusals, such as
   * the stream limit, cost nothing): one over the rate gets RESET SOCKWAY_ERR_RATE_LIMIT,
   * and only that request: a limit never takes down what it already admitted.
   */
  readonly opens: TokenBucket;
  /** Event-loop time its STARTTLS may take (with the gateway's own budget after it). */
  readonly tlsCpu: TokenBucket;
  /** ms since the epoch after which no new stream is opened (token expiry); Infinity for none. */
  readonly expiresAt: number;
  /** Heard from since the last ping. */
  alive: boolean;
  /** ms since the epoch since which the session has had no stream or listener (fair admission). */
  idleSince: number;
  /** Handshake, idle-session and expiry timers. */
  handshakeTimer: NodeJS.Timeout | null;
  idleTimer: NodeJS.Timeout | null;
  expiryTimer: NodeJS.Timeout | null;
}

/** What admission hands to a new session. */
interface Admitted {
  readonly clientAddress: string;
  readonly origin: string | undefined;
  readonly policy: PolicyCheck;
  readonly subject: string | undefined;
  readonly expiresAt: number;
}

/** RFC 6455 close code 1013 (Try Again Later): the gateway is at a session limit. */
const TRY_AGAIN_LATER = 1013;

/** ms a refused upgrade's socket lingers for the client's close frame (read and dropped) before it is destroyed. */
const REFUSAL_LINGER = 1_000;

interface Attachment {
  readonly server: http.Server;
  readonly onUpgrade: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

const EXPIRED_LISTEN = wireError({ code: SockwayErrorCode.Unauthorized, syscall: 'listen', message: 'the session\'s token has expired; reconnect with a new token' });

const GOING_AWAY = wireError({ code: SockwayErrorCode.GoingAway, message: 'the gateway is shutting down' });

/** Creates a gateway; throws for invalid options (bad rules, limits, paths). */
export function createGateway(options: GatewayOptions): Gateway {
  return new GatewayServer(options);
}

class GatewayServer implements Gateway {
  readonly #policy: Policy;
  readonly #limits: Limits;
  readonly #gatewayLimits: GatewayLimits;
  readonly #authenticate: Authenticate | undefined;
  readonly #originAllowed: (origin: string | undefined) => boolean;
  readonly #trustProxy: number;
  /** Admitted upgrade sockets (pending authentication or carrying a session), per client key. */
  readonly #slots = new Map<string, number>();
  #slotCount = 0;
  /** TCP sockets for streams and listeners, in total and per client (fd-budget.ts). */
  readonly #fds: FdBudget;
  /** Each bridge's and listener's share of #fds, released when it is done. */
  readonly #fdLeases = new Map<TcpBridge | ListenBridge, () => void>();
  /** Connections to the own server still sending their upgrade request (gateway.listen()). */
  #pendingConnections: PendingConnections | null = null;
  readonly #maxPendingPerPeer: number;
  readonly #path: string;
  readonly #connectTimeout: number;
  readonly #maxStreamWindow: number | undefined;
  readonly #keepaliveInterval: number;
  readonly #closeTimeout: number;
  readonly #resolver: GatewayResolver;
  readonly #logSink: ((entry: GatewayLogEntry) => void) | undefined;
  readonly #wss: WebSocketServer;
  /** Event-loop time all sessions' STARTTLS may take together. */
  readonly #tlsCpu = new TokenBucket(TLS_CPU.gatewayRate, TLS_CPU.gatewayBurst);
  readonly #connections = new Set<Connection>();
  readonly #attachments: Attachment[] = [];
  #ownServer: http.Server | null = null;
  #ownServerOpen = false;
  #nextConnectionId = 1;
  #liveBridges = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  readonly #resumeGracePeriod: number;
  readonly #drainTimeout: number;
  readonly #maxReplayBytes: number | undefined;
  /** Handshaken sessions by hex session id, for RESUME. */
  readonly #bySessionId = new Map<string, Connection>();
  #graceTimers = 0;
  #drainTimer: NodeJS.Timeout | null = null;
  #resumes = 0;
  #replayPeak = 0;
  /** What all sessions hold towards pages (memory-budget.ts). */
  readonly #memory: MemoryBudget;
  #relieving = false;
  #closing = false;
  #closed: Promise<void> | null = null;
  #released: (() => void) | null = null;

  constructor(options: GatewayOptions) {
    this.#policy = options.policy ?? createPolicy({
      allow: requireAllow(options.allow),
      deny: options.deny ?? [],
      listen: { allow: options.allowListen ?? [], deny: options.denyListen ?? [] },
    });
    const resolved = resolveGatewayOptions(options);
    this.#gatewayLimits = resolved.gatewayLimits;
    // The reserves of a full gateway fit in the budget.
    this.#memory = new MemoryBudget({
      limit: this.#gatewayLimits.memoryBudget,
      reserve: Math.min(DEFAULT_RESERVE, Math.floor(this.#gatewayLimits.memoryBudget / this.#gatewayLimits.maxSessions)),
      onPressure: () => this.#relievePressure(),
    });
    this.#fds = new FdBudget(this.#gatewayLimits.maxTcpSockets, this.#gatewayLimits.maxTcpSocketsPerClient);
    this.#limits = resolved.limits;
    if (options.authenticate !== undefined && options.tokenSecret !== undefined) {
      throw codedError('ERR_INVALID_ARG_VALUE', 'give `authenticate` or `tokenSecret`, not both (call verifyToken() inside your authenticate hook to combine them)');
    }
    if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
      throw codedError('ERR_INVALID_ARG_TYPE', 'authenticate must be a function');
    }
    this.#authenticate = options.tokenSecret === undefined
      ? options.authenticate
      : tokenAuthenticator({ secret: options.tokenSecret, ...(options.tokenAudience === undefined ? {} : { audience: options.tokenAudience }) });
    this.#originAllowed = originMatcher(options.allowOrigins);
    this.#trustProxy = resolved.trustProxy;
    this.#maxPendingPerPeer = resolved.maxPendingPerPeer;
    this.#path = resolved.path;
    this.#connectTimeout = resolved.connectTimeout;
    this.#maxStreamWindow = resolved.maxStreamWindow;
    this.#keepaliveInterval = resolved.keepaliveInterval;
    this.#closeTimeout = resolved.closeTimeout;
    this.#resumeGracePeriod = resolved.resumeGracePeriod;
    this.#drainTimeout = resolved.drainTimeout;
    this.#maxReplayBytes = resolved.maxReplayBytes;
    this.#resolver = createGatewayResolver({
      servers: options.dnsServers,
      lookup: options.lookup,
      maxLookups: this.#gatewayLimits.maxDnsLookups,
      maxWait: this.#connectTimeout,
    });
    this.#logSink = options.log;
    this.#wss = new wsPackage.WebSocketServer({
      noServer: true,
      // One frame per message: nothing legitimate is bigger than a full DATA frame.
      maxPayload: MAX_FRAME_LENGTH,
      perMessageDeflate: false,
      clientTracking: false,
      // Selects `sockway` when offered; a token offered as a subprotocol is never echoed.
      handleProtocols: (protocols) => selectProtocol(protocols),
    });
  }

  get sessions(): number {
    return this.#connections.size;
  }

  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.#closing) return Promise.reject(codedError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed'));
    if (this.#ownServer !== null) return Promise.reject(codedError('ERR_SERVER_ALREADY_LISTEN', 'gateway.listen() was already called'));
    // The upgrade request gets as long as HELLO after it (handshakeTimeout, default 10 s, not
    // Node's 60 s): a browser sends it in one write, so only a stalling client needs more.
    const limits = this.#gatewayLimits;
    const server = http.createServer(boundedServerOptions(limits.handshakeTimeout), (request, response) => {
      // Plain HTTP gets a short answer; only WebSocket upgrades are served.
      const path = pathOf(request.url);
      response.writeHead(path === this.#path ? 426 : 404, { 'content-type': 'text/plain', connection: 'close', ...(path === this.#path ? { upgrade: 'websocket' } : {}) });
      response.end(path === this.#path ? 'sockway gateway: connect with a WebSocket\n' : 'not found\n');
    });
    this.#ownServer = server;
    server.maxConnections = limits.maxConnections;
    const pending = new PendingConnections(this.#maxPendingPerPeer, limits.handshakeTimeout, (peer, count) => {
      this.#log({ level: 'warn', event: 'connection-refused', clientAddress: peer, pending: count, reason: `${count} connections from this address still sending their upgrade request` });
    }, (address) => clientKey(address, limits.ipv6ClientPrefix));
    this.#pendingConnections = pending;
    server.on('connection', (socket: Socket) => pending.add(socket));
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
    if (this.#closing) throw codedError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed');
    if (this.#attachments.some((attachment) => attachment.server === server)) {
      throw codedError('ERR_INVALID_ARG_VALUE', 'the gateway is already attached to this server');
    }
    this.#attachTo(server, checkPath(options.path ?? this.#path, 'path'), false);
  }

  stats(): GatewayStats {
    const streams: GatewayStreamStats[] = [];
    let detachedSessions = 0;
    let listeners = 0;
    let replayBytes = 0;
    for (const connection of this.#connections) {
      const tag = sessionTag(connection.session.sessionId);
      for (const bridge of connection.bridges) {
        streams.push({ session: connection.id, sessionTag: tag, ...bridge.stream.stats(), ...bridge.info() });
      }
      const reliability = connection.session.sessionStats();
      if (reliability.detached) detachedSessions += 1;
      listeners += connection.listeners.size;
      replayBytes += reliability.replayBytes;
      this.#replayPeak = Math.max(this.#replayPeak, reliability.replayPeak);
    }
    return {
      sessions: this.#connections.size,
      streams,
      detachedSessions,
      tcpSockets: this.#liveBridges,
      listeners,
      timers: this.#graceTimers + (this.#drainTimer === null ? 0 : 1),
      replayBytes,
      replayPeak: this.#replayPeak,
      heldBytes: this.#memory.held,
      heldPeak: this.#memory.peak,
      memoryBudget: this.#memory.limit,
      resumes: this.#resumes,
    };
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  // ---- accepting ----

  #attachTo(server: http.Server, path: string, owned: boolean): void {
    const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
      // The request is complete: from here the session limits count it (or it is refused).
      if (owned) this.#pendingConnections?.upgraded(socket);
      try {
        if (pathOf(request.url) !== path) {
          // Someone else's path: leave it to the application's listeners, if it has any.
          if (owned || server.listenerCount('upgrade') <= 1) rejectUpgrade(socket, 404, 'Not Found');
          return;
        }
        if (this.#closing) {
          this.#refuse(request, socket, GOING_AWAY, CloseCode.GoingAway);
          return;
        }
        this.#admit(request, socket, head);
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

  /**
   * Origin, then a session slot (total and per client), then authentication. The slot is
   * held for as long as the upgrade's TCP socket is open, so a session, a pending
   * authentication and a closing WebSocket all count, and nothing can leak one.
   */
  #admit(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
    const clientAddress = clientAddressOf(request, this.#trustProxy);
    const remote = { clientAddress, ...(origin === undefined ? {} : { origin: origin.slice(0, 200) }) };
    if (!this.#originAllowed(origin)) {
      this.#log({ level: 'warn', event: 'session-refused', code: 'ORIGIN', reason: 'the Origin is not in allowOrigins', ...remote });
      rejectUpgrade(socket, 403, 'Forbidden');
      return;
    }
    const key = clientKey(clientAddress, this.#gatewayLimits.ipv6ClientPrefix);
    const limits = this.#gatewayLimits;
    const perClient = this.#slots.get(key) ?? 0;
    const full = this.#slotCount >= limits.maxSessions;
    // Fair admission: a full gateway ends an idle session of a bigger holder instead (its
    // upgrade socket holds a slot; the slot is free once that socket closes).
    const evicted = full && perClient < limits.maxSessionsPerClient && this.#evictFor(perClient, (connection) => !connection.session.detached);
    if (!evicted && (full || perClient >= limits.maxSessionsPerClient)) {
      const total = full;
      const message = total
        ? `the gateway has its maximum of ${limits.maxSessions} sessions; try again later`
        : `too many sessions from this client (limit ${limits.maxSessionsPerClient}); close one or try again later`;
      this.#log({ level: 'warn', event: 'session-refused', code: SockwayErrorCode.Limit, reason: message, ...remote });
      this.#refuse(request, socket, wireError({ code: SockwayErrorCode.Limit, message }), TRY_AGAIN_LATER);
      return;
    }
    // Hold the slot until the socket closes (whatever becomes of it).
    this.#slots.set(key, perClient + 1);
    this.#slotCount += 1;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.#slotCount -= 1;
      const left = (this.#slots.get(key) ?? 1) - 1;
      if (left === 0) this.#slots.delete(key);
      else this.#slots.set(key, left);
    };
    socket.once('close', release);

    const authenticate = this.#authenticate;
    if (authenticate === undefined) {
      this.#upgrade(request, socket, head, { clientAddress, origin, policy: this.#policy, subject: undefined, expiresAt: Infinity });
      return;
    }
    const token = credentialOf(request);
    let decision: AuthDecision | Promise<AuthDecision>;
    try {
      decision = authenticate({ request, clientAddress, origin, token });
    } catch (error) {
      decision = Promise.reject(error);
    }
    Promise.resolve(decision).then(
      (result) => this.#onAuthenticated(request, socket, head, result, remote, release),
      (error: unknown) => {
        this.#log({ level: 'error', event: 'authenticate-error', error: error instanceof Error ? error.message : String(error), ...remote });
        this.#onAuthenticated(request, socket, head, { accept: false, reason: 'authentication failed' }, remote, release);
      },
    ).catch((error: unknown) => {
      this.#log({ level: 'error', event: 'internal-error', where: 'admit', error: String(error) });
      socket.destroy();
    });
  }

  #onAuthenticated(
    request: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    result: AuthDecision,
    remote: { readonly clientAddress: string; readonly origin?: string },
    release: () => void,
  ): void {
    if (socket.destroyed) return;
    if (this.#closing) {
      this.#refuse(request, socket, GOING_AWAY, CloseCode.GoingAway);
      return;
    }
    if (typeof result !== 'object' || result === null || result.accept !== true) {
      const reason = typeof result === 'object' && result !== null && typeof result.reason === 'string' && result.reason !== ''
        ? result.reason.slice(0, 200)
        : 'authentication required';
      this.#log({ level: 'warn', event: 'session-refused', code: SockwayErrorCode.Unauthorized, reason, ...remote });
      release();
      this.#refuse(request, socket, wireError({ code: SockwayErrorCode.Unauthorized, message: reason }), CloseCode.PolicyViolation);
      return;
    }
    const own = result.policy;
    const sessionPolicy: PolicyCheck | undefined = own === undefined
      ? undefined
      : 'check' in own && typeof own.check === 'function' ? own as PolicyCheck : createPolicy(own as Parameters<typeof createPolicy>[0]);
    this.#upgrade(request, socket, head, {
      clientAddress: remote.clientAddress,
      origin: remote.origin,
      policy: sessionPolicy === undefined
        ? this.#policy
        : intersectPolicies([{ label: 'gateway policy', policy: this.#policy }, { label: 'session policy', policy: sessionPolicy }]),
      subject: typeof result.subject === 'string' ? result.subject.slice(0, 200) : undefined,
      expiresAt: typeof result.expiresAt === 'number' && Number.isFinite(result.expiresAt) ? result.expiresAt : Infinity,
    });
  }

  #upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, admitted: Admitted): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      try {
        this.#onConnection(ws, admitted);
      } catch (error) {
        this.#log({ level: 'error', event: 'internal-error', where: 'connection', error: String(error) });
        ws.terminate();
      }
    });
  }

  /**
   * Refuses a session the way a page can read: the WebSocket opens, carries one GOAWAY
   * with the reason (the client fails with its code, PROTOCOL.md#handshake) and closes,
   * all in one write of a few hundred bytes (upgrade-refusal.ts), as cheap as an HTTP error.
   */
  #refuse(request: http.IncomingMessage, socket: Duplex, error: WireError, closeCode: number): void {
    const bytes = refusalBytes(request, error, closeCode);
    if (bytes === null) {
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    socket.on('error', () => {});
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(bytes);
    // Read and drop the client's close frame: closing with unread bytes would send an RST,
    // which can discard the GOAWAY before the client reads it. The client closes on our
    // close frame; one that does not is dropped after REFUSAL_LINGER.
    socket.resume();
    socket.once('end', () => socket.destroy());
    if (socket instanceof Socket) socket.setTimeout(Math.max(1, Math.min(this.#closeTimeout, REFUSAL_LINGER)), () => socket.destroy());
  }

  #onConnection(ws: WebSocket, admitted: Admitted): void {
    if (this.#closing) {
      ws.close(CloseCode.GoingAway, 'the gateway is shutting down');
      return;
    }
    const id = this.#nextConnectionId++;
    const limits = this.#gatewayLimits;
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
    const guarded = new GuardedTransport(transport, {
      pingRate: limits.pingRate,
      onPingFlood: () => {
        log({ level: 'warn', event: 'rate-limit', what: 'ping', limit: limits.pingRate });
        connection.session.close(
          wireError({ code: SockwayErrorCode.RateLimit, message: `too many PINGs: at most ${limits.pingRate} per second` }),
          CloseCode.PolicyViolation,
        );
      },
      maxBufferedBytes: limits.maxSessionBufferedBytes,
      onSendOverflow: (bufferedAmount) => {
        // The client sends but does not read: a GOAWAY would queue behind the rest. The
        // session ends here too (no resumption): failing it first frees its TCP sockets.
        log({ level: 'warn', event: 'send-buffer-limit', bufferedBytes: bufferedAmount, limit: limits.maxSessionBufferedBytes });
        connection.session.close(
          wireError({ code: SockwayErrorCode.Limit, message: `the client does not read: over ${limits.maxSessionBufferedBytes} bytes buffered` }),
          CloseCode.PolicyViolation,
        );
        transport.terminate();
      },
    });
    // This session's share of the memory budget; closed with the session (or below, when
    // this WebSocket resumes another session instead).
    const account = this.#memory.account();
    let session: Session;
    try {
      session = new Session({
        role: 'gateway',
        transport: guarded,
        timers: TIMERS,
        limits: this.#limits,
        resumable: this.#resumeGracePeriod > 0,
        ...(this.#maxReplayBytes === undefined ? {} : { maxReplayBytes: this.#maxReplayBytes }),
        budget: account,
        onDetach: (info) => this.#onDetach(connection, info.code),
        onResume: () => {
          this.#resumes += 1;
        },
        // RESUME on this new WebSocket: it takes over the named session, and from then on
        // this connection's callbacks (guard, heartbeat) act on that session's record.
        onResumeRequest: (frame, taken) => {
          const resumed = this.#resume(connection, frame, taken, transport, log);
          if (!('session' in resumed)) return resumed;
          account.close();
          connection = resumed;
          return null;
        },
        // Sessions waiting to resume hold no WebSocket, so the upgrade did not count them.
        onHelloRequest: () => this.#sessionRoom(connection, log),
        randomBytes: (length) => randomBytes(length),
        allocate: (length) => Buffer.allocUnsafe(length),
        ...(this.#maxStreamWindow === undefined ? {} : { maxStreamWindow: this.#maxStreamWindow }),
        onOpen: (stream, frame) => this.#onOpen(connection, log, stream, frame),
        // Auto-tuning stays within the session's budget (limits.ts WindowBudget).
        onWindowGrow: (stream, from, to) => connection.budget.grow(stream.id, connection.session.streamCount, from, to),
        // The page's dns module: answered under the session's connect policy (dns-bridge.ts).
        onQuery: (stream, frame) => {
          if (this.#closing) return GOING_AWAY;
          if (!this.#takeOpen(connection, log)) return { ...openRateError(this.#gatewayLimits), syscall: frame.rrtype === 'lookup' ? 'getaddrinfo' : 'query' };
          if (Date.now() >= connection.expiresAt) {
            return wireError({ code: SockwayErrorCode.Unauthorized, message: 'the session\'s token has expired; reconnect with a new token' });
          }
          return answerQuery(stream, frame, {
            policy: connection.policy,
            resolver: connection.resolver,
            dialSlots: connection.dialSlots,
            timeout: this.#gatewayLimits.queryTimeout,
            log,
          });
        },
        onListen: (stream, frame) => {
          if (!this.#takeOpen(connection, log)) return { ...openRateError(this.#gatewayLimits), syscall: 'listen' };
          const decision = connection.policy.checkListen({ host: frame.host, port: frame.port });
          if (!decision.allowed) {
            log({ level: 'warn', event: 'listen-denied', stream: stream.id, host: frame.host, port: frame.port, reason: decision.reason });
            return deniedListenError(frame.host, frame.port);
          }
          return this.#onListen(connection, log, stream, frame);
        },
        onReady: () => {
          clearTimer(connection.handshakeTimer);
          connection.handshakeTimer = null;
          this.#bySessionId.set(Buffer.from(connection.session.sessionId).toString('hex'), connection);
          // The id is a secret (it names the session for RESUME): logs get a tag derived from it.
          log({ level: 'info', event: 'session-ready', sessionTag: sessionTag(connection.session.sessionId) });
        },
        onClose: (error) => this.#onSessionClose(connection, error, openedAt),
      });
    } catch (error) {
      account.close();
      log({ level: 'error', event: 'internal-error', where: 'session', error: String(error) });
      ws.terminate();
      return;
    }
    connection = {
      id,
      transport,
      session,
      graceTimer: null,
      bridges,
      listeners: new Set(),
      policy: admitted.policy,
      budget: new WindowBudget(limits.maxSessionBufferedBytes, this.#limits.streamWindow),
      clientKey: clientKey(admitted.clientAddress, limits.ipv6ClientPrefix),
      dialSlots: new DialSlots(limits.maxPendingOpens),
      resolver: this.#resolver.forSession(),
      opens: new TokenBucket(limits.openRate, limits.openBurst),
      tlsCpu: new TokenBucket(TLS_CPU.sessionRate, TLS_CPU.sessionBurst),
      expiresAt: admitted.expiresAt,
      alive: true,
      idleSince: Date.now(),
      handshakeTimer: null,
      idleTimer: null,
      expiryTimer: null,
    };
    this.#connections.add(connection);
    log({
      level: 'info',
      event: 'session-open',
      clientAddress: admitted.clientAddress,
      ...(admitted.origin === undefined ? {} : { origin: admitted.origin.slice(0, 200) }),
      ...(admitted.subject === undefined ? {} : { subject: admitted.subject }),
      ...(admitted.expiresAt === Infinity ? {} : { expiresAt: new Date(admitted.expiresAt).toISOString() }),
    });
    if (session.state !== 'closed' && session.version === 0) {
      connection.handshakeTimer = setTimeout(() => {
        connection.handshakeTimer = null;
        log({ level: 'warn', event: 'handshake-timeout', timeoutMs: limits.handshakeTimeout });
        session.close(wireError({ code: SockwayErrorCode.Protocol, message: `no HELLO within ${limits.handshakeTimeout} ms` }), CloseCode.ProtocolError);
      }, limits.handshakeTimeout);
      connection.handshakeTimer.unref();
    }
    if (admitted.expiresAt !== Infinity) {
      const delay = admitted.expiresAt - Date.now();
      // Longer than a timer can wait: OPENs still check the expiry themselves.
      if (delay <= 0x7fff_ffff) {
        connection.expiryTimer = setTimeout(() => {
          connection.expiryTimer = null;
          this.#onExpired(connection);
        }, Math.max(0, delay));
        connection.expiryTimer.unref();
      }
    }
    this.#armIdle(connection);
    this.#startHeartbeat();
  }

  /** One OPEN: expiry, open rate, then the bridge (policy; DNS and TCP once a dial slot is free). */
  #onOpen(connection: Connection, log: (entry: GatewayLogEntry) => void, stream: Parameters<typeof openTcpBridge>[0], frame: Parameters<typeof openTcpBridge>[1]): TcpBridge | WireError {
    if (this.#closing) return GOING_AWAY;
    const limits = this.#gatewayLimits;
    if (Date.now() >= connection.expiresAt) {
      log({ level: 'warn', event: 'stream-refused', stream: stream.id, code: SockwayErrorCode.Unauthorized, reason: 'the session token has expired' });
      queueMicrotask(() => this.#onExpired(connection));
      return wireError({ code: SockwayErrorCode.Unauthorized, syscall: 'connect', message: 'the session\'s token has expired; reconnect with a new token' });
    }
    if (!this.#takeOpen(connection, log)) return openRateError(limits);
    // A descriptor before the dial: past the budget, SOCKWAY_ERR_LIMIT rather than EMFILE for everyone.
    const fd = this.#fds.take(connection.clientKey);
    if (!fd.ok) {
      log({ level: 'warn', event: 'stream-refused', stream: stream.id, code: SockwayErrorCode.Limit, reason: fd.full === 'gateway' ? `${this.#fds.total} TCP sockets (maxTcpSockets ${this.#fds.max})` : `${this.#fds.held(connection.clientKey)} TCP sockets for this client (maxTcpSocketsPerClient ${this.#fds.perClient})` });
      return socketLimitError('connect', frame.host, frame.port, fd.full);
    }
    const result = openTcpBridge(stream, frame, this.#relayOptions(connection, log));
    if (result instanceof TcpBridge) this.#addBridge(connection, result, fd.release);
    else fd.release();
    return result;
  }

  /** One OPEN, LISTEN or QUERY against the session's open rate; false (logged) when over it. */
  #takeOpen(connection: Connection, log: (entry: GatewayLogEntry) => void): boolean {
    if (connection.opens.take()) return true;
    const limits = this.#gatewayLimits;
    log({ level: 'warn', event: 'rate-limit', what: 'open', limit: limits.openRate, burst: limits.openBurst, action: 'reset' });
    return false;
  }

  /** How a session's TCP sockets are relayed, dialed (OPEN) or accepted (LISTEN). */
  #relayOptions(connection: Connection, log: (entry: GatewayLogEntry) => void): TcpBridgeOptions {
    const bridges = connection.bridges;
    return {
      policy: connection.policy,
      connectTimeout: this.#connectTimeout,
      idleTimeout: this.#gatewayLimits.streamIdleTimeout,
      budget: connection.budget,
      dialSlots: connection.dialSlots,
      tlsCpu: [connection.tlsCpu, this.#tlsCpu],
      lookup: connection.resolver.lookup,
      log,
      onDone: (bridge) => {
        if (bridges.delete(bridge)) this.#liveBridges -= 1;
        this.#releaseFd(bridge);
        this.#afterStreamGone(connection);
      },
    };
  }

  /** `fd`: the bridge's share of the descriptor budget; an accepted socket is charged here. */
  #addBridge(connection: Connection, bridge: TcpBridge, fd: () => void = this.#fds.charge(connection.clientKey)): void {
    connection.bridges.add(bridge);
    this.#fdLeases.set(bridge, fd);
    this.#liveBridges += 1;
    clearTimer(connection.idleTimer);
    connection.idleTimer = null;
  }

  #releaseFd(owner: TcpBridge | ListenBridge): void {
    this.#fdLeases.get(owner)?.();
    this.#fdLeases.delete(owner);
  }

  /** A bridge or listener finished: a session left without any may idle out (or expire). */
  #afterStreamGone(connection: Connection): void {
    if (connection.bridges.size === 0 && connection.listeners.size === 0) {
      connection.idleSince = Date.now();
      // Draining (close() with drainTimeout): the last stream is done, so is the session.
      if (this.#closing && this.#connections.has(connection)) {
        connection.session.close(GOING_AWAY, CloseCode.GoingAway);
        this.#checkReleased();
        return;
      }
      if (Date.now() >= connection.expiresAt) this.#closeIfExpired(connection);
      else this.#armIdle(connection);
    }
    this.#checkReleased();
  }

  /** One LISTEN the policy allowed: expiry, the listener limit, then the bind (listen-bridge.ts). */
  #onListen(connection: Connection, log: (entry: GatewayLogEntry) => void, stream: Parameters<typeof openListenBridge>[0], frame: Parameters<typeof openListenBridge>[1]): ListenBridge | WireError {
    if (this.#closing) return GOING_AWAY;
    if (Date.now() >= connection.expiresAt) {
      return wireError({ code: SockwayErrorCode.Unauthorized, syscall: 'listen', message: 'the session\'s token has expired; reconnect with a new token' });
    }
    const max = this.#gatewayLimits.maxListeners;
    if (connection.listeners.size >= max) {
      log({ level: 'warn', event: 'stream-refused', stream: stream.id, code: SockwayErrorCode.Limit, reason: `${connection.listeners.size} listeners` });
      return wireError({ code: SockwayErrorCode.Limit, syscall: 'listen', address: frame.host, port: frame.port, message: `too many listeners on this session (limit ${max}); close one first` });
    }
    const fd = this.#fds.take(connection.clientKey);
    if (!fd.ok) {
      log({ level: 'warn', event: 'stream-refused', stream: stream.id, code: SockwayErrorCode.Limit, reason: `TCP socket budget (${fd.full})` });
      return socketLimitError('listen', frame.host, frame.port, fd.full);
    }
    const result = openListenBridge(stream, frame, {
      session: connection.session,
      relay: this.#relayOptions(connection, log),
      onAccepted: (bridge) => this.#addBridge(connection, bridge),
      log,
      onDone: (listener) => {
        connection.listeners.delete(listener);
        this.#releaseFd(listener);
        this.#afterStreamGone(connection);
      },
    });
    if (result instanceof ListenBridge) {
      this.#fdLeases.set(result, fd.release);
      connection.listeners.add(result);
      clearTimer(connection.idleTimer);
      connection.idleTimer = null;
    } else {
      fd.release();
    }
    return result;
  }

  /** Starts the idle-session timer (the session has no streams). */
  #armIdle(connection: Connection): void {
    const ms = this.#gatewayLimits.sessionIdleTimeout;
    // A bridge may finish after its session closed: no timer for a dead session.
    if (ms === 0 || connection.idleTimer !== null || connection.bridges.size > 0 || connection.listeners.size > 0 || !this.#connections.has(connection)) return;
    connection.idleTimer = setTimeout(() => {
      connection.idleTimer = null;
      if (connection.bridges.size > 0 || connection.listeners.size > 0 || !this.#connections.has(connection)) return;
      this.#log({ level: 'info', event: 'session-idle-timeout', session: connection.id, idleMs: ms });
      connection.session.close(
        wireError({ code: SockwayErrorCode.IdleTimeout, message: `the gateway closed the session after ${ms} ms without streams` }),
        CloseCode.Normal,
      );
    }, ms);
    connection.idleTimer.unref();
  }

  /**
   * The session's token has expired: its listeners stop (an accepted connection would be
   * a new stream, which the token no longer grants), its open streams may finish, and the
   * session closes once it has none.
   */
  #onExpired(connection: Connection): void {
    if (connection.listeners.size > 0) this.#log({ level: 'info', event: 'listeners-expired', session: connection.id, listeners: connection.listeners.size });
    for (const listener of [...connection.listeners]) listener.destroy(EXPIRED_LISTEN);
    this.#closeIfExpired(connection);
  }

  /** The session's token has expired: close it once it carries no stream (its streams may finish). */
  #closeIfExpired(connection: Connection): void {
    if (connection.bridges.size > 0 || connection.listeners.size > 0 || !this.#connections.has(connection)) return;
    this.#log({ level: 'info', event: 'session-expired', session: connection.id });
    connection.session.close(
      wireError({ code: SockwayErrorCode.Unauthorized, message: 'the session\'s token has expired; reconnect with a new token' }),
      CloseCode.PolicyViolation,
    );
  }

  /**
   * A RESUME arrived on `fresh`'s new WebSocket. Finds the session it names and lets it
   * check the token and take the WebSocket over (`taken`, `transport` beneath it).
   * Returns the resumed session's record, or why not (answered with GOAWAY).
   */
  #resume(fresh: Connection, frame: ResumeFrame, taken: Parameters<Session['resumeWith']>[0], transport: WsTransport, log: (entry: GatewayLogEntry) => void): Connection | WireError {
    const target = this.#bySessionId.get(Buffer.from(frame.sessionId).toString('hex'));
    if (target === undefined || target === fresh || this.#closing) {
      const reason = this.#closing ? 'the gateway is shutting down' : RESUME_REFUSED;
      log({ level: 'warn', event: 'resume-refused', reason });
      return wireError({ code: SockwayErrorCode.ResumeFailed, message: reason });
    }
    const refused = target.session.resumeWith(taken, frame);
    if (refused !== null) {
      log({ level: 'warn', event: 'resume-refused', reason: refused.message });
      return refused;
    }
    // The new WebSocket's record is dropped: its session handed the socket over.
    this.#connections.delete(fresh);
    stopSessionTimers(fresh);
    this.#stopGraceTimer(target);
    target.transport = transport;
    // target.clientKey stays the client that created the session: resuming it from
    // another address must not free a slot of the creator's maxSessionsPerClient.
    target.alive = true;
    this.#log({ level: 'info', event: 'session-resumed', session: target.id, on: fresh.id });
    return target;
  }

  /**
   * A HELLO on `fresh`: room for one more session, counting those waiting to resume (a
   * client cannot hold more than its limit by dropping its WebSockets). RESUME is not
   * counted: it takes over a session already counted.
   */
  #sessionRoom(fresh: Connection, log: (entry: GatewayLogEntry) => void): { error: WireError; closeCode: number } | null {
    const limits = this.#gatewayLimits;
    let total = 0;
    let sameClient = 0;
    for (const connection of this.#connections) {
      // Sessions on their way out (evicted, closing) no longer count.
      if (connection === fresh || connection.session.version === 0 || connection.session.state !== 'open') continue;
      total += 1;
      if (connection.clientKey === fresh.clientKey) sameClient += 1;
    }
    if (total < limits.maxSessions && sameClient < limits.maxSessionsPerClient) return null;
    if (total >= limits.maxSessions && sameClient < limits.maxSessionsPerClient && this.#evictFor(sameClient, (connection) => connection !== fresh)) return null;
    const message = total >= limits.maxSessions
      ? `the gateway has its maximum of ${limits.maxSessions} sessions; try again later`
      : `too many sessions from this client (limit ${limits.maxSessionsPerClient}), counting those waiting to resume; close one or try again later`;
    log({ level: 'warn', event: 'session-refused', code: SockwayErrorCode.Limit, reason: message });
    return { error: wireError({ code: SockwayErrorCode.Limit, message }), closeCode: TRY_AGAIN_LATER };
  }

  /**
   * The memory budget is used up (a session had to stop reading). Sessions waiting to
   * resume cannot acknowledge anything, so what they hold beyond their reserve is stuck
   * until their client returns: they are ended first, largest first, until there is room.
   * Live sessions come before resumability; the client learns it on RESUME.
   */
  #relievePressure(): void {
    if (this.#relieving) return;
    this.#relieving = true;
    // Not from inside the session that asked (its write() is on the stack).
    queueMicrotask(() => {
      this.#relieving = false;
      const detached = [...this.#connections]
        .filter((connection) => connection.session.detached && connection.session.state === 'open')
        .map((connection) => ({ connection, held: connection.session.sessionStats().replayBytes + queuedOf(connection) }))
        .filter(({ held }) => held > this.#memory.reserve)
        .sort((a, b) => b.held - a.held);
      for (const { connection, held } of detached) {
        if (this.#memory.hasRoom) break;
        this.#log({ level: 'warn', event: 'memory-pressure', session: connection.id, heldBytes: held, budget: this.#memory.limit, action: 'end-detached' });
        connection.session.close(
          wireError({ code: SockwayErrorCode.ResumeFailed, message: 'the gateway needed the memory this session held while it waited to be resumed' }),
          CloseCode.GoingAway,
        );
      }
    });
  }

  /**
   * Fair admission (eviction.ts): the gateway is full and a client holding `held` sessions
   * asks for one more. Ends the longest-idle session without streams of a client holding
   * at least two more (among those `eligible`), with GOAWAY SOCKWAY_ERR_IDLE_TIMEOUT: its
   * client reconnects on its next connect(). False when there is none to end.
   */
  #evictFor(held: number, eligible: (connection: Connection) => boolean): boolean {
    const candidates: { connection: Connection; clientKey: string; evictable: boolean; idleSince: number }[] = [];
    for (const connection of this.#connections) {
      if (connection.session.version === 0 || connection.session.state !== 'open' || !eligible(connection)) continue;
      candidates.push({
        connection,
        clientKey: connection.clientKey,
        evictable: connection.bridges.size === 0 && connection.listeners.size === 0,
        idleSince: connection.idleSince,
      });
    }
    const victim = pickEviction(candidates, held)?.connection;
    if (victim === undefined) return false;
    const max = this.#gatewayLimits.maxSessions;
    this.#log({ level: 'warn', event: 'session-evicted', session: victim.id, idleMs: Date.now() - victim.idleSince, reason: `the gateway is at its maximum of ${max} sessions; another client's session was admitted` });
    victim.session.close(
      wireError({ code: SockwayErrorCode.IdleTimeout, message: `the gateway closed this idle session to admit another client (it is at its maximum of ${max} sessions)` }),
      CloseCode.Normal,
    );
    return true;
  }

  /** Ends the wait for a detached session's client (it resumed, or the session is over). */
  #stopGraceTimer(connection: Connection): void {
    if (connection.graceTimer === null) return;
    clearTimeout(connection.graceTimer);
    connection.graceTimer = null;
    this.#graceTimers -= 1;
  }

  /** The WebSocket of a resumable session dropped: keep it for the grace period. */
  #onDetach(connection: Connection, code: number): void {
    this.#log({ level: 'info', event: 'session-detached', session: connection.id, code, graceMs: this.#resumeGracePeriod });
    if (this.#closing) {
      connection.session.close(GOING_AWAY, CloseCode.GoingAway);
      return;
    }
    // Close code 1001 from the client is the browser's own as a page or worker goes away
    // (tab closed, navigation): nobody will resume, so its TCP sockets go now, not after the
    // grace period. (A dropped link shows as 1006; the tunnel never sends 1001.)
    if (code === CloseCode.GoingAway) {
      connection.session.close(wireError({ code: SockwayErrorCode.GoingAway, message: 'the client went away (its page or worker closed)' }), CloseCode.GoingAway);
      return;
    }
    if (connection.graceTimer !== null) return;
    this.#graceTimers += 1;
    connection.graceTimer = setTimeout(() => {
      connection.graceTimer = null;
      this.#graceTimers -= 1;
      this.#log({ level: 'info', event: 'session-resume-timeout', session: connection.id, graceMs: this.#resumeGracePeriod });
      connection.session.close(
        wireError({ code: SockwayErrorCode.ResumeFailed, message: `the client did not resume the session within ${this.#resumeGracePeriod} ms` }),
        CloseCode.GoingAway,
      );
    }, this.#resumeGracePeriod);
    connection.graceTimer.unref();
  }

  #onSessionClose(connection: Connection, error: WireError | null, openedAt: number): void {
    if (!this.#connections.delete(connection)) return;
    const sessionId = Buffer.from(connection.session.sessionId).toString('hex');
    if (this.#bySessionId.get(sessionId) === connection) this.#bySessionId.delete(sessionId);
    this.#replayPeak = Math.max(this.#replayPeak, connection.session.sessionStats().replayPeak);
    this.#stopGraceTimer(connection);
    stopSessionTimers(connection);
    // The session already failed every stream (their bridges destroyed their sockets);
    // this is the safety net for any bridge still holding one.
    const reason = error ?? GOING_AWAY;
    for (const bridge of [...connection.bridges]) bridge.destroy(reason);
    for (const listener of [...connection.listeners]) listener.destroy(reason);
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
      if (connection.session.detached) continue;
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
    this.#resolver.cancel();
    this.#detachAll();
    const server = this.#ownServer;
    const serverClosed = server === null || !this.#ownServerOpen
      ? Promise.resolve()
      : new Promise<void>((resolve) => server.close(() => resolve()));
    server?.closeIdleConnections();
    const released = new Promise<void>((resolve) => {
      this.#released = resolve;
    });
    for (const connection of [...this.#connections]) {
      const session = connection.session;
      // Graceful drain: GOAWAY now, close once the streams are done or the deadline passes.
      if (this.#drainTimeout > 0 && !session.detached && session.streamCount > 0 && session.version > 0) {
        for (const listener of [...connection.listeners]) listener.destroy(GOING_AWAY);
        session.goAway(GOING_AWAY);
      } else {
        session.close(GOING_AWAY, CloseCode.GoingAway);
      }
    }
    if (this.#connections.size > 0 && this.#drainTimeout > 0) {
      this.#drainTimer = setTimeout(() => {
        this.#drainTimer = null;
        for (const connection of [...this.#connections]) connection.session.close(GOING_AWAY, CloseCode.GoingAway);
      }, this.#drainTimeout);
    }
    this.#checkReleased();
    // Clients get closeTimeout ms to answer the close handshake; then they are dropped.
    const grace = setTimeout(() => {
      for (const connection of this.#connections) connection.transport.terminate();
      server?.closeAllConnections();
    }, this.#closeTimeout + this.#drainTimeout);
    try {
      await released;
      await serverClosed;
    } finally {
      clearTimeout(grace);
      if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
      this.#drainTimer = null;
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

/** The loggable stand-in for a session id: never the id itself, which would let a log reader resume it. */
function sessionTag(sessionId: Uint8Array): string {
  if (sessionId.length === 0) return '';
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
}

function clearTimer(timer: NodeJS.Timeout | null): void {
  if (timer !== null) clearTimeout(timer);
}

function requireAllow(allow: GatewayOptions['allow']): readonly (string | Rule)[] {
  if (allow === undefined) {
    throw codedError('ERR_INVALID_ARG_VALUE', 'createGateway() needs `allow` rules (or a `policy`): the gateway denies every destination by default');
  }
  return allow;
}

/** Stops a connection's handshake, idle-session and expiry timers. */
function stopSessionTimers(connection: Connection): void {
  clearTimer(connection.handshakeTimer);
  clearTimer(connection.idleTimer);
  clearTimer(connection.expiryTimer);
  connection.handshakeTimer = null;
  connection.idleTimer = null;
  connection.expiryTimer = null;
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

/** Bytes a session's streams have queued towards its page. */
function queuedOf(connection: Connection): number {
  let queued = 0;
  for (const stream of connection.session.streams()) queued += stream.queuedBytes;
  return queued;
}
