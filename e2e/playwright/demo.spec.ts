/**
 * The demo's TCP console (demo/, what `npm start` serves; e2e/demo.e2e.ts drives it
 * through `npm start`) ported to sockway/playwright/test: the page built by the demo's own
 * build and served as static files, no gateway process and no gateway port; the test
 * routes its WebSocket and maps the name the page dials, `lines.demo.internal:7000`, to the
 * demo's line service started in the test process. What the kit adds over npm start: the
 * faults come from the test (refuse, reset, a dropped WebSocket), and the test sees the
 * streams from the gateway's side. Every assertion reads the screen.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { type LineService, startLineService } from '../../demo/line-service.ts';
import type { PageConfig } from '../../demo/page-config.ts';
import { buildDemoPage } from '../../demo/server.ts';
import { expect, test as base } from '../../playwright/test.ts';
import { serveDirectory } from './static-site.ts';

/** The line service as the page knows it: a production-like name, not a test port. */
const LINES = { host: 'lines.demo.internal', port: 7000 } as const;
const LINES_DESTINATION = `${LINES.host}:${LINES.port}`;
/** What demo/server.ts would put in /targets.json; here a file of the static build. */
const PAGE_CONFIG: PageConfig = { targets: [{ label: 'Demo line service', ...LINES }], allowed: [] };

const test = base.extend<object, { lineService: LineService; demoSite: string }>({
  lineService: [
    async ({}, use) => {
      const service = await startLineService();
      await use(service);
      await service.close();
    },
    { scope: 'worker' },
  ],
  demoSite: [
    async ({}, use) => {
      const dir = await buildDemoPage();
      writeFileSync(join(dir, 'targets.json'), JSON.stringify(PAGE_CONFIG));
      const site = await serveDirectory(dir);
      await use(site.url);
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ demoSite }, use) => use(demoSite),
  sockwayOptions: async ({ lineService }, use) => use({ hosts: { [LINES_DESTINATION]: `localhost:${lineService.port}` } }),
});

/** Opens the demo; resolves once its destinations are listed. Returns the page's uncaught errors, as they come. */
async function openDemo(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto('/');
  await expect(page.locator('#target option')).toHaveText([`Demo line service — ${LINES_DESTINATION}`, 'Another host:port (the demo policy denies it)']);
  return errors;
}

/** Connect to the line service: its welcome on screen. */
async function connectToLines(page: Page, welcomes = 1): Promise<void> {
  await page.selectOption('#target', { index: 0 });
  await page.click('#connect');
  await expect(page.locator('#log li.received', { hasText: 'Welcome to the sockway demo service' })).toHaveCount(welcomes);
  await expect(page.locator('#ready-state')).toHaveText('open');
}

/** Types a line and presses Enter, as a person does. */
async function type(page: Page, line: string): Promise<void> {
  await page.locator('#line').pressSequentially(line);
  await page.locator('#line').press('Enter');
}

/** BYE: the service ends the connection, the page sees 'end' and 'close' (nothing left open). */
async function sayBye(page: Page): Promise<void> {
  await type(page, 'BYE');
  await expect(page.locator('#log li.event').last()).toHaveText("'close'");
  await expect(page.locator('#log li.event', { hasText: "'end': the server closed its side" })).toHaveCount(1);
  await expect(page.locator('#ready-state')).toHaveText('closed');
}

test('connect to the line service by its production name, type, press Enter, read the replies; the test sees the stream', async ({ page, sockway }) => {
  const errors = await openDemo(page);
  await connectToLines(page);
  // As if the name were real: the port the page dialed, though the service listens elsewhere.
  await expect(page.locator('#log li.event', { hasText: "'connect'" })).toHaveText(`'connect': 127.0.0.1:${LINES.port} via the gateway`);

  await type(page, 'UPPER hello from chromium');
  await expect(page.locator('#log li.received').last()).toHaveText('HELLO FROM CHROMIUM');
  await expect(page.locator('#line')).toHaveValue('');
  // Replies that arrive over time show up as they arrive: 1 of 3 before 3 of 3 was sent.
  await type(page, 'COUNT 3');
  await expect(page.locator('#log li.received').last()).toHaveText('1 of 3');
  await expect(page.locator('#log li.received').last()).toHaveText('3 of 3');
  await expect(page.locator('#log li.sent')).toHaveText(['UPPER hello from chromium', 'COUNT 3']);

  await sayBye(page);
  // The page's counters and the gateway's agree, byte for byte.
  const written = Number(await page.textContent('#bytes-written'));
  const read = Number(await page.textContent('#bytes-read'));
  expect(written).toBe('UPPER hello from chromium\nCOUNT 3\nBYE\n'.length);
  expect(sockway.streams()).toEqual([{ destination: LINES_DESTINATION, bytesSent: written, bytesReceived: read, state: 'closed' }]);
  expect(errors).toEqual([]);
});

