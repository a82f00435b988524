/** The gateway's public types: createGateway()'s options, the running Gateway and its stats. */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Limits } from '../shared/protocol.ts';
import type { StreamStats } from '../shared/session.ts';
import type { Readiness } from './admin-endpoint.ts';
import type { Authenticate } from './admission.ts';
import type { GatewayLimitOptions } from './limits.ts';
import type { Policy, Rule } from './policy.ts';
import type { GatewayLogEntry } from './gateway-log.ts';
import type { ConnectSocket, LookupAll, TcpBridgeInfo } from './tcp-bridge.ts';
import type { GatewayWebSocket } from './ws-transport.ts';
import type { TokenSecret } from './token.ts';

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
  /**
   * This gateway's name among several behind a load balancer (a host or pod name: 1 to 64
   * letters, digits and . _ : -). Its session ids start with a tag of it, so a RESUME that
   * reaches another instance is refused as misrouted. Default: random at start.
   */
  readonly instanceId?: string;
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
   * Dials a stream's TCP socket once the policy allowed it, given net.connect()'s options
   * (the allowed address) and the host and port the page asked for. Default net.connect().
   * For tests (sockway/playwright maps names to local servers with it).
   */
  readonly connect?: ConnectSocket;
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
  /**
   * Serve GET /metrics on this server too (Prometheus text). Default false: metrics reveal
   * load; prefer listenAdmin(). /healthz and /readyz are served here unless there is an admin server.
   */
  readonly metrics?: boolean;
}

/** Options of gateway.listenAdmin(). */
export interface AdminListenOptions {
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default '127.0.0.1'. */
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

/** What gateway.reload() did: option names only, never their values (secrets stay out of logs). */
export interface GatewayReloadResult {
  /** Options now in force with a new value (createGateway() names: `allow`, `maxSessions`). */
  readonly changed: readonly string[];
  /** Options whose new value was not applied (`path`, `limits.maxStreams`, …): they need a restart. */
  readonly refused: readonly { readonly option: string; readonly reason: string }[];
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
   * Serves a WebSocket accepted elsewhere (not by this gateway's HTTP server), e.g. one a
   * test routes to the gateway in-process: `request` is its upgrade request as admission
   * sees it (url, Origin and other headers, socket.remoteAddress), and the same admission,
   * policy and limits apply. The socket must be open. Refusals close it: an HTTP-status
   * refusal with close code 1008 (403) or 1013 (others), a GOAWAY one with the GOAWAY first.
   */
  serveWebSocket(ws: GatewayWebSocket, request: http.IncomingMessage): void;
  /**
   * GOAWAY to every session, refusing new streams; open streams may finish for `drainTimeout`
   * ms, then every TCP socket is closed, and the server; resolves once all is released.
   */
  close(): Promise<void>;
  /**
   * Applies new options to the running gateway, as createGateway() takes them (absent ones
   * return to their defaults): the policy (allow, deny, allowListen, denyListen or policy),
   * allowOrigins, the token settings (tokenSecret, tokenAudience or authenticate), and the
   * limits read when a session or stream starts (see RELOADABLE_OPTIONS and docs/gateway.md's
   * "Configuration file"). Sessions stay up and open streams keep their destination; new
   * upgrades and OPENs meet the new options; `log`, `lookup` and `connect`, when left out, stay as
   * they are. Every other option that differs is refused,
   * logged `config-reload-refused` and kept. Throws, changing nothing, for an invalid option;
   * logs `config-reloaded` with the names of the changed options.
   */
  reload(options: GatewayOptions): GatewayReloadResult;
  /**
   * Starts the admin server: GET /healthz, /readyz and /metrics, and nothing else. The
   * gateway's own server (listen()) then answers those paths 404.
   */
  listenAdmin(options?: AdminListenOptions): Promise<AddressInfo>;
  /** Whether the gateway takes new sessions: not while it drains (close()) or at its session limit. */
  readiness(): Readiness;
  /**
   * The gateway's own prom-client Registry (sockway_* metrics and Node's process metrics),
   * for an application that serves /metrics itself (`await registry.metrics()`, `registry.contentType`).
   */
  readonly metricsRegistry: Registry;
  /** Live sessions and streams, for tests and metrics. */
  stats(): GatewayStats;
  /** Number of live WebSocket sessions. */
  readonly sessions: number;
}
