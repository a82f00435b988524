/**
 * `sockway/playwright`: serves a page's sockway WebSocket from inside the test process
 * through Playwright's routeWebSocket(), so no gateway port is opened. Each route runs a
 * real gateway (gateway.serveWebSocket(): the same admission, policy, limits and TCP
 * bridges) whose destinations are the test's `hosts`: the names the app uses mapped to
 * local servers or to handlers in the test. From the test: faults on a destination,
 * conditions on the link, drops, waits, the streams opened and a frame trace.
 *
 *   const net = await sockway.route(page, { hosts: { 'db.internal:5432': `localhost:${port}` } });
 *   … the page's net.connect(5432, 'db.internal') reaches localhost:port …
 *   net.fault('db.internal:5432', 'refuse'); net.throttle({ latency: 100 }); await net.dropConnection();
 *
 * For @playwright/test, `sockway/playwright/test` wraps this in fixtures.
 */
import * as dns from 'node:dns';
import http from 'node:http';
import * as net from 'node:net';
import { type Gateway, type GatewayLogEntry, type GatewayOptions, type LookupAll, createGateway } from '../gateway/index.ts';
import { type DestinationFault, DESTINATION_FAULTS, FaultSocket } from './fault-socket.ts';
import { FrameTrace } from './frame-trace.ts';
import { HandlerServers, type HostHandler } from './handler-servers.ts';
import { LinkPath, type PathConditions } from './link.ts';
import { RoutedLink, type WebSocketRouteLike } from './routed-link.ts';
import { PAGE_SCRIPT, WORKER_PARAMETER, WORKER_PRELUDE } from './worker-bridge.ts';
import { StreamLog, type StreamRecord } from './stream-log.ts';

export type { DestinationFault } from './fault-socket.ts';
export type { WebSocketRouteLike } from './routed-link.ts';
export type { HostHandler } from './handler-servers.ts';
export type { StreamRecord, StreamState } from './stream-log.ts';

/** The part of Playwright's Route (HTTP) used to add the worker prelude to a worker's script. */
export interface HttpRouteLike {
  request(): { url(): string };
  fetch(options?: { url?: string }): Promise<{ text(): Promise<string>; status(): number; headers(): Record<string, string> }>;
  fulfill(options: { status?: number; headers?: Record<string, string>; body?: string }): Promise<void>;
}

/** A Playwright Page or BrowserContext. */
export interface WebSocketRoutable {
  routeWebSocket(url: string | RegExp | ((url: URL) => boolean), handler: (route: WebSocketRouteLike) => unknown): Promise<unknown>;
  /** A Page's URL: its origin is the Origin of the upgrade the gateway sees. */
  url?(): string;
  /** With route(): what carries a Web Worker's WebSockets through its page (worker-bridge.ts). */
  addInitScript?(script: { content: string }): Promise<unknown>;
  route?(url: RegExp, handler: (route: HttpRouteLike) => unknown): Promise<unknown>;
}

/**
 * Where a name the app dials goes: `'host:port'` of a server the test runs, or a handler
 * given each connection as a Node net.Socket (served from a loopback port of the test process).
 */
export type HostTarget = string | HostHandler;

/** Options of route(). */
export interface RouteOptions {
  /**
   * Which WebSockets are the page's gateway (as routeWebSocket() matches URLs). Default:
   * a URL whose path is `/sockway` (the Vite plugin's usual `gateway: '/sockway'`).
   */
  readonly url?: string | RegExp | ((url: URL) => boolean);
  /**
   * `'name:port'` the app dials → where it goes (`{ 'db.internal:5432': 'localhost:54321',
   * 'redis:6379': (socket) => socket.end('-ERR\r\n') }`). Anything else is refused by the
   * gateway's policy (SOCKWAY_ERR_DENIED) unless `allow` lets it through unmapped.
   */
  readonly hosts?: Readonly<Record<string, HostTarget>>;
  /** Gateway allow rules for destinations dialed as they are (not mapped). Default none. */
  readonly allow?: readonly string[];
  /** Further gateway options (limits, resumeGracePeriod, allowOrigins, log, …). */
  readonly gateway?: Omit<GatewayOptions, 'allow' | 'policy' | 'lookup' | 'connect'>;
  /**
   * Routes the WebSockets of the page's Web Workers too (Playwright's routeWebSocket() does
   * not see them): they are carried through the page (worker-bridge.ts). Default true.
   */
  readonly workers?: boolean;
}

