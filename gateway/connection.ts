/**
 * One admitted WebSocket and the gateway-role Session it carries: the handshake, idle and
 * token-expiry timers, the session's TCP bridges and listeners, and its OPEN, LISTEN and
 * QUERY handlers (each passes admission.ts first). A RESUME on a new WebSocket hands the
 * WebSocket (its Link) to the session it names (resume-registry.ts); this connection then ends.
 *
 *   OPEN ─ admission ─ policy (gateway ∩ session) ─ dial slot (pending opens) ─ DNS, TCP (tcp-bridge.ts)
 *   LISTEN ─ admission (listen policy, listener limit) ─ bind (listen-bridge.ts)
 *   QUERY ─ admission ─ name policy ─ resolver (dns-bridge.ts)
 */
import { randomBytes } from 'node:crypto';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { ListenFrame, OpenFrame, QueryFrame } from '../shared/frame.ts';
import type { Limits } from '../shared/protocol.ts';
import { type ByteAccount, Session, type SessionStream, type StreamHandler } from '../shared/session.ts';
import { CloseCode, type Timers } from '../shared/transport.ts';
import { type Admission, type AdmittedSession, type Admitted, GOING_AWAY, type RequestingSession, expiredError } from './admission.ts';
import { answerQuery } from './dns-bridge.ts';
import type { FdBudget } from './fd-budget.ts';
import { DialSlots, type GatewayLimits, GuardedTransport, TLS_CPU, TokenBucket, WindowBudget } from './limits.ts';
import { ListenBridge, openListenBridge } from './listen-bridge.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { PolicyCheck } from './policy.ts';
import type { GatewayResolver, SessionResolver } from './resolver.ts';
import { type ResumeRegistry, sessionTag } from './resume-registry.ts';
import type { GatewayLogEntry } from './gateway-log.ts';
import type { GatewayMetrics } from './metrics.ts';
import { type ConnectSocket, type TcpBridgeOptions, TcpBridge, openTcpBridge } from './tcp-bridge.ts';
import { type GatewayWebSocket, UNSUPPORTED_DATA, WsTransport } from './ws-transport.ts';

/** What a Connection needs of its gateway. */
export interface ConnectionContext {
  readonly limits: GatewayLimits;
  /** The limits WELCOME announces. */
  readonly sessionLimits: Limits;
  readonly connectTimeout: number;
  readonly maxStreamWindow: number | undefined;
  readonly admission: Admission;
  readonly registry: ResumeRegistry;
  /** What all sessions hold towards pages. */
  readonly memory: MemoryBudget;
  /** TCP sockets for streams and listeners; accepted sockets are charged to it here. */
  readonly fds: FdBudget;
  readonly resolver: GatewayResolver;
  /** The `connect` option: dials streams' TCP sockets (default net.connect). */
  readonly connect: ConnectSocket | undefined;
  /** Event-loop time all sessions' STARTTLS may take together. */
  readonly tlsCpu: TokenBucket;
  readonly closing: () => boolean;
  readonly log: (entry: GatewayLogEntry) => void;
  readonly metrics: GatewayMetrics;
  /** A stream's TCP socket came (+1) or is gone (-1). */
  readonly countBridge: (delta: 1 | -1) => void;
  /** The connection is over: its session ended, or it handed its WebSocket to a resumed one. */
  readonly ended: (connection: Connection) => void;
  /** Something close() waits for may be gone. */
  readonly checkReleased: () => void;
}

const TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** The longest a Node timer waits. */
const MAX_TIMER_MS = 0x7fff_ffff;

/**
 * One WebSocket under a session: the transport, its guard (ping flood, unread send
 * buffer) and the keepalive flag. It acts on the connection it carries, which changes
 * when a RESUME on it takes over another session.
 */
export class Link {
  readonly transport: WsTransport;
  readonly guarded: GuardedTransport;
  #carried: Connection;
  /** Heard from since the last ping. */
  #alive = true;

