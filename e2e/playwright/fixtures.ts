/**
 * The e2e page (e2e/page: sockway's net in `globalThis.sockwayE2E` through the Vite
 * plugin) built once per worker and served by a plain static server with no gateway, as
 * the `baseURL`: sockway/playwright/test's route is the page's only way out.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveStatic } from '../../demo/static-files.ts';
import { test as sockwayTest } from '../../playwright/test.ts';
import { buildE2ePage, removeBuild } from '../fixtures/e2e-page.ts';

export { expect } from '../../playwright/test.ts';

export const test = sockwayTest.extend<object, { site: string }>({
  site: [
    async ({}, use) => {
      const dir = await buildE2ePage();
      const server = http.createServer((request, response) => {
        if (!serveStatic(dir, request, response)) response.writeHead(404).end('not found\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeBuild(dir);
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ site }, use) => use(site),
});