/** Conditions of the link between the page and the gateway (throttle()). */
export interface LinkConditions {
  /** Milliseconds added one way, to both directions (a number) or each. Default 0. */
  readonly latency?: number | { readonly upload?: number; readonly download?: number };
  /** Bytes per second from the gateway to the page, at most. Default unlimited. */
  readonly download?: number;
  /** Bytes per second from the page to the gateway, at most. Default unlimited. */
  readonly upload?: number;
}

/** Options of the wait methods. */
export interface WaitOptions {
  /** Milliseconds before the wait fails, saying what it waited for and what it saw. Default 10,000. */
  readonly timeout?: number;
}

/** What route() returns. */
export interface SockwayRoute {
  /** The gateway behind the route (stats(), reload()); a new one after dropConnection({ resume: false }). */
  readonly gateway: Gateway;
  /** The streams the page opened, in the order it opened them. */
  streams(): StreamRecord[];
  /** Maps more names (or maps a name elsewhere) for the streams opened from now on. */
  map(hosts: Readonly<Record<string, HostTarget>>): Promise<void>;
  /**
   * Sets a fault on a destination (`'name:port'` as the page dials it), for open streams
   * and new ones, until cleared with null: 'refuse' (ECONNREFUSED), 'reset' (ECONNRESET),
   * 'blackhole' (connecting never ends; open streams receive nothing), 'stall' (the page
   * receives nothing more until cleared, then all of it).
   */
  fault(destination: string, fault: DestinationFault | null): void;
  /** Sets latency and bandwidth on the link for messages sent from now on (null: none). */
  throttle(conditions: LinkConditions | null): void;
  /**
   * Drops the page's WebSocket(s) without a GOAWAY. The page resumes its session on a new
   * one; with `{ resume: false }` the session is lost as when the gateway restarts: the
   * resume is refused, the page's open sockets fail with SOCKWAY_ERR_RESUME_FAILED and
   * new ones open a new session.
   */
  dropConnection(options?: { readonly resume?: boolean }): Promise<void>;
  /**
   * Takes the gateway off the network (true) or back (false): going offline drops the page's
   * WebSocket(s), and every new one fails at once while offline, as when the network or the
   * gateway is down. The page keeps trying to resume; back online within its `resumeTimeout`
   * (and the gateway's `resumeGracePeriod`), its session resumes and its sockets go on.
   */
  setOffline(offline: boolean): Promise<void>;
  /** Resolves with the first stream to `destination` that is (or was) in `state` (default 'open'). */
  waitForStream(destination: string, options?: WaitOptions & { readonly state?: 'open' | 'ended' }): Promise<StreamRecord>;
  /** Resolves once `condition` is true, checked after every frame and gateway event. */
  waitFor(condition: () => boolean, options?: WaitOptions & { readonly description?: string }): Promise<void>;
  /** Resolves at the next gateway log entry with this event ('session-resumed', 'session-ready', …). */
  waitForEvent(event: string, options?: WaitOptions): Promise<GatewayLogEntry>;
  /** Streams and listeners still open, one line each ([] when none), but streams to the `allowed` destinations. */
  leaks(allowed?: readonly string[]): string[];
  /** The frames so far as readable lines (the newest 2,000). */
  trace(): string;
  /** What the hosts' handlers threw (each ended its connection). */
  handlerErrors(): readonly Error[];
  /** Closes the gateway (its sessions get GOAWAY, its sockets close) and the handlers' servers. */
  close(): Promise<void>;
}

/** A mapped destination: where the gateway dials it. */
interface Mapped {
  readonly host: string;
  readonly port: number;
}

const DEFAULT_URL = (url: URL): boolean => url.pathname === '/sockway';

