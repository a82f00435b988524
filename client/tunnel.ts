/**
 * A tunnel: one gateway URL, at most one live WebSocket + Session at a time
 * (opened lazily by the first socket, replaced after it dies), and the `net`
 * module bound to it. When the WebSocket drops without GOAWAY the session is
 * resumed on a new one (PROTOCOL.md#resume): sockets see nothing, the tunnel
 * emits 'disconnect' and 'reconnect'.
 */
import { Buffer } from 'buffer';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { defaultRandomBytes } from '../shared/handshake.ts';
import { type Limits, ROUTE_PARAMETER, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../shared/protocol.ts';
import { Session, type SessionStats, type SessionStream, type StreamHandler, type StreamStats } from '../shared/session.ts';
import { createNet, type NetModule } from './net.ts';
import { closeOnExit } from './close-on-exit.ts';
import type { TunnelCore } from './tunnel-core.ts';
import { type ResolvedTunnelOptions, resolveTunnelOptions } from './tunnel-options.ts';
import { type WebSocketConstructor, WebSocketTransport } from './websocket-transport.ts';

/** Options of createTunnel(). */
export interface TunnelOptions {
  /** The gateway's WebSocket URL, e.g. 'wss://example.com/sockway'. */
  readonly url: string;
  /** WebSocket implementation; defaults to the global WebSocket (pass `ws`'s in Node < 22). */
  readonly WebSocket?: WebSocketConstructor;
  /** WebSocket subprotocols to offer. */
  readonly protocols?: string | string[];
  /**
   * Capability token for a gateway that requires one (issued by your backend with
   * issueToken() from `sockway/gateway`). Sent as the subprotocol `sockway.token.<token>`
   * next to `sockway`, never in the URL. A function is called for every new WebSocket,
   * so a reconnect can use a fresh token.
   */
  readonly token?: string | (() => string);
  /** Receive-side limits this client announces (window, payload size). */
  readonly limits?: Partial<Limits>;
  /** Largest receive window per stream that auto-tuning may grow to (default 4 MiB). */
  readonly maxStreamWindow?: number;
  /** ms between keepalive pings (default 15000, 0 = off). */
  readonly keepaliveInterval?: number;
  /** ms to wait for a keepalive answer (default 10000); a resumable session then reconnects. */
  readonly keepaliveTimeout?: number;
  /**
   * Resume the session on a new WebSocket when the connection drops (default true): open
   * sockets carry on with no byte lost. False = protocol version 1, sockets fail instead.
   */
  readonly reconnect?: boolean;
  /** ms to keep trying to resume before every socket fails with SOCKWAY_ERR_RESUME_FAILED (default 60000). */
  readonly resumeTimeout?: number;
}

/** Diagnostic events of a tunnel (the sockets themselves see none of this). */
export interface TunnelEvents {
  /** The WebSocket dropped; the tunnel is reconnecting. `code` is the WebSocket close code. */
  disconnect: { readonly code: number; readonly reason: string };
  /** The session was resumed on a new WebSocket after `downtimeMs` and `attempts` tries. */
  reconnect: { readonly attempts: number; readonly downtimeMs: number };
  /** Resuming failed; every socket of the session failed with `error`. */
  'reconnect-failed': { readonly error: WireError };
}

/** A listener of one tunnel event. */
export type TunnelListener<E extends keyof TunnelEvents> = (event: TunnelEvents[E]) => void;

/** A tunnel to one gateway. */
export interface Tunnel {
  /** Node's `net` surface, carried by this tunnel. */
  readonly net: NetModule;
  /** The gateway URL. */
  readonly url: string;
  /** Per-stream counters of the live session, and its reliability counters (replay buffer, resumes). */
  stats(): { connected: boolean; streams: StreamStats[]; session: SessionStats | null };
  /** Closes the WebSocket; every open socket fails with SOCKWAY_ERR_GOING_AWAY, listening servers close ('close', no 'error'). */
  close(): void;
  /**
   * Diagnostic: drops the WebSocket now, as a network failure would (no GOAWAY). A
   * resumable session reconnects and resumes; for tests and "drop connection" buttons.
   */
  dropConnection(): void;
  /** Listens to a diagnostic event. */
  on<E extends keyof TunnelEvents>(event: E, listener: TunnelListener<E>): this;
  /** Removes a listener added with on(). */
  off<E extends keyof TunnelEvents>(event: E, listener: TunnelListener<E>): this;
}

/** How often one stream is opened again after GOAWAYs that did not process it. */
const MAX_REOPENS = 3;

/** Reconnect backoff: first retry at once, then doubling from 100 ms up to 2 s, jittered. */
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 2_000;

type Timer = ReturnType<typeof setTimeout>;

/** Timers that never keep a Node process alive on their own. */
const unrefTimers = {
  setTimeout(callback: () => void, ms: number): unknown {
    const handle: Timer = setTimeout(callback, ms);
    (handle as unknown as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as Timer);
  },
  now: () => Date.now(),
};

class TunnelImpl implements TunnelCore, Tunnel {
  readonly url: string;
  readonly net: NetModule;
  readonly #options: ResolvedTunnelOptions;
  #session: Session | null = null;
  #transport: WebSocketTransport | null = null;
  /** The live session's route key: in every WebSocket URL of that session (#newTransport). */
  #routeKey = '';
  /** Active sockets and servers, and whether each holds a Node process now. */
  readonly #active = new Map<object, boolean>();
  /** How many of #active hold the process. */
  #holding = 0;
  readonly #listeners = new Map<keyof TunnelEvents, Set<(event: never) => void>>();
  /** Reconnecting: when the link dropped, tries so far, the pending retry. */
  #downSince = 0;
  #attempts = 0;
  #retryTimer: unknown = null;
  /** Streams opened again after a GOAWAY, per handler (#reopen). */
  readonly #reopens = new WeakMap<StreamHandler, number>();

  constructor(options: TunnelOptions) {
    this.#options = resolveTunnelOptions(options);
    this.url = this.#options.url;
    this.net = createNet(() => this);
  }

  openStream(...[open, handler]: Parameters<TunnelCore['openStream']>): ReturnType<TunnelCore['openStream']> {
    const session = this.#acquire();
    if ('code' in session) return session;
    const stream = session.open(open, handler);
    return stream ?? session.closeError ?? wireError({ code: SockwayErrorCode.GatewayClosed, message: 'the gateway session is closed' });
  }

  openQuery(...[query, handler]: Parameters<TunnelCore['openQuery']>): ReturnType<TunnelCore['openQuery']> {
    const session = this.#acquire();
    if ('code' in session) return session;
    const stream = session.query(query, handler);
    return stream ?? session.closeError ?? wireError({ code: SockwayErrorCode.GatewayClosed, message: 'the gateway session is closed' });
  }

  openListener(...[listen, handler]: Parameters<TunnelCore['openListener']>): ReturnType<TunnelCore['openListener']> {
    const session = this.#acquire();
    if ('code' in session) return session;
    const stream = session.listen(listen, handler);
    return stream ?? session.closeError ?? wireError({ code: SockwayErrorCode.GatewayClosed, message: 'the gateway session is closed' });
  }

  retain(socket: object, ref: boolean): void {
    const was = this.#active.get(socket) ?? false;
    this.#active.set(socket, ref);
    if (was === ref) return;
    this.#holding += ref ? 1 : -1;
    this.#applyRef();
  }

  release(socket: object): void {
    const was = this.#active.get(socket) ?? false;
    if (!this.#active.delete(socket) || !was) return;
    this.#holding -= 1;
    this.#applyRef();
  }

  stats(): { connected: boolean; streams: StreamStats[]; session: SessionStats | null } {
    const session = this.#session;
    return {
      connected: session !== null && session.state === 'open' && !session.detached,
      streams: session === null ? [] : [...session.streams()].map((s) => s.stats()),
      session: session === null ? null : session.sessionStats(),
    };
  }

  close(): void {
    this.#session?.close();
  }

  dropConnection(): void {
    this.#session?.dropTransport('dropped by tunnel.dropConnection()');
  }

  on<E extends keyof TunnelEvents>(event: E, listener: TunnelListener<E>): this {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, set = new Set());
    set.add(listener as (event: never) => void);
    return this;
  }

  off<E extends keyof TunnelEvents>(event: E, listener: TunnelListener<E>): this {
    this.#listeners.get(event)?.delete(listener as (event: never) => void);
    return this;
  }

  #emit<E extends keyof TunnelEvents>(event: E, value: TunnelEvents[E]): void {
    for (const listener of [...this.#listeners.get(event) ?? []]) {
      try {
        (listener as TunnelListener<E>)(value);
      } catch (error) {
        // A diagnostic listener must not break the tunnel; report it like an uncaught error.
        queueMicrotask(() => { throw error; });
      }
    }
  }

  #acquire(): Session | WireError {
    const current = this.#session;
    if (current !== null && current.closeError === null) return current;
    // A failed session may still be closing its WebSocket (onClose comes after the close
    // handshake) when a socket opens anew: it is over for the tunnel now, and its later
    // onClose is ignored, so its reconnect state ends (and 'reconnect-failed' fires) here.
    if (current !== null) this.#retire(current.closeError);
    // A new session, a new key: new sessions spread over a load balancer's instances.
    this.#routeKey = newRouteKey();
    const transport = this.#newTransport();
    if (!(transport instanceof WebSocketTransport)) return transport;
    let forget = (): void => {};
    const session: Session = new Session({
      role: 'client',
      transport,
      timers: unrefTimers,
      // Node's Buffer skips zero-filling; the browser polyfill's is a plain Uint8Array.
      allocate: (length: number) => Buffer.allocUnsafe(length),
      ...(this.#options.limits !== undefined && { limits: this.#options.limits }),
      maxStreamWindow: this.#options.maxStreamWindow,
      keepaliveInterval: this.#options.keepaliveInterval,
      keepaliveTimeout: this.#options.keepaliveTimeout,
      resumable: this.#options.reconnect,
      onDetach: (info) => this.#onDetach(session, info.code, info.reason),
      onUnprocessed: (stream) => this.#reopen(stream),
      onResume: () => {
        const value = { attempts: this.#attempts, downtimeMs: unrefTimers.now() - this.#downSince };
        this.#stopRetry();
        this.#emit('reconnect', value);
      },
      onClose: (error) => {
        forget();
        if (this.#session !== session) return;
        this.#session = null;
        this.#transport = null;
        this.#retire(error);
      },
    });
    this.#session = session;
    this.#transport = transport;
    this.#applyRef();
    // The process or page ends: GOAWAY and a normal close, so the gateway frees the session now.
    if (session.state !== 'closed') forget = closeOnExit((reason) => session.close(wireError({ code: SockwayErrorCode.GoingAway, message: reason })));
    return session;
  }

  /**
   * GOAWAY said the gateway never saw `stream`'s OPEN/LISTEN/QUERY (it crossed a drain):
   * it goes again on a fresh session, as if nothing happened. At most MAX_REOPENS times
   * per handler, so gateways that keep refusing cannot keep a socket waiting forever.
   */
  #reopen(stream: SessionStream): boolean {
    const handler = stream._handler;
    const request = stream.request;
    if (handler?.onReopened === undefined || request === null) return false;
    const reopens = this.#reopens.get(handler) ?? 0;
    if (reopens >= MAX_REOPENS) return false;
    const session = this.#acquire();
    if ('code' in session) return false;
    const fresh = reissue(session, request, handler);
    if (fresh === null) return false;
    this.#reopens.set(handler, reopens + 1);
    handler.onReopened(fresh);
    return true;
  }

  /** A WebSocket to the gateway, as a transport (or why there is none). */
  #newTransport(): WebSocketTransport | WireError {
    const WebSocketImpl = this.#options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocketImpl === undefined) {
      return wireError({ code: SockwayErrorCode.GatewayUnreachable, message: 'no WebSocket implementation: pass options.WebSocket (e.g. from the ws package)' });
    }
    try {
      const protocols = this.#protocols();
      const url = withRouteKey(this.url, this.#routeKey);
      const socket = protocols === undefined ? new WebSocketImpl(url) : new WebSocketImpl(url, protocols);
      return new WebSocketTransport(socket);
    } catch (error) {
      return wireError({ code: SockwayErrorCode.GatewayUnreachable, message: `cannot open a WebSocket to ${this.url}: ${(error as Error).message}` });
    }
  }

  /** The session lost its WebSocket (or a resume attempt failed): retry with backoff until resumeTimeout. */
  #onDetach(session: Session, code: number, reason: string): void {
    if (this.#session !== session) return;
    this.#transport = null;
    const now = unrefTimers.now();
    if (this.#downSince === 0) {
      this.#downSince = now;
      this.#emit('disconnect', { code, reason });
    }
    const timeout = this.#options.resumeTimeout;
    if (now - this.#downSince >= timeout) {
      session.close(wireError({ code: SockwayErrorCode.ResumeFailed, message: `could not resume the session: the gateway was unreachable for ${timeout} ms` }));
      return;
    }
    const delay = this.#attempts === 0 ? 0 : Math.min(RETRY_BASE_MS * 2 ** (this.#attempts - 1), RETRY_MAX_MS) * (0.5 + Math.random() / 2);
    this.#retryTimer = unrefTimers.setTimeout(() => {
      this.#retryTimer = null;
      this.#attempts += 1;
      if (this.#session !== session || !session.detached) return;
      const transport = this.#newTransport();
      if (!(transport instanceof WebSocketTransport)) {
        this.#onDetach(session, 1006, transport.message);
        return;
      }
      this.#transport = transport;
      this.#applyRef();
      session.resume(transport);
    }, Math.min(delay, Math.max(0, timeout - (now - this.#downSince))));
  }

  /** The session is over: stop reconnecting; 'reconnect-failed' if it was. */
  #retire(error: WireError | null): void {
    const reconnecting = this.#downSince !== 0;
    this.#stopRetry();
    if (reconnecting && error !== null) this.#emit('reconnect-failed', { error });
  }

  #stopRetry(): void {
    if (this.#retryTimer !== null) unrefTimers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#downSince = 0;
    this.#attempts = 0;
  }

  /** The subprotocols to offer: the caller's, plus `sockway` and the token when there is one. */
  #protocols(): string | string[] | undefined {
    const { protocols, token } = this.#options;
    if (token === undefined) return protocols;
    const value = typeof token === 'function' ? token() : token;
    const own = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
    return [...own.filter((protocol) => protocol !== SUBPROTOCOL), SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${value}`];
  }

  /** Node: the WebSocket keeps the process alive only while a socket or server holds it. */
  #applyRef(): void {
    this.#transport?.setRef(this.#holding > 0);
  }
}

/** 16 random hex digits: a session's route key. */
function newRouteKey(): string {
  return Array.from(defaultRandomBytes(8), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * `url` with `?sockway_route=KEY` (ROUTE_PARAMETER) added, the rest of it as written: a load
 * balancer that hashes this parameter sends every WebSocket of the session to the same
 * gateway instance (docs/deployment.md). Appended as text, not through URLSearchParams,
 * which would re-encode the caller's own parameters.
 */
export function withRouteKey(url: string, key: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${ROUTE_PARAMETER}=${key}${hash === -1 ? '' : url.slice(hash)}`;
}

/** Sends `request` (an OPEN, LISTEN or QUERY another session never processed) on `session`. */
function reissue(session: Session, request: NonNullable<SessionStream['request']>, handler: StreamHandler): SessionStream | null {
  switch (request.type) {
    case 'open': {
      const { type: _type, streamId: _id, ...open } = request;
      return session.open(open, handler);
    }
    case 'listen': {
      const { type: _type, streamId: _id, ...listen } = request;
      return session.listen(listen, handler);
    }
    case 'query': {
      const { type: _type, streamId: _id, ...query } = request;
      return session.query(query, handler);
    }
  }
}

/** Creates a tunnel to a sockway gateway; `tunnel.net` is Node's net surface over it. */
export function createTunnel(options: TunnelOptions): Tunnel {
  return new TunnelImpl(options);
}
