/**
 * The gateway's resource limits: their options, and the small machines that
 * enforce the ones the session does not (rate buckets, the per-session window budget,
 * the transport guard against ping floods and peers that stop reading).
 *
 * Each limit has one documented default and one clear result when it is hit: a
 * Node-style error on the stream that hit it (RESET), or a protocol close of the
 * session (GOAWAY, then the WebSocket close code named here). Their defaults and bounds
 * are in options-schema.ts; the limits table of docs/gateway.md and SECURITY.md in options-doc.ts.
 */
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { FrameType } from '../shared/protocol.ts';
import type { MessageTransport, TransportSink } from '../shared/transport.ts';

/** Limits a gateway enforces beyond the protocol's own (see GatewayOptions). All optional. */
export interface GatewayLimitOptions {
  /**
   * WebSocket sessions at once, all clients together. When full, a client holding at least
   * two fewer than the biggest holder still gets in: that holder's longest-idle session
   * without streams is closed (eviction.ts). Default 1024.
   */
  readonly maxSessions?: number;
  /** Sessions at once per client (an IPv4 address or an IPv6 /56, see ipv6ClientPrefix). Default 32. */
  readonly maxSessionsPerClient?: number;
  /** Prefix length of the IPv6 block counted as one client (32..128). Default 56: what one subscriber is usually given. */
  readonly ipv6ClientPrefix?: number;
  /** Streams of one session resolving or connecting at once, DNS QUERYs included; further ones wait their turn. Default 64. */
  readonly maxPendingOpens?: number;
  /** DNS resolutions in flight at once, all sessions together (OPEN lookups and QUERYs); further ones wait, round-robin across sessions. Default 512. */
  readonly maxDnsLookups?: number;
  /** ms a DNS QUERY may take, waiting for a slot included, before the page gets RESET ETIMEOUT. Default 10000. */
  readonly queryTimeout?: number;
  /** Listeners (net.Server) one session may have at once. Default 8. */
  readonly maxListeners?: number;
  /** OPENs per second per session, sustained (token bucket). Default 100. */
  readonly openRate?: number;
  /** OPENs a session may make in a burst. Default 256 (a page may open all its streams at once). */
  readonly openBurst?: number;
  /** PINGs per second per session (burst twice that). Default 10. */
  readonly pingRate?: number;
  /** ms a new WebSocket has to send HELLO. Default 10000. */
  readonly handshakeTimeout?: number;
  /** ms a session may go without any stream before it is closed; 0 = never. Default 300000 (5 min). */
  readonly sessionIdleTimeout?: number;
  /** ms a stream may go without traffic either way before it is reset; 0 = never. Default 1800000 (30 min). */
  readonly streamIdleTimeout?: number;
  /**
   * Bytes one session may make the gateway hold: the credit its streams' windows may
   * grow to together (receive auto-tuning stops there), and the frames waiting for a
   * client that does not read its WebSocket (past that, the session is dropped).
   * Default 32 MiB.
   */
  readonly maxSessionBufferedBytes?: number;
  /**
   * Bytes all sessions together may make the gateway hold towards pages: DATA queued on
   * their streams and frames kept for replay until the page ACKs them. When it is used
   * up, sessions stop reading their TCP sockets (backpressure, no error) until pages
   * acknowledge; each session keeps a reserve of min(1 MiB, memoryBudget / maxSessions).
   * Default a quarter of the machine's memory, from 64 MiB to 256 MiB.
   */
  readonly memoryBudget?: number;
  /**
   * HTTP connections at once on the gateway's own server (gateway.listen()): pending
   * upgrades, WebSockets, refusals. Further connections are dropped on accept.
   * Default: 1/5 of the process's descriptor limit (fd-budget.ts).
   */
  readonly maxConnections?: number;
  /**
   * Connections from one peer address (an IPv4 address or an IPv6 /56, ipv6ClientPrefix) still sending
   * their upgrade request, on the gateway's own server; further ones are dropped on
   * accept. 0 = no cap. Default 32, and 0 with trustProxy (every peer is the proxy).
   */
  readonly maxPendingConnectionsPerAddress?: number;
  /** TCP sockets (streams, listeners) at once, all clients. Default: 0.7 × the descriptor limit, minus the headroom (fd-budget.ts). */
  readonly maxTcpSockets?: number;
  /** TCP sockets at once per client (an IPv4 address or an IPv6 /56, ipv6ClientPrefix). Default: 1/16 of maxTcpSockets, at least 64. */
  readonly maxTcpSocketsPerClient?: number;
}