/** Routes the gateway WebSocket of `target` (a Page or BrowserContext) to an in-process gateway. */
export async function route(target: WebSocketRoutable, options: RouteOptions): Promise<SockwayRoute> {
  // 'name:port' (lower case) → where it is dialed; a name resolves to its server's host.
  const hosts = new Map<string, Mapped>();
  const handlers = new HandlerServers();
  const faults = new Map<string, DestinationFault>();
  const sockets = new Map<string, Set<FaultSocket>>();
  const log = new StreamLog();
  const trace = new FrameTrace();
  const userLog = options.gateway?.log;
  const gatewayOptions = (): GatewayOptions => ({
    ...options.gateway,
    // An exact name rule trusts its name's addresses, loopback included (policy.ts).
    allow: [...hosts.keys(), ...(options.allow ?? [])],
    lookup,
    connect,
    log: (entry) => {
      log.record(entry);
      userLog?.(entry);
    },
  });

  const map = async (entries: Readonly<Record<string, HostTarget>>): Promise<void> => {
    for (const [from, to] of Object.entries(entries)) {
      const source = splitHostPort(from, 'hosts key');
      const destination = typeof to === 'function' ? await handlers.serve(from, to) : splitHostPort(to, `hosts['${from}']`);
      hosts.set(key(source), destination);
    }
  };
  // A mapped name resolves to its server's host; other names as usual (the policy still decides).
  const lookup: LookupAll = (hostname, lookupOptions, callback) => {
    const name = hostname.toLowerCase();
    const mapped = [...hosts].find(([source]) => source.slice(0, source.lastIndexOf(':')) === name)?.[1];
    dns.lookup(mapped?.host ?? hostname, lookupOptions, callback);
  };
  const connect = (connectOptions: net.TcpNetConnectOpts, destination: { host: string; port: number }): net.Socket => {
    const name = key(destination);
    const socket = new FaultSocket(connectOptions);
    let open = sockets.get(name);
    if (open === undefined) sockets.set(name, (open = new Set()));
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    return socket.dial(connectOptions, hosts.get(name)?.port ?? connectOptions.port, faults.get(name) ?? null);
  };

  await map(options.hosts ?? {});
  let gateway = createGateway(gatewayOptions());
  const paths = { upload: new LinkPath(), download: new LinkPath() };
  const links = new Set<RoutedLink>();
  const changed = (): void => log.check();

  if (options.workers !== false) await routeWorkers(target);
  let offline = false;
  await target.routeWebSocket(options.url ?? DEFAULT_URL, (webSocketRoute) => {
    if (offline) {
      trace.record('gw→page', 'offline: the WebSocket fails at once (close 1011)');
      webSocketRoute.close({ code: 1011, reason: 'offline' }).catch(() => {});
      changed();
      return;
    }
    const link = new RoutedLink(webSocketRoute, { ...paths, trace, activity: changed });
    links.add(link);
    link.socket.once('close', () => links.delete(link));
    gateway.serveWebSocket(link.socket, upgradeRequest(webSocketRoute.url(), target));
  });

  const streams = (): StreamRecord[] => log.streams(gateway.stats().streams);
  const dropConnection = async ({ resume = true } = {}): Promise<void> => {
    const closed = [...links].map(({ socket }) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    paths.upload.clear();
    paths.download.clear();
    for (const link of links) link.cut();
    await Promise.all(closed);
    if (resume) return;
    // As a restart: the sessions are gone with their gateway, the next WebSockets meet a new one.
    const old = gateway;
    gateway = createGateway(gatewayOptions());
    await old.close();
  };
  return {
    get gateway() {
      return gateway;
    },
    streams,
    map: async (entries) => {
      await map(entries);
      gateway.reload(gatewayOptions());
    },
    fault: (destination, fault) => {
      if (fault !== null && !DESTINATION_FAULTS.includes(fault)) {
        throw new TypeError(`fault must be one of ${DESTINATION_FAULTS.map((name) => `'${name}'`).join(', ')} or null, got ${String(fault)}`);
      }
      const name = key(splitHostPort(destination, 'destination'));
      if (fault === null) faults.delete(name);
      else faults.set(name, fault);
      for (const socket of sockets.get(name) ?? []) socket.setFault(fault);
    },
    throttle: (conditions) => {
      const latency = conditions?.latency;
      const each = typeof latency === 'object' ? latency : { upload: latency, download: latency };
      paths.upload.set(pathConditions(each.upload, conditions?.upload));
      paths.download.set(pathConditions(each.download, conditions?.download));
    },
    dropConnection,
    setOffline: async (value) => {
      offline = value;
      if (value) await dropConnection();
    },
    waitForStream: (destination, { state = 'open', timeout } = {}) => {
      const name = key(splitHostPort(destination, 'destination'));
      // A record's destination is host:port as the gateway logs it: key()'s form, but for case.
      const found = (): StreamRecord | undefined => streams().find((stream) => stream.destination.toLowerCase() === name && (state === 'open' ? stream.state === 'open' : stream.state !== 'open'));
      return log.waitFor(found, `a stream to ${destination} ${state === 'open' ? 'open' : 'ended'}`, timeout, streams);
    },
    waitFor: async (condition, { timeout, description } = {}) => {
      await log.waitFor(() => (condition() ? true : undefined), description ?? 'the condition', timeout, streams);
    },
    waitForEvent: (event, { timeout } = {}) => log.waitForEvent(event, timeout),
    leaks: (allowed = []) => {
      const kept = new Set(allowed.map((destination) => key(splitHostPort(destination, 'allowed destination'))));
      const stats = gateway.stats();
      return [
        ...stats.streams.filter((stream) => !kept.has(key(stream))).map((stream) => `stream #${stream.id} to ${stream.host}:${stream.port} is still open (the page sent ${stream.bytesReceived} bytes, received ${stream.bytesSent})`),
        ...(stats.listeners > 0 ? [`${stats.listeners} net.Server listener(s) still listening`] : []),
      ];
    },
    trace: () => trace.text(),
    handlerErrors: () => handlers.errors(),
    close: async () => {
      paths.upload.clear();
      paths.download.clear();
      await gateway.close();
      await handlers.close();
    },
  };
}

/** Carries the WebSockets of `target`'s workers through their page, where routeWebSocket() sees them. */
async function routeWorkers(target: WebSocketRoutable): Promise<void> {
  if (target.addInitScript === undefined || target.route === undefined) return;
  await target.addInitScript({ content: PAGE_SCRIPT });
  await target.route(new RegExp(`[?&]${WORKER_PARAMETER}=1(?:&|$)`), async (route) => {
    const url = new URL(route.request().url());
    url.searchParams.delete(WORKER_PARAMETER);
    const response = await route.fetch({ url: url.href });
    // A new body: its own length, and text() already decoded it.
    const { 'content-length': _length, 'content-encoding': _encoding, ...headers } = response.headers();
    await route.fulfill({ status: response.status(), headers, body: `${WORKER_PRELUDE}${await response.text()}` });
  });
}

function pathConditions(latency: number | undefined, bandwidth: number | undefined): PathConditions {
  return { ...(latency === undefined ? {} : { latency }), ...(bandwidth === undefined ? {} : { bandwidth }) };
}

/**
 * The upgrade request admission reads: the URL (its route key), a loopback peer, and the
 * page's origin as Origin when routing a Page (a BrowserContext has no one URL).
 */
function upgradeRequest(url: string, target: WebSocketRoutable): http.IncomingMessage {
  const parsed = new URL(url);
  // Only remoteAddress is read of the socket (admission.ts clientAddressOf).
  const request = new http.IncomingMessage({ remoteAddress: '127.0.0.1' } as net.Socket);
  request.method = 'GET';
  request.url = `${parsed.pathname}${parsed.search}`;
  request.headers = { host: parsed.host };
  const origin = pageOrigin(target);
  if (origin !== undefined) request.headers.origin = origin;
  return request;
}

function pageOrigin(target: WebSocketRoutable): string | undefined {
  if (typeof target.url !== 'function') return undefined;
  try {
    const { origin, protocol } = new URL(target.url());
    return protocol === 'http:' || protocol === 'https:' ? origin : undefined;
  } catch {
    return undefined;
  }
}

function key(destination: Mapped): string {
  return `${destination.host.toLowerCase()}:${destination.port}`;
}

function splitHostPort(value: string, what: string): Mapped {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65535)) throw new TypeError(`${what} must be HOST:PORT, got '${value}'`);
  return { host: match[1] as string, port };
}

/** `sockway.route(page, options)`. */
export const sockway = { route };