  constructor(ws: GatewayWebSocket, carried: Connection, limits: GatewayLimits) {
    this.#carried = carried;
    this.transport = new WsTransport(ws, {
      onTextMessage: () => this.#carried.session.close(
        wireError({ code: SockwayErrorCode.Frame, message: 'text WebSocket message: sockway frames are binary messages' }),
        UNSUPPORTED_DATA,
      ),
      onError: (error) => this.#carried.log({ level: 'warn', event: 'websocket-error', error: error.message, code: (error as { code?: unknown }).code }),
      onActivity: () => {
        this.#alive = true;
      },
    });
    this.guarded = new GuardedTransport(this.transport, {
      pingRate: limits.pingRate,
      onPingFlood: () => {
        this.#carried.log({ level: 'warn', event: 'rate-limit', what: 'ping', limit: limits.pingRate });
        this.#carried.session.close(
          wireError({ code: SockwayErrorCode.RateLimit, message: `too many PINGs: at most ${limits.pingRate} per second` }),
          CloseCode.PolicyViolation,
        );
      },
      maxBufferedBytes: limits.maxSessionBufferedBytes,
      onSendOverflow: (bufferedAmount) => {
        // The client sends but does not read: a GOAWAY would queue behind the rest. The
        // session ends here too (no resumption): failing it first frees its TCP sockets.
        this.#carried.log({ level: 'warn', event: 'send-buffer-limit', bufferedBytes: bufferedAmount, limit: limits.maxSessionBufferedBytes });
        this.#carried.session.close(
          wireError({ code: SockwayErrorCode.Limit, message: `the client does not read: over ${limits.maxSessionBufferedBytes} bytes buffered` }),
          CloseCode.PolicyViolation,
        );
        this.transport.terminate();
      },
    });
  }

  /** From now on this WebSocket carries `connection`'s session (it resumed it). */
  carry(connection: Connection): void {
    this.#carried = connection;
    this.#alive = true;
  }

  /** Keepalive (ws README heartbeat): pings the client; false, and the WebSocket is dropped, when it never answered the last ping. */
  beat(): boolean {
    if (!this.#alive) {
      this.transport.terminate();
      return false;
    }
    this.#alive = false;
    try {
      this.transport.webSocket.ping();
    } catch {
      // Not open any more: 'close' is on its way.
    }
    return true;
  }
}

/** One WebSocket's session and everything it holds. */
export class Connection implements AdmittedSession, RequestingSession {
  /** The gateway's number for the WebSocket connection (as in log entries). */
  readonly id: number;
  readonly clientKey: string;
  readonly policy: PolicyCheck;
  readonly expiresAt: number;
  /** The route key of the WebSocket that opened the session (a draining gateway lets its resumes in). */
  readonly routeKey: string | undefined;
  readonly opens: TokenBucket;
  /** Logs a line about this session: with its number, and its tag once it has one (grep the tag for its whole story). */
  readonly log: (entry: GatewayLogEntry) => void;
  readonly session: Session;
  readonly bridges = new Set<TcpBridge>();
  /** The session's listeners (net.Server on the page's behalf); their connections are in `bridges`. */
  readonly listeners = new Set<ListenBridge>();
  /** The WebSocket now carrying the session (replaced when the client resumes). */
  link: Link;
  /** ms since the epoch since which the session has had no stream or listener (fair admission). */
  idleSince = Date.now();
  readonly #context: ConnectionContext;
  readonly #openedAt = Date.now();
  readonly #clientAddress: string;
  /** The session's tag (resume-registry.ts sessionTag), '' before the handshake. */
  #tag = '';
  /** This session's share of the memory budget. */
  readonly #account: ByteAccount;
  readonly #budget: WindowBudget;
  /** Streams resolving or connecting at once, QUERYs included (maxPendingOpens). */
  readonly #dialSlots: DialSlots;
  /** The session's turn in the gateway's resolver (resolver.ts). */
  readonly #resolver: SessionResolver;
  /** Event-loop time its STARTTLS may take (with the gateway's own budget after it). */
  readonly #tlsCpu = new TokenBucket(TLS_CPU.sessionRate, TLS_CPU.sessionBurst);
  /** Each bridge's and listener's share of the TCP socket budget, released when it is done. */
  readonly #fdLeases = new Map<TcpBridge | ListenBridge, () => void>();
  readonly #relay: TcpBridgeOptions;
  #handshakeTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #expiryTimer: NodeJS.Timeout | null = null;
  #ended = false;