/** Every limit, filled in. Defaults, bounds and the limits table: options-schema.ts, options-doc.ts. */
export type GatewayLimits = { readonly [K in keyof GatewayLimitOptions]-?: number };

// ---- results ----

/** RESET for an OPEN over the open rate. */
export function openRateError(limits: GatewayLimits): WireError {
  return wireError({
    code: SockwayErrorCode.RateLimit,
    syscall: 'connect',
    message: `too many connection attempts on this session: at most ${limits.openRate} per second (burst ${limits.openBurst})`,
  });
}

/**
 * RESET for an OPEN or LISTEN over the TCP socket budget (fd-budget.ts), in Node's
 * `syscall CODE host:port` shape; never EMFILE, which would say the gateway is broken.
 */
export function socketLimitError(syscall: 'connect' | 'listen', host: string, port: number, full: 'gateway' | 'client'): WireError {
  const why = full === 'gateway' ? 'the gateway is at its connection limit' : 'this client is at its connection limit';
  return wireError({ code: SockwayErrorCode.Limit, syscall, address: host, port, message: `${syscall} ${SockwayErrorCode.Limit} ${host}:${port} (${why})` });
}

// ---- dial slots ----

/**
 * How many of a session's streams may resolve and connect at once (maxPendingOpens).
 * An OPEN past that waits, first come first served; its connect timeout runs from the
 * OPEN, so a queue that does not move ends in ETIMEDOUT, never in a pile of dials.
 */
export class DialSlots {
  readonly limit: number;
  #active = 0;
  readonly #waiting: { run: () => void; cancelled: boolean }[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Streams dialing now. */
  get active(): number {
    return this.#active;
  }

  /** Streams waiting for a slot. */
  get waiting(): number {
    return this.#waiting.filter((entry) => !entry.cancelled).length;
  }

  /**
   * Calls `start` (in a microtask) once a slot is free. Returns the release function:
   * call it when the stream stops dialing (connected, failed, or reset while waiting).
   */
  acquire(start: () => void): () => void {
    let state: 'waiting' | 'active' | 'released' = 'waiting';
    const entry = {
      cancelled: false,
      run: (): void => {
        state = 'active';
        this.#active += 1;
        queueMicrotask(start);
      },
    };
    if (this.#active < this.limit) entry.run();
    else this.#waiting.push(entry);
    return () => {
      if (state === 'waiting') entry.cancelled = true;
      else if (state === 'active') {
        this.#active -= 1;
        this.#next();
      }
      state = 'released';
    };
  }

  #next(): void {
    while (this.#active < this.limit) {
      const entry = this.#waiting.shift();
      if (entry === undefined) return;
      if (!entry.cancelled) entry.run();
    }
  }
}

// ---- token bucket ----

/** A token bucket: `rate` tokens per second, at most `burst` saved up. [HTTP/2 rapid-reset mitigations] */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(rate: number, burst: number, now: () => number = Date.now) {
    this.#rate = rate;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * For work whose cost is known only afterwards (tokens = ms of event loop, as for
   * STARTTLS secure contexts): may work start now? Charge it with charge().
   */
  admits(): boolean {
    this.#refill();
    return this.#tokens > 0;
  }

  /** Work took `cost` tokens: the bucket may go below zero, and then admits nothing for longer. */
  charge(cost: number): void {
    this.#refill();
    this.#tokens -= cost;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) * this.#rate) / 1000);
    this.#at = now;
  }
}

/** STARTTLS secure contexts (TokenBucket of ms: admits/charge): per session and for the whole gateway, ms per second and burst. */
export const TLS_CPU = Object.freeze({ sessionRate: 50, sessionBurst: 60, gatewayRate: 250, gatewayBurst: 60 });