test('refuse, from the test: Connect shows connect ECONNREFUSED as Node words it; cleared, Connect works again', async ({ page, sockway }) => {
  const errors = await openDemo(page);
  sockway.fault(LINES_DESTINATION, 'refuse');
  await page.selectOption('#target', { index: 0 });
  await page.click('#connect');
  await expect(page.locator('#log li.error')).toHaveText([
    /^Error: connect ECONNREFUSED 127\.0\.0\.1:7000 \{ errno: -\d+, code: 'ECONNREFUSED', syscall: 'connect', address: '127\.0\.0\.1', port: 7000 \}$/,
  ]);
  await expect(page.locator('#log li.event').last()).toHaveText("'close' (after an error)");
  await expect(page.locator('#ready-state')).toHaveText('closed');

  sockway.fault(LINES_DESTINATION, null);
  await connectToLines(page);
  await sayBye(page);
  expect(sockway.streams().map((stream) => stream.state)).toEqual(['ECONNREFUSED', 'closed']);
  expect(errors).toEqual([]);
});

test('reset, from the test, mid-session: the console shows read ECONNRESET and the socket closes', async ({ page, sockway }) => {
  const errors = await openDemo(page);
  await connectToLines(page);
  await type(page, 'ECHO before the reset');
  await expect(page.locator('#log li.received').last()).toHaveText('before the reset');
  sockway.fault(LINES_DESTINATION, 'reset');
  await expect(page.locator('#log li.error')).toHaveText([/^Error: read ECONNRESET \{ errno: -\d+, code: 'ECONNRESET', syscall: 'read' \}$/]);
  await expect(page.locator('#log li.event').last()).toHaveText("'close' (after an error)");
  await expect(page.locator('#ready-state')).toHaveText('closed');
  await expect(page.locator('#line')).toBeDisabled();
  expect(sockway.streams().map((stream) => stream.state)).toEqual(['ECONNRESET']);
  expect(errors).toEqual([]);
});

test('a dropped WebSocket, from the test: the page shows the resume, the open socket never notices and keeps working', async ({ page, sockway }) => {
  const errors = await openDemo(page);
  await connectToLines(page);
  await type(page, 'UPPER before the drop');
  await expect(page.locator('#log li.received').last()).toHaveText('BEFORE THE DROP');

  const resumed = sockway.waitForEvent('session-resumed');
  await sockway.dropConnection();
  await resumed;
  await expect(page.locator('#link-status')).toHaveText(/^WebSocket: connection lost \(code \d+: dropped\)… resumed after \d+ ms \(1 attempt\)$/);
  await expect(page.locator('#log li.event', { hasText: "tunnel 'reconnect': resumed after" })).toHaveCount(1);
  await expect(page.locator('#ready-state')).toHaveText('open');

  await type(page, 'UPPER typed after the drop');
  await expect(page.locator('#log li.received').last()).toHaveText('TYPED AFTER THE DROP');
  await expect(page.locator('#log li.event', { hasText: /^'connect'/ })).toHaveCount(1);
  await sayBye(page);
  expect(sockway.gateway.stats().resumes).toBe(1);
  await expect(page.locator('#log li.error')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a destination the test did not map: the policy denies it, worded as the gateway words it', async ({ page, sockway }) => {
  const errors = await openDemo(page);
  await page.selectOption('#target', 'custom');
  await page.locator('#custom').pressSequentially('example.com:80');
  await page.locator('#custom').press('Enter');
  await expect(page.locator('#log li.error')).toHaveText([/^Error: connect SOCKWAY_ERR_DENIED example\.com:80 \(not allowed by the gateway policy\).*code: 'SOCKWAY_ERR_DENIED', syscall: 'connect'/]);
  await expect(page.locator('#ready-state')).toHaveText('closed');
  expect(sockway.streams()).toEqual([{ destination: 'example.com:80', bytesSent: 0, bytesReceived: 0, state: 'denied' }]);
  expect(errors).toEqual([]);
});
