/**
 * sockway/playwright in Chromium: the e2e page (sockway's net through the Vite plugin),
 * served by a plain static server with no gateway, gets its gateway WebSocket routed by
 * sockway.route() to an in-process gateway. A fake name is mapped to a local echo server;
 * bytes echo, a dropped WebSocket resumes without losing any, an unmapped name is refused,
 * and streams() reports what happened.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { serveStatic } from '../demo/static-files.ts';
import type { GatewayLogEntry } from '../gateway/index.ts';
import { type SockwayRoute, sockway } from '../playwright/index.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { buildE2ePage, removeBuild } from './fixtures/e2e-page.ts';
import { type TestServer, startEchoServer } from './fixtures/tcp-servers.ts';

/** What the page keeps between evaluate() calls. */
interface PageState {
  sockwayE2E: { net: { connect(port: number, host: string): PageSocket } };
  socket?: PageSocket;
  received?: string;
  events?: string[];
}
interface PageSocket {
  on(event: string, listener: (value?: unknown) => void): void;
  once(event: string, listener: (value?: unknown) => void): void;
  write(data: string): void;
  end(): void;
  remoteAddress?: string;
  remotePort?: number;
}

let browser: Browser;
let pageDir: string;
let server: http.Server;
let pageUrl: string;
let echo: TestServer;

before(async () => {
  [pageDir, echo, browser] = await Promise.all([buildE2ePage(), startEchoServer(), launchChromium()]);
  // The page's own origin only: no gateway listens anywhere.
  server = http.createServer((request, response) => {
    if (!serveStatic(pageDir, request, response)) response.writeHead(404).end('not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await echo?.close();
  if (pageDir) removeBuild(pageDir);
});

describe('sockway.route() in Chromium', { timeout: 120_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  let route: SockwayRoute;
  const logs: GatewayLogEntry[] = [];
  const waiters: { event: string; resolve: (entry: GatewayLogEntry) => void }[] = [];
  /** The next gateway log entry with this event. */
  const nextLog = (event: string): Promise<GatewayLogEntry> => new Promise((resolve) => waiters.push({ event, resolve }));
  let setupMs = 0;

  before(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    const started = performance.now();
    route = await sockway.route(page, {
      hosts: { 'db.internal:5432': `localhost:${echo.port}` },
      gateway: {
        log: (entry) => {
          logs.push(entry);
          const index = waiters.findIndex((waiter) => waiter.event === entry.event);
          if (index >= 0) waiters.splice(index, 1)[0]?.resolve(entry);
        },
      },
    });
    setupMs = performance.now() - started;
    await page.goto(pageUrl);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  });

  after(async () => {
    await context?.close();
    await route?.close();
    console.log(`# sockway.route() setup: ${setupMs.toFixed(1)} ms`);
  });

  test('a mapped name reaches the local server; a dropped WebSocket resumes without losing bytes', async () => {
    const first = await page.evaluate(() => new Promise<{ echoed: string; remotePort: number | undefined }>((resolve, reject) => {
      const state = globalThis as unknown as PageState;
      const socket = state.sockwayE2E.net.connect(5432, 'db.internal');
      state.socket = socket;
      state.received = '';
      state.events = [];
      socket.on('error', (error) => state.events?.push(`error ${String((error as { code?: string }).code)}`));
      socket.on('close', () => state.events?.push('close'));
      socket.on('data', (data) => {
        state.received += String(data);
        if (state.received === 'one') resolve({ echoed: state.received, remotePort: socket.remotePort });
      });
      socket.once('connect', () => socket.write('one'));
      socket.once('error', reject);
    }));
    // A mapped name is transparent: the page's peer port is the one it dialed, not the local server's.
    assert.deepEqual(first, { echoed: 'one', remotePort: 5432 });

    const resumed = nextLog('session-resumed');
    await route.dropConnection();
    await resumed;

    const second = await page.evaluate(() => new Promise<{ received: string; events: string[] }>((resolve) => {
      const state = globalThis as unknown as PageState;
      state.socket?.on('data', () => {
        if (state.received === 'onetwo') resolve({ received: state.received, events: state.events ?? [] });
      });
      state.socket?.write('two');
    }));
    assert.deepEqual(second, { received: 'onetwo', events: [] });
    assert.equal(route.gateway.stats().resumes, 1);

    const closed = nextLog('stream-closed');
    await page.evaluate(() => (globalThis as unknown as PageState).socket?.end());
    await closed;
    assert.deepEqual(route.streams(), [{ destination: 'db.internal:5432', bytesSent: 6, bytesReceived: 6, state: 'closed' }]);
  });

  test('an unmapped destination is refused with the gateway\'s denial', async () => {
    const failure = await page.evaluate(() => new Promise<{ code: unknown; sockwayCode: unknown; address: unknown; port: unknown }>((resolve) => {
      const state = globalThis as unknown as PageState;
      const socket = state.sockwayE2E.net.connect(6379, 'cache.internal');
      socket.once('error', (error) => {
        const fields = error as { code?: unknown; sockwayCode?: unknown; address?: unknown; port?: unknown };
        resolve({ code: fields.code, sockwayCode: fields.sockwayCode, address: fields.address, port: fields.port });
      });
    }));
    assert.deepEqual(failure, { code: 'SOCKWAY_ERR_DENIED', sockwayCode: undefined, address: 'cache.internal', port: 6379 });
    assert.deepEqual(route.streams().at(-1), { destination: 'cache.internal:6379', bytesSent: 0, bytesReceived: 0, state: 'denied' });
  });
});

describe('sockway.route() on a BrowserContext', { timeout: 120_000 }, () => {
  test('every page of the context is routed to the one gateway', async () => {
    const context = await browser.newContext();
    const route = await sockway.route(context, { hosts: { 'db.internal:5432': `localhost:${echo.port}` } });
    try {
      const pages = await Promise.all([context.newPage(), context.newPage()]);
      const echoed = await Promise.all(pages.map(async (page, index) => {
        await page.goto(pageUrl);
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
        return page.evaluate((text) => new Promise<string>((resolve, reject) => {
          const socket = (globalThis as unknown as PageState).sockwayE2E.net.connect(5432, 'db.internal');
          socket.once('error', reject);
          socket.once('connect', () => socket.write(text));
          socket.on('data', (data) => {
            socket.end();
            resolve(String(data));
          });
        }), `page ${index}`);
      }));
      assert.deepEqual(echoed, ['page 0', 'page 1']);
      assert.equal(route.gateway.stats().sessions, 2);
      await route.waitFor(() => route.streams().every((stream) => stream.state === 'closed'));
      assert.deepEqual(route.streams().map((stream) => stream.destination), ['db.internal:5432', 'db.internal:5432']);
    } finally {
      await context.close();
      await route.close();
    }
  });
});