// ---- window budget ----

/**
 * The credit one session's streams may hold at once. Every stream starts with the
 * announced window (that much is granted by the protocol, PROTOCOL.md#credit); receive
 * auto-tuning may grow a window only while the session's windows together stay within
 * the limit. So the page data the gateway can be made to buffer for slow destinations
 * is at most max(limit, streams × initial window) per session, plus each socket's
 * high-water mark. Wired to SessionOptions.onWindowGrow.
 */
export class WindowBudget {
  readonly limit: number;
  readonly #initial: number;
  /** Bytes of window beyond the initial one, per grown stream. */
  readonly #extra = new Map<number, number>();
  #total = 0;

  constructor(limit: number, initialWindow: number) {
    this.limit = limit;
    this.#initial = initialWindow;
  }

  /** Window bytes granted beyond the streams' initial windows. */
  get extra(): number {
    return this.#total;
  }

  /** May stream `id`'s window grow from `from` to `to`? Records it if so. */
  grow(id: number, streams: number, from: number, to: number): boolean {
    if (streams * this.#initial + this.#total + (to - from) > this.limit) return false;
    this.#total += to - from;
    this.#extra.set(id, (this.#extra.get(id) ?? 0) + (to - from));
    return true;
  }

  /** Stream `id` is gone: its grown window is free again. */
  release(id: number): void {
    const extra = this.#extra.get(id);
    if (extra === undefined) return;
    this.#extra.delete(id);
    this.#total -= extra;
  }
}

// ---- transport guard ----

/** Options of GuardedTransport. */
export interface GuardOptions {
  /** PINGs per second (burst twice that). */
  readonly pingRate: number;
  /** A PING arrived over the rate: close the session. Called once. */
  readonly onPingFlood: () => void;
  /** Largest send buffer tolerated (the peer is not reading past this). */
  readonly maxBufferedBytes: number;
  /** The send buffer went past maxBufferedBytes: drop the connection. Called once. */
  readonly onSendOverflow: (bufferedAmount: number) => void;
  readonly now?: () => number;
}

/**
 * Wraps the gateway's transport to enforce what the session does not: a PING rate
 * (PROTOCOL.md#keepalive: a PING flood must not make the gateway queue PONGs without
 * bound) and a cap on the send buffer of a peer that sends but never reads.
 */
export class GuardedTransport implements MessageTransport {
  readonly #inner: MessageTransport;
  readonly #options: GuardOptions;
  readonly #pings: TokenBucket;
  #tripped = false;

  constructor(inner: MessageTransport, options: GuardOptions) {
    this.#inner = inner;
    this.#options = options;
    this.#pings = new TokenBucket(options.pingRate, options.pingRate * 2, options.now);
  }

  get isOpen(): boolean {
    return this.#inner.isOpen;
  }

  get bufferedAmount(): number {
    return this.#inner.bufferedAmount;
  }

  attach(sink: TransportSink): void {
    this.#inner.attach({
      onOpen: () => sink.onOpen(),
      onClose: (info) => sink.onClose(info),
      onDrain: () => sink.onDrain(),
      onMessage: (message) => {
        if (this.#tripped) return;
        // Byte 0 of every frame is its type (PROTOCOL.md#header); nothing else is read here.
        const type = message[0];
        if (type === FrameType.Ping && !this.#pings.take()) {
          this.#tripped = true;
          this.#options.onPingFlood();
          return;
        }
        sink.onMessage(message);
      },
    });
  }

  send(message: Uint8Array): void {
    this.#inner.send(message);
    const buffered = this.#inner.bufferedAmount;
    if (buffered > this.#options.maxBufferedBytes && !this.#tripped) {
      this.#tripped = true;
      this.#options.onSendOverflow(buffered);
    }
  }

  requestDrain(): void {
    this.#inner.requestDrain();
  }

  close(code: number, reason: string): void {
    this.#inner.close(code, reason);
  }

  abort(): void {
    if (this.#inner.abort !== undefined) this.#inner.abort();
    else this.#inner.close(1001, 'connection dropped');
  }
}
