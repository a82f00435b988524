/**
 * The operator's HTTP endpoints: `/healthz` (200 while the process serves), `/readyz` (200
 * while the gateway takes new sessions; 503 with a one-line reason while it drains or is at
 * its session limit) and `/metrics` (Prometheus text, metrics.ts). GET and HEAD.
 *
 * Where: on the admin server (gateway.listenAdmin(), `--admin-port`) all three, and then
 * none on the gateway's own port (the point of an admin port is to keep them off the public
 * one). Without an admin server, the gateway's own port answers `/healthz` and `/readyz`,
 * and `/metrics` only when asked (`metrics: true`, `--metrics`): metrics reveal load. The
 * probes' answers never carry a count.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { boundedServerOptions } from './pending-connections.ts';
import type { GatewayLogEntry } from './gateway-log.ts';

/** Whether the gateway takes new sessions, and if not, why (one line, no counts). */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** The endpoints' paths. */
export const ADMIN_PATHS = { health: '/healthz', ready: '/readyz', metrics: '/metrics' } as const;
export type AdminPath = (typeof ADMIN_PATHS)[keyof typeof ADMIN_PATHS];

/** What the endpoints read. */
export interface AdminSource {
  readonly readiness: () => Readiness;
  readonly registry: () => Registry;
}

/** ms a request to the admin server may take to arrive. */
const REQUEST_TIMEOUT = 10_000;

/**
 * Answers `request` when its path is one of `served`; false (nothing written) for any
 * other path, which the caller answers itself.
 */
export function answerAdmin(request: http.IncomingMessage, response: http.ServerResponse, served: ReadonlySet<AdminPath>, source: AdminSource): boolean {
  const path = pathOf(request.url) as AdminPath;
  if (!served.has(path)) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    reply(response, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    return true;
  }
  switch (path) {
    case ADMIN_PATHS.health:
      reply(response, 200, 'ok\n');
      return true;
    case ADMIN_PATHS.ready: {
      const readiness = source.readiness();
      reply(response, readiness.ready ? 200 : 503, readiness.ready ? 'ready\n' : `not ready: ${readiness.reason}\n`);
      return true;
    }
    case ADMIN_PATHS.metrics: {
      const registry = source.registry();
      registry.metrics().then(
        (text) => reply(response, 200, text, { 'content-type': registry.contentType }),
        (error: unknown) => reply(response, 500, `metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
      );
      return true;
    }
  }
}

/** The gateway's admin server: every endpoint, nothing else (404). */
export class AdminServer {
  readonly #server: http.Server;
  #listening = false;

  constructor(source: AdminSource, log: (entry: GatewayLogEntry) => void) {
    const all = new Set<AdminPath>(Object.values(ADMIN_PATHS));
    this.#server = http.createServer(boundedServerOptions(REQUEST_TIMEOUT), (request, response) => {
      try {
        if (!answerAdmin(request, response, all, source)) reply(response, 404, 'not found\n');
      } catch (error) {
        log({ level: 'error', event: 'internal-error', where: 'admin', error: String(error) });
        response.destroy();
      }
    });
    this.#server.on('error', (error) => log({ level: 'error', event: 'server-error', server: 'admin', error: error.message }));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise<AddressInfo>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        this.#listening = true;
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Stops the server and drops its connections (Prometheus keeps them alive). */
  close(): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    return closed;
  }
}

function reply(response: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  if (response.headersSent || response.destroyed) return;
  // HEAD: Node sends the headers (Content-Length included) and leaves the body out.
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** The path of a request URL, without the query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
