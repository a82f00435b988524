/**
 * `sockway/playwright`: serves a page's sockway WebSocket from inside the test process
 * through Playwright's routeWebSocket(), so no gateway port is opened. Each route runs a
 * real gateway (gateway.serveWebSocket(): the same admission, policy and limits) whose
 * destinations are the test's `hosts`: names the app uses mapped to local servers.
 *
 *   const net = await sockway.route(page, { hosts: { 'db.internal:5432': `localhost:${port}` } });
 *   … the page's net.connect(5432, 'db.internal') reaches localhost:port …
 *   net.streams(); await net.dropConnection(); await net.close();
 */
import * as dns from 'node:dns';
import http from 'node:http';
import * as net from 'node:net';
import { type Gateway, type GatewayLogEntry, type GatewayOptions, type LookupAll, createGateway } from '../gateway/index.ts';
import { RoutedWebSocket } from '../gateway/routed-socket.ts';

/** The part of Playwright's WebSocketRoute used here (playwright-core and @playwright/test). */
export interface WebSocketRouteLike {
  url(): string;
  onMessage(handler: (message: string | Buffer) => unknown): void;
  onClose(handler: (code: number | undefined, reason: string | undefined) => unknown): void;
  send(message: string | Buffer): void;
  close(options?: { code?: number; reason?: string }): Promise<void>;
}

/** A Playwright Page or BrowserContext. */
export interface WebSocketRoutable {
  routeWebSocket(url: string | RegExp | ((url: URL) => boolean), handler: (route: WebSocketRouteLike) => unknown): Promise<unknown>;
}

/** Options of route(). */
export interface RouteOptions {
  /**
   * Which WebSockets are the page's gateway (as routeWebSocket() matches URLs). Default:
   * a URL whose path is `/sockway` (the Vite plugin's usual `gateway: '/sockway'`).
   */
  readonly url?: string | RegExp | ((url: URL) => boolean);
  /**
   * `'name:port'` the app dials → `'host:port'` of the server the test runs
   * (`{ 'db.internal:5432': 'localhost:54321' }`). Anything else is refused by the gateway's
   * policy (SOCKWAY_ERR_DENIED) unless `allow` lets it through unmapped.
   */
  readonly hosts: Readonly<Record<string, string>>;
  /** Gateway allow rules for destinations dialed as they are (not mapped). Default none. */
  readonly allow?: readonly string[];
  /** Further gateway options (limits, resumeGracePeriod, log, …). */
  readonly gateway?: Omit<GatewayOptions, 'allow' | 'policy' | 'lookup' | 'connect'>;
}

/** One stream the page opened. */
export interface StreamRecord {
  /** `host:port` as the page asked for it. */
  readonly destination: string;
  /** Bytes the gateway sent to the destination and received from it. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** 'open'; 'closed' (ended cleanly); 'denied' (policy); or the error code it ended with ('ECONNREFUSED'). */
  readonly ended: string;
}

/** What route() returns. */
export interface SockwayRoute {
  /** The gateway behind the route (stats(), sessions). */
  readonly gateway: Gateway;
  /** The streams opened so far, finished ones first. */
  streams(): StreamRecord[];
  /** Drops the page's WebSocket(s) without a GOAWAY: the page resumes its session on a new one. */
  dropConnection(): Promise<void>;
  /** Closes the gateway (its sessions get GOAWAY, its sockets close). */
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
  for (const [from, to] of Object.entries(options.hosts)) {
    const source = splitHostPort(from, 'hosts key');
    hosts.set(`${source.host.toLowerCase()}:${source.port}`, splitHostPort(to, `hosts['${from}']`));
  }
  const names = new Map([...hosts].map(([source, mapped]) => [source.slice(0, source.lastIndexOf(':')), mapped.host]));
  const finished: StreamRecord[] = [];
  const userLog = options.gateway?.log;
  const log = (entry: GatewayLogEntry): void => {
    if (entry.event === 'stream-closed' || (entry.event === 'stream-denied' && entry['stream'] !== undefined)) {
      finished.push({
        destination: `${String(entry['host'])}:${String(entry['port'])}`,
        bytesSent: Number(entry['bytesSent'] ?? 0),
        bytesReceived: Number(entry['bytesReceived'] ?? 0),
        ended: entry.event === 'stream-denied' ? 'denied' : typeof entry['code'] === 'string' ? entry['code'] : 'closed',
      });
    }
    userLog?.(entry);
  };
  // A mapped name resolves to its server's host; other names as usual (the policy still decides).
  const lookup: LookupAll = (hostname, lookupOptions, callback) => {
    const mapped = names.get(hostname.toLowerCase());
    dns.lookup(mapped ?? hostname, lookupOptions, callback);
  };
  const gateway = createGateway({
    ...options.gateway,
    // An exact name rule trusts its name's addresses, loopback included (policy.ts).
    allow: [...hosts.keys(), ...(options.allow ?? [])],
    lookup,
    connect: (connectOptions, destination) => {
      const mapped = hosts.get(`${destination.host.toLowerCase()}:${destination.port}`);
      return net.connect(mapped === undefined ? connectOptions : { ...connectOptions, port: mapped.port });
    },
    log,
  });
  const sockets = new Set<RoutedWebSocket>();
  await target.routeWebSocket(options.url ?? DEFAULT_URL, (webSocketRoute) => {
    const socket = new RoutedWebSocket({
      send: (message) => webSocketRoute.send(message),
      close: (code, reason) => {
        webSocketRoute.close({ code, reason }).catch(() => {});
      },
    });
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    webSocketRoute.onMessage((message) => socket.receive(message));
    webSocketRoute.onClose((code, reason) => socket.peerClosed(code ?? 1005, reason ?? ''));
    gateway.serveWebSocket(socket, upgradeRequest(webSocketRoute.url()));
  });
  return {
    gateway,
    streams: () => [
      ...finished,
      ...gateway.stats().streams.map((stream) => ({
        destination: `${stream.host}:${stream.port}`,
        bytesSent: stream.bytesSent,
        bytesReceived: stream.bytesReceived,
        ended: 'open',
      })),
    ],
    dropConnection: async () => {
      const closed = [...sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
      for (const socket of sockets) socket.terminate();
      await Promise.all(closed);
    },
    close: () => gateway.close(),
  };
}

/** The upgrade request admission reads: the URL (its route key) and a loopback peer; no Origin, no page headers. */
function upgradeRequest(url: string): http.IncomingMessage {
  const parsed = new URL(url);
  // Only remoteAddress is read of the socket (admission.ts clientAddressOf).
  const request = new http.IncomingMessage({ remoteAddress: '127.0.0.1' } as net.Socket);
  request.method = 'GET';
  request.url = `${parsed.pathname}${parsed.search}`;
  request.headers = { host: parsed.host };
  return request;
}

function splitHostPort(value: string, what: string): Mapped {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65535)) throw new TypeError(`${what} must be HOST:PORT, got '${value}'`);
  return { host: match[1] as string, port };
}

/** `sockway.route(page, options)`. */
export const sockway = { route };