  /** Throws when the session cannot be created (the caller drops the WebSocket). */
  constructor(ws: GatewayWebSocket, admitted: Admitted, id: number, context: ConnectionContext) {
    const limits = context.limits;
    this.id = id;
    this.clientKey = admitted.clientKey;
    this.policy = admitted.policy;
    this.expiresAt = admitted.expiresAt;
    this.routeKey = admitted.routeKey;
    this.opens = new TokenBucket(limits.openRate, limits.openBurst);
    this.#clientAddress = admitted.clientAddress;
    this.log = (entry) => context.log(this.#tag === '' ? { ...entry, session: id } : { ...entry, session: id, sessionTag: this.#tag });
    this.#context = context;
    this.#budget = new WindowBudget(limits.maxSessionBufferedBytes, context.sessionLimits.streamWindow);
    this.#dialSlots = new DialSlots(limits.maxPendingOpens);
    this.#resolver = context.resolver.forSession();
    this.#relay = this.#relayOptions();
    this.link = new Link(ws, this, limits);
    ws.once('close', (code: number) => context.metrics.webSocketClosed(code));
    this.#account = context.memory.account();
    try {
      this.session = this.#createSession();
    } catch (error) {
      this.#account.close();
      throw error;
    }
    this.log({
      level: 'info',
      event: 'session-open',
      clientAddress: admitted.clientAddress,
      // Ties the WebSockets of one session together across a load balancer's instances.
      ...(admitted.routeKey === undefined ? {} : { routeKey: admitted.routeKey }),
      ...(admitted.origin === undefined ? {} : { origin: admitted.origin.slice(0, 200) }),
      ...(admitted.subject === undefined ? {} : { subject: admitted.subject }),
      ...(admitted.expiresAt === Infinity ? {} : { expiresAt: new Date(admitted.expiresAt).toISOString() }),
    });
    if (!this.#ended) this.#startTimers();
  }

  /** The session ended, or this WebSocket resumed another one. */
  get ended(): boolean {
    return this.#ended;
  }

  // ---- AdmittedSession ----

  get counted(): boolean {
    return this.session.version !== 0 && this.session.state === 'open';
  }

  get detached(): boolean {
    return this.#context.registry.isDetached(this);
  }

  get idle(): boolean {
    return this.bridges.size === 0 && this.listeners.size === 0;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  end(error: WireError, closeCode: number): void {
    this.session.close(error, closeCode);
  }

  /**
   * The token has expired: the listeners stop (an accepted connection would be a new
   * stream, which the token no longer grants), open streams may finish, and the session
   * closes once it has none.
   */
  onExpired(): void {
    if (this.listeners.size > 0) this.log({ level: 'info', event: 'listeners-expired', listeners: this.listeners.size });
    for (const listener of [...this.listeners]) listener.destroy(expiredError('listen'));
    this.#closeIfExpired();
  }

  /**
   * Graceful drain (PROTOCOL.md#drain): listeners close, GOAWAY, open streams finish (the
   * session closes after its last one, #afterStreamGone); a session without streams closes now.
   */
  drain(): void {
    if (this.#ended) return;
    if (this.session.streamCount === 0 || this.session.version === 0) {
      this.session.close(GOING_AWAY, CloseCode.GoingAway);
      return;
    }
    for (const listener of [...this.listeners]) listener.destroy(GOING_AWAY);
    this.session.goAway(GOING_AWAY);
  }

  /** A RESUME on this connection's WebSocket took over `target`'s session: the WebSocket is target's now, and this connection is over. */
  handOver(target: Connection): void {
    this.#ended = true;
    this.#stopTimers();
    this.#account.close();
    this.link.carry(target);
    target.link = this.link;
    this.#context.ended(this);
  }

  // ---- the session ----

  #createSession(): Session {
    const context = this.#context;
    return new Session({
      role: 'gateway',
      transport: this.link.guarded,
      timers: TIMERS,
      limits: context.sessionLimits,
      ...context.registry.sessionOptions(this),
      budget: this.#account,
      // Sessions waiting to resume hold no WebSocket, so the upgrade did not count them.
      onHelloRequest: () => context.admission.hello(this),
      randomBytes: (length) => randomBytes(length),
      allocate: (length) => Buffer.allocUnsafe(length),
      ...(context.maxStreamWindow === undefined ? {} : { maxStreamWindow: context.maxStreamWindow }),
      onOpen: (stream, frame) => this.#onOpen(stream, frame),
      // Auto-tuning stays within the session's budget (limits.ts WindowBudget).
      onWindowGrow: (stream, from, to) => this.#budget.grow(stream.id, this.session.streamCount, from, to),
      // The page's dns module: answered under the session's connect policy (dns-bridge.ts).
      onQuery: (stream, frame) => this.#onQuery(stream, frame),
      onListen: (stream, frame) => this.#onListen(stream, frame),
      onReady: () => {
        clearTimer(this.#handshakeTimer);
        this.#handshakeTimer = null;
        context.registry.register(this);
        // The id is a secret (it names the session for RESUME): logs get a tag derived from it.
        this.#tag = sessionTag(this.session.sessionId);
        this.log({ level: 'info', event: 'session-ready', clientAddress: this.#clientAddress });
        context.metrics.sessionOpened((Date.now() - this.#openedAt) / 1000);
      },
      onClose: (error) => this.#onClose(error),
    });
  }

  #onClose(error: WireError | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#context.registry.forget(this);
    this.#stopTimers();
    // The session already failed every stream (their bridges destroyed their sockets);
    // this is the safety net for any bridge still holding one.
    const reason = error ?? GOING_AWAY;
    for (const bridge of [...this.bridges]) bridge.destroy(reason);
    for (const listener of [...this.listeners]) listener.destroy(reason);
    this.log({
      level: error === null || error.code === SockwayErrorCode.GoingAway || error.code === SockwayErrorCode.GatewayClosed ? 'info' : 'warn',
      event: 'session-closed',
      durationMs: Date.now() - this.#openedAt,
      ...(error === null ? {} : { code: error.code, reason: error.message }),
    });
    this.#context.ended(this);
  }

  // ---- requests ----

  /** One OPEN: admission, then the bridge (policy; DNS and TCP once a dial slot is free). */
  #onOpen(stream: SessionStream, frame: OpenFrame): StreamHandler | WireError {
    const admitted = this.#context.admission.stream(this, { kind: 'connect', stream: stream.id, host: frame.host, port: frame.port });
    if (!('release' in admitted)) {
      this.#context.metrics.streamOpened('rejected');
      return admitted;
    }
    const result = openTcpBridge(stream, frame, this.#relay);
    if (result instanceof TcpBridge) this.#addBridge(result, admitted.release);
    else admitted.release();
    return result;
  }

  #onQuery(stream: SessionStream, frame: QueryFrame): StreamHandler | WireError {
    const admitted = this.#context.admission.stream(this, { kind: 'query', stream: stream.id, syscall: frame.rrtype === 'lookup' ? 'getaddrinfo' : 'query' });
    if (!('release' in admitted)) return admitted;
    return answerQuery(stream, frame, {
      policy: this.policy,
      resolver: this.#resolver,
      dialSlots: this.#dialSlots,
      timeout: this.#context.limits.queryTimeout,
      log: this.log,
    });
  }

  /** One LISTEN: admission (listen policy, listener limit), then the bind (listen-bridge.ts). */
  #onListen(stream: SessionStream, frame: ListenFrame): StreamHandler | WireError {
    const admitted = this.#context.admission.stream(this, { kind: 'listen', stream: stream.id, host: frame.host, port: frame.port });
    if (!('release' in admitted)) return admitted;
    const result = openListenBridge(stream, frame, {
      session: this.session,
      relay: this.#relay,
      // An accepted socket exists already: it is charged whatever the caps say.
      onAccepted: (bridge) => this.#addBridge(bridge, this.#context.fds.charge(this.clientKey)),
      log: this.log,
      onDone: (listener) => {
        this.listeners.delete(listener);
        this.#releaseFd(listener);
        this.#afterStreamGone();
      },
    });
    if (result instanceof ListenBridge) {
      this.#fdLeases.set(result, admitted.release);
      this.listeners.add(result);
      this.#stopIdle();
    } else {
      admitted.release();
    }
    return result;
  }

  /** How the session's TCP sockets are relayed, dialed (OPEN) or accepted (LISTEN). */
  #relayOptions(): TcpBridgeOptions {
    const context = this.#context;
    return {
      policy: this.policy,
      connectTimeout: context.connectTimeout,
      idleTimeout: context.limits.streamIdleTimeout,
      budget: this.#budget,
      dialSlots: this.#dialSlots,
      tlsCpu: [this.#tlsCpu, context.tlsCpu],
      lookup: this.#resolver.lookup,
      ...(context.connect === undefined ? {} : { connect: context.connect }),
      log: this.log,
      metrics: context.metrics,
      onDone: (bridge) => {
        if (this.bridges.delete(bridge)) context.countBridge(-1);
        this.#releaseFd(bridge);
        this.#afterStreamGone();
      },
    };
  }

  /** `fd`: the bridge's share of the TCP socket budget. */
  #addBridge(bridge: TcpBridge, fd: () => void): void {
    this.bridges.add(bridge);
    this.#fdLeases.set(bridge, fd);
    this.#context.countBridge(1);
    this.#stopIdle();
  }

  #releaseFd(owner: TcpBridge | ListenBridge): void {
    this.#fdLeases.get(owner)?.();
    this.#fdLeases.delete(owner);
  }

  /** A bridge or listener finished: a session left without any may idle out (or expire). */
  #afterStreamGone(): void {
    if (this.idle) {
      this.idleSince = Date.now();
      // Draining (close() with drainTimeout): the last stream is done, so is the session.
      if (this.#context.closing() && !this.#ended) {
        this.session.close(GOING_AWAY, CloseCode.GoingAway);
        this.#context.checkReleased();
        return;
      }
      if (Date.now() >= this.expiresAt) this.#closeIfExpired();
      else this.#armIdle();
    }
    this.#context.checkReleased();
  }

  /** The session's token has expired: close it once it carries no stream (its streams may finish). */
  #closeIfExpired(): void {
    if (!this.idle || this.#ended) return;
    this.log({ level: 'info', event: 'session-expired' });
    this.session.close(expiredError(), CloseCode.PolicyViolation);
  }

  // ---- timers: handshake, idle session, token expiry ----

  #startTimers(): void {
    const limits = this.#context.limits;
    if (this.session.state !== 'closed' && this.session.version === 0) {
      this.#handshakeTimer = setTimeout(() => {
        this.#handshakeTimer = null;
        this.log({ level: 'warn', event: 'handshake-timeout', timeoutMs: limits.handshakeTimeout });
        this.session.close(wireError({ code: SockwayErrorCode.Protocol, message: `no HELLO within ${limits.handshakeTimeout} ms` }), CloseCode.ProtocolError);
      }, limits.handshakeTimeout);
      this.#handshakeTimer.unref();
    }
    const delay = this.expiresAt - Date.now();
    // Longer than a timer can wait (or no expiry): requests still check the expiry themselves.
    if (delay <= MAX_TIMER_MS) {
      this.#expiryTimer = setTimeout(() => {
        this.#expiryTimer = null;
        this.onExpired();
      }, Math.max(0, delay));
      this.#expiryTimer.unref();
    }
    this.#armIdle();
  }

  /** Starts the idle-session timer (the session has no streams). */
  #armIdle(): void {
    const ms = this.#context.limits.sessionIdleTimeout;
    // A bridge may finish after its session closed: no timer for a dead session.
    if (ms === 0 || this.#idleTimer !== null || !this.idle || this.#ended) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (!this.idle || this.#ended) return;
      this.log({ level: 'info', event: 'session-idle-timeout', idleMs: ms });
      this.session.close(
        wireError({ code: SockwayErrorCode.IdleTimeout, message: `the gateway closed the session after ${ms} ms without streams` }),
        CloseCode.Normal,
      );
    }, ms);
    this.#idleTimer.unref();
  }

  #stopIdle(): void {
    clearTimer(this.#idleTimer);
    this.#idleTimer = null;
  }

  #stopTimers(): void {
    clearTimer(this.#handshakeTimer);
    clearTimer(this.#expiryTimer);
    this.#handshakeTimer = null;
    this.#expiryTimer = null;
    this.#stopIdle();
  }
}

function clearTimer(timer: NodeJS.Timeout | null): void {
  if (timer !== null) clearTimeout(timer);
}
