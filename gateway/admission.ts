/**
 * Every check a session or a stream request passes, and the one place each refusal is
 * worded. A session: the WebSocket upgrade's Origin (cross-site WebSocket hijacking),
 * the session limits (total and per client, with fair admission: eviction.ts), the
 * authentication hook that turns a request into a per-session policy (built in:
 * capability tokens, token.ts), and at HELLO the limits again counting sessions waiting
 * to resume. A stream (OPEN, LISTEN, QUERY): shutdown, token expiry, the open rate, the
 * listen policy and listener limit, the TCP socket budget (fd-budget.ts). A destination's
 * policy is checked by the bridges themselves (tcp-bridge.ts, dns-bridge.ts): it needs the
 * resolved addresses. @see SECURITY.md
 *
 *   upgrade ─ shutdown (503 unless its route key is a live session's) ─ Origin (403) ─ session slots (GOAWAY LIMIT) ─ authenticate (GOAWAY UNAUTHORIZED)
 *   HELLO ─ shutdown (GOAWAY) ─ session limits counting detached sessions (GOAWAY LIMIT)
 *   OPEN/LISTEN/QUERY ─ shutdown ─ token expiry ─ open rate ─ listen policy ─ listener limit ─ TCP socket budget
 */
import type { IncomingMessage } from 'node:http';
import { SockwayErrorCode, type WireError, codedError, wireError } from '../shared/errors.ts';
import { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../shared/protocol.ts';
import { CloseCode } from '../shared/transport.ts';
import { clientKey, parseResolvedAddress } from './address.ts';
import { pickEviction } from './eviction.ts';
import type { FdBudget } from './fd-budget.ts';
import { type GatewayLimits, type TokenBucket, openRateError, socketLimitError } from './limits.ts';
import { type Policy, type PolicyCheck, type PolicyOptions, createPolicy, intersectPolicies } from './policy.ts';
import type { GatewayLogEntry } from './gateway-log.ts';
import type { GatewayMetrics } from './metrics.ts';
import { routeKeyOf } from './instance.ts';
import { deniedListenError } from './socket-wire.ts';
import { type TokenSecret, TokenError, credentialOf, tokenPolicy, verifyToken } from './token.ts';

/** What the authenticate hook is given about a WebSocket upgrade. */
export interface AuthRequest {
  /** The HTTP upgrade request (headers, url with its query, socket). */
  readonly request: IncomingMessage;
  /** The client's address: the socket's peer, or X-Forwarded-For's entry from a trusted proxy. */
  readonly clientAddress: string;
  /** The Origin header, if any (already checked against allowOrigins). */
  readonly origin: string | undefined;
  /** The credential offered as subprotocol `sockway.token.<token>` or query `?token=`, if any. */
  readonly token: string | undefined;
}

/** The authenticate hook's answer. */
export type AuthDecision =
  | {
      readonly accept: false;
      /** Sent to the page in the GOAWAY (so keep it free of secrets) and logged. Default 'authentication required'. */
      readonly reason?: string;
    }
  | {
      readonly accept: true;
      /** The session's own policy; the effective policy is its intersection with the gateway's. Default: the gateway's alone. */
      readonly policy?: PolicyCheck | PolicyOptions;
      /** Who this is, for the gateway's logs. */
      readonly subject?: string;
      /** ms since the epoch after which the session opens no new streams (and closes once it has none). */
      readonly expiresAt?: number;
    };

/** Decides whether an upgrade may become a session, and with which policy. May be async; a throw refuses. */
export type Authenticate = (request: AuthRequest) => AuthDecision | Promise<AuthDecision>;

/** Options of tokenAuthenticator(). */
export interface TokenAuthenticatorOptions {
  /** The secret (or secrets, during a rotation) tokens are signed with. */
  readonly secret: TokenSecret | readonly TokenSecret[];
  /** The audience this gateway accepts. Default 'sockway'. */
  readonly audience?: string;
  /** Seconds of clock skew to forgive on expiry. Default 0. */
  readonly clockTolerance?: number;
}

/** The built-in authenticate hook: a valid capability token is required; it grants its rules until it expires. */
export function tokenAuthenticator(options: TokenAuthenticatorOptions): Authenticate {
  // Fail at startup, not on the first request, for a bad secret.
  verifyTokenSecrets(options.secret);
  return ({ token }) => {
    try {
      const claims = verifyToken(token, {
        secret: options.secret,
        ...(options.audience === undefined ? {} : { audience: options.audience }),
        ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
      });
      return {
        accept: true,
        policy: tokenPolicy(claims),
        expiresAt: claims.expiresAt * 1000,
        ...(claims.subject === undefined ? {} : { subject: claims.subject }),
      };
    } catch (error) {
      if (error instanceof TokenError) return { accept: false, reason: error.message };
      throw error;
    }
  };
}

function verifyTokenSecrets(secret: TokenAuthenticatorOptions['secret']): void {
  try {
    verifyToken('', { secret });
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
  }
}

// ---- the checks ----

/** RFC 6455 close code 1013 (Try Again Later): the gateway is at a session limit. */
const TRY_AGAIN_LATER = 1013;

/** GOAWAY or RESET while the gateway shuts down. */
export const GOING_AWAY = wireError({ code: SockwayErrorCode.GoingAway, message: 'the gateway is shutting down' });

/** The refusal of anything on a session whose token has expired: the session's GOAWAY, or a stream's RESET (`syscall`). */
export function expiredError(syscall = ''): WireError {
  return wireError({ code: SockwayErrorCode.Unauthorized, syscall, message: 'the session\'s token has expired; reconnect with a new token' });
}

/** The upgrade refusal of a draining gateway: a load balancer retries another instance on it. */
const SHUTTING_DOWN = { status: 503, text: 'Service Unavailable' } as const;

/** A session refused with a GOAWAY the page reads, and the WebSocket close code after it. */
export interface GoAwayRefusal {
  readonly error: WireError;
  readonly closeCode: number;
}

/** How an upgrade is refused: an HTTP status, or a GOAWAY. */
export type Refusal = { readonly status: number; readonly text: string } | GoAwayRefusal;

/** What admission holds a session slot on: the upgrade's TCP socket, or a routed WebSocket (gateway.serveWebSocket()). */
export interface UpgradeSocket {
  readonly destroyed: boolean;
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** What admission hands to a new session. */
export interface Admitted {
  readonly clientAddress: string;
  /** Whom the session counts against for maxSessionsPerClient (address.ts clientKey). */
  readonly clientKey: string;
  readonly origin: string | undefined;
  /** The gateway's policy intersected with the session's. */
  readonly policy: PolicyCheck;
  readonly subject: string | undefined;
  /** ms since the epoch after which no new stream is opened (token expiry); Infinity for none. */
  readonly expiresAt: number;
  /** The session's route key (the client's ROUTE_PARAMETER), if the URL had one. */
  readonly routeKey: string | undefined;
}

/** A live session as admission sees it (connection.ts). */
export interface AdmittedSession {
  readonly id: number;
  readonly clientKey: string;
  /** Handshaken and open: it counts against the session limits (closing or evicted ones no longer do). */
  readonly counted: boolean;
  /** Waiting for its client to resume it. */
  readonly detached: boolean;
  /** It has no streams or listeners: ending it loses nothing in flight. */
  readonly idle: boolean;
  /** ms since the epoch since which it has had no stream or listener. */
  readonly idleSince: number;
  /** Ends the session with a GOAWAY. */
  end(error: WireError, closeCode: number): void;
  /** Logs a line about the session (with its number and tag). */
  readonly log: (entry: GatewayLogEntry) => void;
}

/** A session asking for a stream, as admission sees it (connection.ts). */
export interface RequestingSession {
  readonly clientKey: string;
  readonly expiresAt: number;
  /** OPEN, LISTEN and QUERY the session's handler sees, against openRate. */
  readonly opens: TokenBucket;
  readonly policy: PolicyCheck;
  readonly listenerCount: number;
  readonly log: (entry: GatewayLogEntry) => void;
  /** The token has expired: stop the listeners, close once idle. */
  onExpired(): void;
}

/** One stream request: OPEN (`connect`), LISTEN (`listen`) or QUERY (its syscall, `getaddrinfo` or `query`). */
export type StreamRequest =
  | { readonly kind: 'connect' | 'listen'; readonly stream: number; readonly host: string; readonly port: number }
  | { readonly kind: 'query'; readonly stream: number; readonly syscall: string };

/** A stream admitted: its share of the TCP socket budget, to release when its bridge is done (a no-op for QUERY). */
export interface StreamAdmitted {
  readonly release: () => void;
}

/** Options of an Admission. */
export interface AdmissionOptions {
  /** The gateway's own policy. */
  readonly policy: Policy;
  readonly limits: GatewayLimits;
  readonly authenticate: Authenticate | undefined;
  readonly originAllowed: (origin: string | undefined) => boolean;
  readonly trustProxy: number;
  /** TCP sockets for streams and listeners, in total and per client. */
  readonly fds: FdBudget;
  /** The live sessions, attached or detached. */
  readonly sessions: () => Iterable<AdmittedSession>;
  readonly closing: () => boolean;
  /** True when `routeKey` is the route key of one of this gateway's live sessions. */
  readonly holdsRoute: (routeKey: string) => boolean;
  readonly log: (entry: GatewayLogEntry) => void;
  readonly metrics: Pick<GatewayMetrics, 'sessionRefused'>;
}

/** The gateway's admission: session slots and every check of a session or stream request. */
export class Admission {
  #options: AdmissionOptions;
  /** Admitted upgrade sockets (pending authentication or carrying a session), per client key. */
  readonly #slots = new Map<string, number>();
  #slotCount = 0;

  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  /**
   * gateway.reload(): the limits, the authenticate hook and the Origin check from now on.
   * The policy is not among them: the gateway replaces the rules inside its policy object
   * (policy.ts replaceablePolicy), which admitted sessions hold too.
   */
  reconfigure(changes: Pick<AdmissionOptions, 'limits' | 'authenticate' | 'originAllowed'>): void {
    this.#options = { ...this.#options, ...changes };
  }

  /** Draining, an upgrade that is not a resume of one of its own sessions is refused (and counted). */
  #drainRefuses(routeKey: string | undefined): boolean {
    if (!this.#options.closing() || (routeKey !== undefined && this.#options.holdsRoute(routeKey))) return false;
    this.#options.metrics.sessionRefused('draining');
    return true;
  }

  /**
   * An upgrade: Origin, shutdown, then a session slot (total and per client), then
   * authentication; `done` gets the verdict (at once when there is no hook to wait for).
   * The slot is held for as long as the upgrade's TCP socket is open, so a session, a
   * pending authentication and a closing WebSocket all count, and nothing can leak one.
   */
  upgrade(request: IncomingMessage, socket: UpgradeSocket, done: (verdict: Admitted | Refusal) => void): void {
    const { limits, log } = this.#options;
    const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
    const clientAddress = clientAddressOf(request, this.#options.trustProxy);
    const remote = { clientAddress, ...(origin === undefined ? {} : { origin: origin.slice(0, 200) }) };
    const routeKey = routeKeyOf(request.url);
    // Draining: only the resumes of its own sessions (known by their route key) get in. The
    // rest get an HTTP 503, on which a load balancer tries another instance
    // (docs/deployment.md); a GOAWAY would reach the page as a failure instead.
    if (this.#drainRefuses(routeKey)) {
      done(SHUTTING_DOWN);
      return;
    }
    if (!this.#options.originAllowed(origin)) {
      this.#options.metrics.sessionRefused('origin');
      log({ level: 'warn', event: 'session-refused', code: 'ORIGIN', reason: 'the Origin is not in allowOrigins', ...remote });
      done({ status: 403, text: 'Forbidden' });
      return;
    }
    const key = clientKey(clientAddress, limits.ipv6ClientPrefix);
    const perClient = this.#slots.get(key) ?? 0;
    const full = this.#slotCount >= limits.maxSessions;
    // Fair admission: a full gateway ends an idle session of a bigger holder instead (its
    // upgrade socket holds a slot; the slot is free once that socket closes).
    const evicted = full && perClient < limits.maxSessionsPerClient && this.#evictFor(perClient, (session) => !session.detached);
    if (!evicted && (full || perClient >= limits.maxSessionsPerClient)) {
      done(this.#sessionLimit(full ? 'gateway' : 'client', false, remote));
      return;
    }
    const release = this.#holdSlot(key, socket);
    const authenticate = this.#options.authenticate;
    if (authenticate === undefined) {
      done({ clientAddress, clientKey: key, origin, policy: this.#options.policy, subject: undefined, expiresAt: Infinity, routeKey });
      return;
    }
    let decision: AuthDecision | Promise<AuthDecision>;
    try {
      decision = authenticate({ request, clientAddress, origin, token: credentialOf(request) });
    } catch (error) {
      decision = Promise.reject(error);
    }
    const decided = (result: AuthDecision): void => {
      if (socket.destroyed) return;
      if (this.#drainRefuses(routeKey)) {
        release();
        done(SHUTTING_DOWN);
        return;
      }
      const verdict = this.#authenticated(result, key, clientAddress, origin, remote, routeKey);
      if (!('policy' in verdict)) release();
      done(verdict);
    };
    Promise.resolve(decision).then(decided, (error: unknown) => {
      log({ level: 'error', event: 'authenticate-error', error: error instanceof Error ? error.message : String(error), ...remote });
      decided({ accept: false, reason: 'authentication failed' });
    }).catch((error: unknown) => {
      log({ level: 'error', event: 'internal-error', where: 'admit', error: String(error) });
      socket.destroy();
    });
  }

  /**
   * The gateway is at its session limit: upgrades admitted (or pending authentication), or
   * sessions counted at HELLO (those waiting to resume included), fill maxSessions. A new
   * client may still get in by fair admission (an idle session evicted); readiness says no
   * all the same, so a balancer prefers another instance.
   */
  get atSessionLimit(): boolean {
    const max = this.#options.limits.maxSessions;
    if (this.#slotCount >= max) return true;
    let counted = 0;
    for (const session of this.#options.sessions()) if (session.counted) counted += 1;
    return counted >= max;
  }

  /**
   * A HELLO on `fresh`: room for one more session, counting those waiting to resume (a
   * client cannot hold more than its limit by dropping its WebSockets). RESUME is not
   * counted: it takes over a session already counted.
   */
  hello(fresh: AdmittedSession): GoAwayRefusal | null {
    // Draining: this WebSocket came in for a resume (admission let only those in).
    if (this.#options.closing()) return { error: GOING_AWAY, closeCode: CloseCode.GoingAway };
    const limits = this.#options.limits;
    let total = 0;
    let sameClient = 0;
    for (const session of this.#options.sessions()) {
      if (session === fresh || !session.counted) continue;
      total += 1;
      if (session.clientKey === fresh.clientKey) sameClient += 1;
    }
    if (total < limits.maxSessions && sameClient < limits.maxSessionsPerClient) return null;
    if (total >= limits.maxSessions && sameClient < limits.maxSessionsPerClient && this.#evictFor(sameClient, (session) => session !== fresh)) return null;
    return this.#sessionLimit(total >= limits.maxSessions ? 'gateway' : 'client', true, { session: fresh.id });
  }

  /**
   * An OPEN, LISTEN or QUERY: shutdown, token expiry, the open rate (one over it gets RESET
   * SOCKWAY_ERR_RATE_LIMIT, and only that request: a limit never takes down what it already
   * admitted), the listen policy and listener limit, then a TCP socket before the dial or
   * bind (past the budget, SOCKWAY_ERR_LIMIT rather than EMFILE for everyone).
   */
  stream(session: RequestingSession, request: StreamRequest): StreamAdmitted | WireError {
    const { limits } = this.#options;
    const syscall = request.kind === 'query' ? request.syscall : request.kind;
    if (this.#options.closing()) return GOING_AWAY;
    if (Date.now() >= session.expiresAt) {
      session.log({ level: 'warn', event: 'stream-refused', stream: request.stream, code: SockwayErrorCode.Unauthorized, reason: 'the session token has expired' });
      queueMicrotask(() => session.onExpired());
      // A QUERY's RESET names no syscall: the page's dns module names the query's own (dns-module.ts).
      return expiredError(request.kind === 'query' ? '' : syscall);
    }
    if (!session.opens.take()) {
      session.log({ level: 'warn', event: 'rate-limit', what: 'open', stream: request.stream, limit: limits.openRate, burst: limits.openBurst, action: 'reset' });
      return { ...openRateError(limits), syscall };
    }
    if (request.kind === 'query') return { release: () => {} };
    if (request.kind === 'listen') {
      const decision = session.policy.checkListen({ host: request.host, port: request.port });
      if (!decision.allowed) {
        session.log({ level: 'warn', event: 'listen-denied', stream: request.stream, host: request.host, port: request.port, reason: decision.reason });
        return deniedListenError(request.host, request.port);
      }
      if (session.listenerCount >= limits.maxListeners) {
        session.log({ level: 'warn', event: 'stream-refused', stream: request.stream, code: SockwayErrorCode.Limit, reason: `${session.listenerCount} listeners` });
        return wireError({ code: SockwayErrorCode.Limit, syscall, address: request.host, port: request.port, message: `too many listeners on this session (limit ${limits.maxListeners}); close one first` });
      }
    }
    const fds = this.#options.fds;
    const fd = fds.take(session.clientKey);
    if (!fd.ok) {
      const reason = fd.full === 'gateway' ? `${fds.total} TCP sockets (maxTcpSockets ${fds.max})` : `${fds.held(session.clientKey)} TCP sockets for this client (maxTcpSocketsPerClient ${fds.perClient})`;
      session.log({ level: 'warn', event: 'stream-refused', stream: request.stream, code: SockwayErrorCode.Limit, reason });
      return socketLimitError(request.kind, request.host, request.port, fd.full);
    }
    return { release: fd.release };
  }

  /** Takes a session slot for `key` until `socket` closes; returns its (idempotent) early release. */
  #holdSlot(key: string, socket: UpgradeSocket): () => void {
    this.#slots.set(key, (this.#slots.get(key) ?? 0) + 1);
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
    return release;
  }

  /** The authenticate hook's answer as a verdict: the session's policy and expiry, or GOAWAY UNAUTHORIZED. */
  #authenticated(result: AuthDecision, key: string, clientAddress: string, origin: string | undefined, remote: object, routeKey: string | undefined): Admitted | Refusal {
    if (typeof result !== 'object' || result === null || result.accept !== true) {
      const reason = typeof result === 'object' && result !== null && typeof result.reason === 'string' && result.reason !== ''
        ? result.reason.slice(0, 200)
        : 'authentication required';
      this.#options.metrics.sessionRefused('unauthorized');
      this.#options.log({ level: 'warn', event: 'session-refused', code: SockwayErrorCode.Unauthorized, reason, ...remote });
      return { error: wireError({ code: SockwayErrorCode.Unauthorized, message: reason }), closeCode: CloseCode.PolicyViolation };
    }
    const own = result.policy;
    const sessionPolicy: PolicyCheck | undefined = own === undefined
      ? undefined
      : 'check' in own && typeof own.check === 'function' ? own as PolicyCheck : createPolicy(own as Parameters<typeof createPolicy>[0]);
    const gateway = this.#options.policy;
    return {
      clientAddress,
      clientKey: key,
      origin,
      policy: sessionPolicy === undefined
        ? gateway
        : intersectPolicies([{ label: 'gateway policy', policy: gateway }, { label: 'session policy', policy: sessionPolicy }]),
      subject: typeof result.subject === 'string' ? result.subject.slice(0, 200) : undefined,
      expiresAt: typeof result.expiresAt === 'number' && Number.isFinite(result.expiresAt) ? result.expiresAt : Infinity,
      routeKey,
    };
  }

  /** The one GOAWAY for a session limit (total or per client; at HELLO, sessions waiting to resume count too). */
  #sessionLimit(full: 'gateway' | 'client', countingDetached: boolean, context: object): GoAwayRefusal {
    const limits = this.#options.limits;
    const message = full === 'gateway'
      ? `the gateway has its maximum of ${limits.maxSessions} sessions; try again later`
      : `too many sessions from this client (limit ${limits.maxSessionsPerClient})${countingDetached ? ', counting those waiting to resume' : ''}; close one or try again later`;
    this.#options.metrics.sessionRefused(full === 'gateway' ? 'gateway_limit' : 'client_limit');
    this.#options.log({ level: 'warn', event: 'session-refused', code: SockwayErrorCode.Limit, reason: message, ...context });
    return { error: wireError({ code: SockwayErrorCode.Limit, message }), closeCode: TRY_AGAIN_LATER };
  }

  /**
   * Fair admission (eviction.ts): the gateway is full and a client holding `held` sessions
   * asks for one more. Ends the longest-idle session without streams of a client holding
   * at least two more (among those `eligible`), with GOAWAY SOCKWAY_ERR_IDLE_TIMEOUT: its
   * client reconnects on its next connect(). False when there is none to end.
   */
  #evictFor(held: number, eligible: (session: AdmittedSession) => boolean): boolean {
    const candidates: { session: AdmittedSession; clientKey: string; evictable: boolean; idleSince: number }[] = [];
    for (const session of this.#options.sessions()) {
      if (!session.counted || !eligible(session)) continue;
      candidates.push({ session, clientKey: session.clientKey, evictable: session.idle, idleSince: session.idleSince });
    }
    const victim = pickEviction(candidates, held)?.session;
    if (victim === undefined) return false;
    const max = this.#options.limits.maxSessions;
    victim.log({ level: 'warn', event: 'session-evicted', idleMs: Date.now() - victim.idleSince, reason: `the gateway is at its maximum of ${max} sessions; another client's session was admitted` });
    victim.end(
      wireError({ code: SockwayErrorCode.IdleTimeout, message: `the gateway closed this idle session to admit another client (it is at its maximum of ${max} sessions)` }),
      CloseCode.Normal,
    );
    return true;
  }
}

// ---- Origin ----

/**
 * Compiles an Origin allowlist: exact origins (`https://app.example.com`, default ports
 * dropped, case-insensitive), subdomain wildcards (`https://*.example.com`), `null`
 * (sandboxed frames, file:), or `*`. A request without Origin is not from a browser
 * page (browsers always send it on WebSocket upgrades) and is let through; the token
 * is what authenticates it. Throws ERR_INVALID_ARG_VALUE for a malformed entry.
 */
export function originMatcher(allowed: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (allowed === undefined) return () => true;
  if (!Array.isArray(allowed)) throw codedError('ERR_INVALID_ARG_VALUE', 'allowOrigins must be an array of origins');
  const exact = new Set<string>();
  const wildcards: { readonly scheme: string; readonly suffix: string; readonly port: string }[] = [];
  let any = false;
  for (const entry of allowed) {
    if (entry === '*') {
      any = true;
      continue;
    }
    if (entry === 'null') {
      exact.add('null');
      continue;
    }
    const wildcard = /^([a-z][a-z0-9+.-]*):\/\/\*\.([^/:]+)(?::(\d+))?$/i.exec(entry);
    if (wildcard !== null) {
      const [, scheme = '', host = '', port = ''] = wildcard;
      const probe = canonicalOrigin(`${scheme}://x.${host}${port === '' ? '' : `:${port}`}`);
      if (probe === undefined) throw codedError('ERR_INVALID_ARG_VALUE', `allowOrigins: ${JSON.stringify(entry)} is not a valid origin pattern`);
      const url = new URL(probe);
      wildcards.push({ scheme: url.protocol, suffix: `.${url.hostname.slice(2)}`, port: url.port });
      continue;
    }
    const origin = canonicalOrigin(entry);
    if (origin === undefined) throw codedError('ERR_INVALID_ARG_VALUE', `allowOrigins: ${JSON.stringify(entry)} is not an origin (scheme://host[:port])`);
    exact.add(origin);
  }
  return (origin) => {
    if (origin === undefined || any) return true;
    if (origin === 'null') return exact.has('null');
    const canonical = canonicalOrigin(origin);
    if (canonical === undefined) return false;
    if (exact.has(canonical)) return true;
    const url = new URL(canonical);
    return wildcards.some((w) => url.protocol === w.scheme && url.port === w.port && url.hostname.endsWith(w.suffix));
  };
}

/** `scheme://host[:port]` lower-cased without a default port; undefined for anything with a path, query or credentials. */
function canonicalOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '' && !/[?#]/.test(text);
    return url.origin === 'null' || !bare ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

// ---- client address ----

/**
 * The client's address. With `trustProxy` = N > 0 the gateway sits behind N proxies that
 * each append to X-Forwarded-For, so the client is the Nth entry from the right; fewer
 * entries (or an unparsable one) fall back to the socket's peer.
 */
export function clientAddressOf(request: IncomingMessage, trustProxy: number): string {
  const peer = request.socket.remoteAddress ?? '';
  if (trustProxy <= 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : header;
  if (typeof text !== 'string') return peer;
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const candidate = entries[entries.length - trustProxy];
  return candidate !== undefined && parseResolvedAddress(candidate) !== undefined ? candidate : peer;
}

// ---- subprotocols ----

/**
 * ws's handleProtocols: select `sockway` when offered, else the first offered protocol
 * that is not a credential (browsers fail a handshake that selects none of several
 * offered); a credential is never echoed back.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const protocol of protocols) if (!protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return protocol;
  return false;
}
