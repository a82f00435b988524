/**
 * A built page served as files and nothing else: a plain HTTP server on a loopback port,
 * with no gateway and no upgrade handler. Under sockway/playwright/test the page's
 * sockway WebSocket is routed by the test, so this is all a page needs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveStatic } from '../../demo/static-files.ts';

/** A served directory. */
export interface StaticSite {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the files under `root` (with `headers` on every response) on an ephemeral loopback port. */
export async function serveDirectory(root: string, headers: Readonly<Record<string, string>> = {}): Promise<StaticSite> {
  const server = http.createServer((request, response) => {
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    if (!serveStatic(root, request, response)) response.writeHead(404).end('not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
