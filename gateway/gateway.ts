/**
 * The gateway: accepts WebSockets on one path (http-endpoint.ts), admits them
 * (admission.ts: Origin, session limits, authentication), runs one Connection per
 * WebSocket (connection.ts: a gateway-role Session whose OPENs become TCP bridges under
 * the session's effective policy and limits), keeps dropped sessions for their clients to
 * resume (resume-registry.ts), and shuts it all down. It can own its HTTP server (listen)
 * or share an application's (attach). @see SECURITY.md
 *
 *   upgrade ─ path ─ Origin (403) ─ session slots (GOAWAY LIMIT) ─ authenticate (GOAWAY UNAUTHORIZED) ─ Connection
 *   OPEN ─ token expiry ─ open rate ─ policy (gateway ∩ session) ─ dial slot (pending opens) ─ DNS, TCP
 */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { codedError } from '../shared/errors.ts';
import { CloseCode } from '../shared/transport.ts';
import { ADMIN_PATHS, AdminServer, type AdminPath, type AdminSource, type Readiness, answerAdmin } from './admin-endpoint.ts';
import { Admission, type Admitted, GOING_AWAY, type UpgradeSocket } from './admission.ts';
import { encodeFrame } from '../shared/frame.ts';
import type { GatewayWebSocket } from './ws-transport.ts';
import { compileOptions } from './compile-options.ts';
import { Connection, type ConnectionContext } from './connection.ts';
import { FdBudget } from './fd-budget.ts';
import { HttpEndpoint } from './http-endpoint.ts';
import { type GatewayLimits, TLS_CPU, TokenBucket } from './limits.ts';
import { checkPath } from './option-types.ts';
import { DEFAULT_RESERVE, MemoryBudget } from './memory-budget.ts';
import { GatewayMetrics, type MetricsSnapshot } from './metrics.ts';
import { type ReplaceablePolicy, replaceablePolicy } from './policy.ts';
import { keepOptions, planReload } from './reload-plan.ts';
import { type GatewayResolver, createGatewayResolver } from './resolver.ts';
import { ResumeRegistry, sessionTag } from './resume-registry.ts';
import type { AdminListenOptions, AttachOptions, Gateway, GatewayOptions, GatewayReloadResult, GatewayStats, GatewayStreamStats, ListenOptions } from './gateway-api.ts';
import type { GatewayLogEntry } from './gateway-log.ts';

export type { AdminListenOptions, AttachOptions, Gateway, GatewayOptions, GatewayReloadResult, GatewayStats, GatewayStreamStats, ListenOptions } from './gateway-api.ts';
export type { Readiness } from './admin-endpoint.ts';
export type { GatewayLogEntry } from './gateway-log.ts';
export type { LookupAll } from './tcp-bridge.ts';

/** RFC 6455 close code 1013, Try Again Later: a routed WebSocket refused with HTTP 503 (draining). */
const TRY_AGAIN_LATER = 1013;

/** ms a session detached when the drain began may take to resume (then it drains); past it, it ends. */
const DRAIN_RESUME_WINDOW = 3_000;

/** Creates a gateway; throws for invalid options (bad rules, limits, paths). */
export function createGateway(options: GatewayOptions): Gateway {
  return new GatewayServer(options);
}

class GatewayServer implements Gateway {
  readonly #keepaliveInterval: number;
  readonly #closeTimeout: number;
  #drainTimeout: number;
  /** Draining: ends the sessions still waiting for their client after DRAIN_RESUME_WINDOW. */
  #detachedTimer: NodeJS.Timeout | null = null;
  /** The options in force (reload() compares the next ones with these). */
  #options: GatewayOptions;
  /** The gateway's policy: reload() replaces its rules, sessions hold the object. */
  readonly #policy: ReplaceablePolicy;
  /** The limits in force; reload() replaces the object (RELOADABLE_OPTIONS). */
  #limits: GatewayLimits;
  readonly #resolver: GatewayResolver;
  readonly #logSink: ((entry: GatewayLogEntry) => void) | undefined;
  readonly #endpoint: HttpEndpoint;
  readonly #admission: Admission;
  readonly #registry: ResumeRegistry;
  /** What all sessions hold towards pages (memory-budget.ts). */
  readonly #memory: MemoryBudget;
  readonly #context: ConnectionContext;
  readonly #metrics: GatewayMetrics;
  readonly #resolverSlots: GatewayResolver['slots'];
  /** What the health, readiness and metrics endpoints read. */
  readonly #adminSource: AdminSource;
  #admin: AdminServer | null = null;
  readonly #connections = new Set<Connection>();
  #nextConnectionId = 1;
  /** TCP sockets of streams, until each bridge is done (close() waits for them). */
  #liveBridges = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  #drainTimer: NodeJS.Timeout | null = null;
  #closing = false;
  #closed: Promise<void> | null = null;
  #released: (() => void) | null = null;

