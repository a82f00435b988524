/**
 * A page that ends closes its session (issue 13, item 5): on 'pagehide' the tunnel sends
 * GOAWAY and a normal close, so the gateway ends the session, open sockets and all, at
 * once and never keeps it for a resume. (Chromium's own close, 1001 while the document is
 * torn down, would reach the gateway as 'the client went away'.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { until } from '../gateway/testing/harness.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type PageServer, buildE2ePage, removeBuild, startPageServer } from './fixtures/e2e-page.ts';
import { type TestServer, startEchoServer } from './fixtures/tcp-servers.ts';

let browser: Browser;
let pageDir: string;
let server: PageServer;
let echo: TestServer;

before(async () => {
  [pageDir, echo, browser] = await Promise.all([buildE2ePage(), startEchoServer(), launchChromium()]);
  server = await startPageServer(pageDir, { allow: [`127.0.0.1:${echo.port}`] });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await echo?.close();
  if (pageDir) removeBuild(pageDir);
});

for (const how of ['navigates away', 'is closed'] as const) {
  test(`a page that ${how} with a socket open closes its session: the gateway ends it at once`, async () => {
    server.logs.length = 0;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    await page.evaluate((port) => new Promise<void>((resolve, reject) => {
      const { net } = (globalThis as unknown as { sockwayE2E: { net: typeof import('node:net') } }).sockwayE2E;
      const socket = net.connect(port, '127.0.0.1', () => resolve());
      socket.on('error', reject);
    }), echo.port);
    assert.equal(server.gateway.sessions, 1);
    if (how === 'navigates away') await page.goto('about:blank');
    else await page.close({ runBeforeUnload: true });
    await until(() => server.gateway.sessions === 0, 'the gateway to end the session');
    const closed = server.logs.find((entry) => entry.event === 'session-closed');
    assert.equal(closed?.['reason'], 'the page was closed', `closed with: ${JSON.stringify(closed)}`);
    assert.ok(!server.logs.some((entry) => entry.event === 'session-detached'), 'not kept for a resume');
    await context.close();
  });
}