  constructor(options: GatewayOptions) {
    // ---- the options, resolved and validated (options-schema.ts) ----
    const compiled = compileOptions(options);
    const { policy, authenticate, originAllowed } = compiled;
    const { gatewayLimits, limits, trustProxy, maxPendingPerPeer, path, connectTimeout, maxStreamWindow, keepaliveInterval, closeTimeout, resumeGracePeriod, drainTimeout, maxReplayBytes, instance } = compiled.resolved;

    // ---- the parts ----
    this.#options = options;
    this.#policy = replaceablePolicy(policy);
    this.#limits = gatewayLimits;
    this.#keepaliveInterval = keepaliveInterval;
    this.#closeTimeout = closeTimeout;
    this.#drainTimeout = drainTimeout;
    this.#logSink = options.log;
    // The reserves of a full gateway fit in the budget.
    this.#memory = new MemoryBudget({
      limit: gatewayLimits.memoryBudget,
      reserve: Math.min(DEFAULT_RESERVE, Math.floor(gatewayLimits.memoryBudget / gatewayLimits.maxSessions)),
      onPressure: () => this.#registry.relievePressure(),
    });
    const fds = new FdBudget(gatewayLimits.maxTcpSockets, gatewayLimits.maxTcpSocketsPerClient);
    this.#resolver = createGatewayResolver({
      servers: options.dnsServers,
      lookup: options.lookup,
      maxLookups: gatewayLimits.maxDnsLookups,
      maxWait: connectTimeout,
    });
    const log = (entry: GatewayLogEntry): void => this.#log(entry);
    const closing = (): boolean => this.#closing;
    const connections = (): Iterable<Connection> => this.#connections;
    const metrics = new GatewayMetrics(() => this.#snapshot());
    this.#metrics = metrics;
    this.#resolverSlots = this.#resolver.slots;
    this.#adminSource = { readiness: () => this.readiness(), registry: () => metrics.registry };
    this.#endpoint = new HttpEndpoint({ path, limits: gatewayLimits, maxPendingPerPeer, closeTimeout, log, instance, onUpgrade: (request, socket, head) => this.#onUpgrade(request, socket, head) });
    this.#registry = new ResumeRegistry({ gracePeriod: resumeGracePeriod, maxReplayBytes, memory: this.#memory, connections, instance, closing, metrics });
    const holdsRoute = (routeKey: string): boolean => this.#registry.holdsRoute(routeKey);
    this.#admission = new Admission({ policy: this.#policy, limits: gatewayLimits, authenticate, originAllowed, trustProxy, fds, sessions: connections, closing, holdsRoute, log, metrics });
    const current = (): GatewayLimits => this.#limits;
    this.#context = {
      // Read when a session or stream starts: a reload reaches the next ones.
      get limits() {
        return current();
      },
      sessionLimits: limits,
      connectTimeout,
      maxStreamWindow,
      admission: this.#admission,
      registry: this.#registry,
      memory: this.#memory,
      fds,
      resolver: this.#resolver,
      connect: options.connect,
      tlsCpu: new TokenBucket(TLS_CPU.gatewayRate, TLS_CPU.gatewayBurst),
      closing,
      log,
      metrics,
      countBridge: (delta) => {
        this.#liveBridges += delta;
      },
      ended: (connection) => this.#onEnded(connection),
      checkReleased: () => this.#checkReleased(),
    };
  }

  get sessions(): number {
    return this.#connections.size;
  }

  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.#closing) return Promise.reject(codedError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed'));
    if (this.#endpoint.listening) return Promise.reject(codedError('ERR_SERVER_ALREADY_LISTEN', 'gateway.listen() was already called'));
    // The health and readiness probes, and the metrics if asked; none once an admin server has them.
    const paths = new Set<AdminPath>(options.metrics === true ? Object.values(ADMIN_PATHS) : [ADMIN_PATHS.health, ADMIN_PATHS.ready]);
    if (options.metrics === true) this.#metrics.start();
    const none = new Set<AdminPath>();
    return this.#endpoint.listen(options.port ?? 0, options.host ?? '127.0.0.1', (request, response) =>
      answerAdmin(request, response, this.#admin === null ? paths : none, this.#adminSource));
  }

  listenAdmin(options: AdminListenOptions = {}): Promise<AddressInfo> {
    if (this.#closing) return Promise.reject(codedError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed'));
    if (this.#admin !== null) return Promise.reject(codedError('ERR_SERVER_ALREADY_LISTEN', 'gateway.listenAdmin() was already called'));
    this.#metrics.start();
    const admin = new AdminServer(this.#adminSource, (entry) => this.#log(entry));
    this.#admin = admin;
    return admin.listen(options.port ?? 0, options.host ?? '127.0.0.1').then((address) => {
      this.#log({ level: 'info', event: 'admin-listening', address: address.address, port: address.port });
      return address;
    }, (error: unknown) => {
      this.#admin = null;
      throw error;
    });
  }

  readiness(): Readiness {
    if (this.#closing) return { ready: false, reason: 'draining: the gateway is shutting down' };
    if (this.#admission.atSessionLimit) return { ready: false, reason: 'at its session limit' };
    return { ready: true };
  }

  get metricsRegistry(): Registry {
    return this.#metrics.registry;
  }

  attach(server: http.Server, options: AttachOptions = {}): void {
    if (this.#closing) throw codedError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed');
    if (this.#endpoint.isAttachedTo(server)) throw codedError('ERR_INVALID_ARG_VALUE', 'the gateway is already attached to this server');
    this.#endpoint.attach(server, checkPath(options.path ?? this.#endpoint.path, 'path'));
  }

  reload(options: GatewayOptions): GatewayReloadResult {
    if (this.#closing) throw codedError('ERR_SERVER_NOT_RUNNING', 'the gateway is closed');
    // Everything is built and checked before anything changes: an invalid option throws and the gateway runs on as it was.
    const compiled = compileOptions(options);
    const { changed, refused, limits } = planReload({ running: this.#options, next: options, compiled: compiled.resolved, limits: this.#limits, memory: this.#memory });
    const applied = new Set(changed);
    this.#limits = limits;
    this.#policy.replace(compiled.policy);
    this.#drainTimeout = applied.has('drainTimeout') ? compiled.resolved.drainTimeout : this.#drainTimeout;
    this.#admission.reconfigure({ limits: this.#limits, authenticate: compiled.authenticate, originAllowed: compiled.originAllowed });
    this.#options = keepOptions(options, this.#options, refused.map(({ option }) => option));
    if (refused.length > 0) this.#log({ level: 'warn', event: 'config-reload-refused', refused });
    this.#log({ level: 'info', event: 'config-reloaded', changed });
    return { changed, refused };
  }

  stats(): GatewayStats {
    const streams: GatewayStreamStats[] = [];
    let listeners = 0;
    for (const connection of this.#connections) {
      const tag = sessionTag(connection.session.sessionId);
      for (const bridge of connection.bridges) {
        streams.push({ session: connection.id, sessionTag: tag, ...bridge.stream.stats(), ...bridge.info() });
      }
      listeners += connection.listeners.size;
    }
    const resume = this.#registry.stats();
    return {
      sessions: this.#connections.size,
      streams,
      detachedSessions: resume.detachedSessions,
      tcpSockets: this.#liveBridges,
      listeners,
      timers: resume.timers + (this.#drainTimer === null ? 0 : 1) + (this.#detachedTimer === null ? 0 : 1),
      replayBytes: resume.replayBytes,
      replayPeak: resume.replayPeak,
      heldBytes: this.#memory.held,
      heldPeak: this.#memory.peak,
      memoryBudget: this.#memory.limit,
      resumes: resume.resumes,
    };
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  /** What the metrics read at scrape (metrics.ts). */
  #snapshot(): MetricsSnapshot {
    let streams = 0;
    let listeners = 0;
    let liveBytesIn = 0;
    let liveBytesOut = 0;
    for (const connection of this.#connections) {
      listeners += connection.listeners.size;
      for (const bridge of connection.bridges) {
        const stats = bridge.stream.stats();
        streams += 1;
        liveBytesIn += stats.bytesReceived;
        liveBytesOut += stats.bytesSent;
      }
    }
    const resume = this.#registry.stats();
    return {
      sessions: this.#connections.size,
      detachedSessions: resume.detachedSessions,
      streams,
      listeners,
      tcpSockets: this.#liveBridges,
      liveBytesIn,
      liveBytesOut,
      replayBytes: resume.replayBytes,
      resumes: resume.resumes,
      heldBytes: this.#memory.held,
      memoryBudget: this.#memory.limit,
      dnsQueries: this.#resolverSlots.started,
      dnsInFlight: this.#resolverSlots.active,
    };
  }

  // ---- sessions ----

  /** An upgrade on a served path: admission decides, then the WebSocket handshake or the refusal. */
  #onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#admission.upgrade(request, socket, (verdict) => {
      if (!('policy' in verdict)) {
        this.#endpoint.refuse(request, socket, verdict);
        return;
      }
      this.#endpoint.upgrade(request, socket, head, (ws) => this.#serve(ws, verdict));
    });
  }

  serveWebSocket(ws: GatewayWebSocket, request: http.IncomingMessage): void {
    // The slot admission holds lasts as long as the WebSocket, as for an upgrade's TCP socket.
    const slot: UpgradeSocket = {
      get destroyed() {
        return ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED;
      },
      destroy: () => ws.terminate(),
      once: (_event, listener) => ws.once('close', listener),
    };
    this.#admission.upgrade(request, slot, (verdict) => {
      if ('policy' in verdict) {
        this.#serve(ws, verdict);
        return;
      }
      if ('status' in verdict) {
        ws.close(verdict.status === 403 ? CloseCode.PolicyViolation : TRY_AGAIN_LATER, verdict.text);
        return;
      }
      ws.send(encodeFrame({ type: 'goaway', streamId: 0, lastStreamId: 0, error: verdict.error }), { binary: true }, () => {});
      ws.close(verdict.closeCode, verdict.error.message.slice(0, 100));
    });
  }

  #serve(ws: GatewayWebSocket, admitted: Admitted): void {
    try {
      this.#onWebSocket(ws, admitted);
    } catch (error) {
      this.#log({ level: 'error', event: 'internal-error', where: 'connection', error: String(error) });
      ws.terminate();
    }
  }

  #onWebSocket(ws: GatewayWebSocket, admitted: Admitted): void {
    // Draining: only a resume of one of its sessions (admission.ts) gets a connection.
    if (this.#closing && (admitted.routeKey === undefined || !this.#registry.holdsRoute(admitted.routeKey))) {
      ws.close(CloseCode.GoingAway, GOING_AWAY.message);
      return;
    }
    const id = this.#nextConnectionId++;
    let connection: Connection;
    try {
      connection = new Connection(ws, admitted, id, this.#context);
    } catch (error) {
      this.#log({ level: 'error', event: 'internal-error', where: 'session', error: String(error), session: id });
      ws.terminate();
      return;
    }
    // A session can end while it is created (its WebSocket already gone): nothing to keep.
    if (connection.ended) return;
    this.#connections.add(connection);
    this.#startHeartbeat();
  }

  /** A connection is over (its session closed, or its WebSocket resumed another session). */
  #onEnded(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
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
      if (connection.detached) continue;
      if (!connection.link.beat()) connection.log({ level: 'warn', event: 'keepalive-timeout', intervalMs: this.#keepaliveInterval });
    }
  }

  // ---- shutdown ----

  async #shutdown(): Promise<void> {
    this.#closing = true;
    this.#stopHeartbeat();
    this.#resolver.cancel();
    const draining = this.#drainTimeout > 0;
    // Draining, the port stays open until the sessions are done: new sessions get an HTTP
    // 503 (a load balancer tries another instance), the resumes of its own get in.
    const serverClosed = draining ? null : this.#endpoint.close();
    const released = new Promise<void>((resolve) => {
      this.#released = resolve;
    });
    let streams = 0;
    for (const connection of this.#connections) streams += connection.bridges.size;
    this.#log({
      level: 'info',
      event: 'draining',
      streams,
      sessions: this.#connections.size,
      deadline: new Date(Date.now() + this.#drainTimeout).toISOString(),
      timeoutMs: this.#drainTimeout,
    });
    for (const connection of [...this.#connections]) {
      // Graceful drain: GOAWAY now, close once the streams are done or the deadline passes. A
      // session waiting for its client keeps waiting: resumed, it drains (resume-registry.ts).
      if (!draining) connection.session.close(GOING_AWAY, CloseCode.GoingAway);
      else if (!connection.detached || connection.session.streamCount === 0) connection.drain();
    }
    if (this.#connections.size > 0 && draining) {
      this.#drainTimer = setTimeout(() => {
        this.#drainTimer = null;
        for (const connection of [...this.#connections]) connection.session.close(GOING_AWAY, CloseCode.GoingAway);
      }, this.#drainTimeout);
      // A client whose link dropped as the drain began retries within its backoff (2 s at
      // most); a session nobody resumes by then was abandoned and must not hold the shutdown.
      this.#detachedTimer = setTimeout(() => {
        this.#detachedTimer = null;
        for (const connection of [...this.#connections]) if (connection.detached) connection.session.close(GOING_AWAY, CloseCode.GoingAway);
      }, Math.min(DRAIN_RESUME_WINDOW, this.#drainTimeout));
    }
    this.#checkReleased();
    // Clients get closeTimeout ms to answer the close handshake; then they are dropped.
    const grace = setTimeout(() => {
      for (const connection of this.#connections) connection.link.transport.terminate();
      this.#endpoint.dropConnections();
    }, this.#closeTimeout + this.#drainTimeout);
    try {
      await released;
      await (serverClosed ?? this.#endpoint.close());
    } finally {
      clearTimeout(grace);
      if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
      this.#drainTimer = null;
      if (this.#detachedTimer !== null) clearTimeout(this.#detachedTimer);
      this.#detachedTimer = null;
    }
    await this.#endpoint.closeWebSockets();
    // The admin server answered "draining" until here.
    await this.#admin?.close();
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
