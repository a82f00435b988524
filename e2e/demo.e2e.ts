/**
 * `npm start` as a person uses it: start it, open the printed URL in Chromium, connect
 * to the demo service, type lines and press Enter, read the replies on screen, see
 * Node-worded errors, then Ctrl-C. Saves a screenshot (path printed as a diagnostic).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './fixtures/chromium.ts';
import { REPO } from './fixtures/app-project.ts';

/** Where browser tests leave artifacts (screenshots). */
const OUTPUT_DIR = process.env['SOCKWAY_E2E_OUTPUT'] ?? join(tmpdir(), 'sockway-e2e');

let browser: Browser;
let child: ChildProcess;
let stdout = '';
let url: string;

before(async () => {
  const start = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'];
  assert.equal(start, 'node --import tsx scripts/start.ts', 'the test runs what npm start runs');
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  [browser, url] = await Promise.all([
    launchChromium(),
    new Promise<string>((resolve, reject) => {
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /sockway demo: (http:\/\/\S+)/.exec(stdout);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited early (${String(code)}): ${stdout}`)));
    }),
  ]);
});

after(async () => {
  await browser?.close();
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const logLines = (page: Page, kind: string): Promise<string[]> => page.locator(`#log li.${kind}`).allTextContents();

test('the demo page: connect, type, press Enter, read the replies; Node-worded errors', async (t) => {
  const page = await browser.newPage({ viewport: { width: 960, height: 760 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(url);
  await page.locator('#target option').nth(2).waitFor({ state: 'attached' });

  // The demo service is the first destination.
  await page.selectOption('#target', { index: 0 });
  await page.click('#connect');
  await page.locator('#log li.received', { hasText: 'Welcome to the sockway demo service' }).waitFor();
  assert.equal(await page.textContent('#ready-state'), 'open');

  const line = page.locator('#line');
  await line.click();
  await line.pressSequentially('UPPER hello from chromium');
  await line.press('Enter');
  await page.locator('#log li.received', { hasText: 'HELLO FROM CHROMIUM' }).waitFor();
  assert.equal(await line.inputValue(), '', 'Enter sent the line and cleared the input');

  // Replies that arrive over time show up as they arrive.
  await line.pressSequentially('COUNT 3');
  await line.press('Enter');
  await page.locator('#log li.received', { hasText: '1 of 3' }).waitFor();
  const whenFirst = await logLines(page, 'received');
  assert.ok(!whenFirst.includes('3 of 3'), 'the first count is on screen before the last is sent');
  await page.locator('#log li.received', { hasText: '3 of 3' }).waitFor();

  assert.deepEqual(await logLines(page, 'sent'), ['UPPER hello from chromium', 'COUNT 3']);
  const written = 'UPPER hello from chromium\nCOUNT 3\n'.length;
  await page.waitForFunction((n) => document.getElementById('bytes-written')?.textContent === String(n), written);
  const received = (await logLines(page, 'received')).reduce((sum, text) => sum + new TextEncoder().encode(`${text}\n`).length, 0);
  await page.waitForFunction((n) => document.getElementById('bytes-read')?.textContent === String(n), received);

  // A closed port: the error as Node words it.
  await page.click('#destroy');
  await page.waitForFunction(() => document.getElementById('ready-state')?.textContent === 'closed');
  await page.selectOption('#target', { index: 1 });
  await page.click('#connect');
  const refused = page.locator('#log li.error', { hasText: 'ECONNREFUSED' });
  await refused.waitFor();
  assert.match(
    (await refused.textContent()) ?? '',
    /^Error: connect ECONNREFUSED 127\.0\.0\.1:9 \{ errno: -?\d+, code: 'ECONNREFUSED', syscall: 'connect', address: '127\.0\.0\.1', port: 9 \}$/,
  );

  // Anything else: the gateway's policy says no.
  await page.selectOption('#target', 'custom');
  await page.locator('#custom').pressSequentially('example.com:80');
  await page.locator('#custom').press('Enter');
  const denied = page.locator('#log li.error', { hasText: 'SOCKWAY_ERR_DENIED' });
  await denied.waitFor();
  assert.match((await denied.textContent()) ?? '', /connect SOCKWAY_ERR_DENIED example\.com:80 \(not allowed by the gateway policy\).*code: 'SOCKWAY_ERR_DENIED', syscall: 'connect'/);
  assert.equal(await page.textContent('#ready-state'), 'closed');

  // Back to the service, to end on a live console for the screenshot.
  await page.selectOption('#target', { index: 0 });
  await page.click('#connect');
  await page.locator('#log li.received', { hasText: 'Welcome' }).nth(1).waitFor();
  await line.pressSequentially('ECHO typed by a person, read on screen');
  await line.press('Enter');
  await page.locator('#log li.received', { hasText: 'typed by a person, read on screen' }).waitFor();
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const screenshot = join(OUTPUT_DIR, 'demo-console.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('TCP server tab: Listen, a TCP client (like nc) chats with the page, Stop closes the port; the console\'s socket is not taken over', async () => {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(url);
  await page.locator('#target option').nth(2).waitFor({ state: 'attached' });
  // The console has a socket of its own, open all along.
  await page.selectOption('#target', { index: 0 });
  await page.click('#connect');
  await page.locator('#log li.received', { hasText: 'Welcome to the sockway demo service' }).waitFor();

  await page.click('#tab-server');
  assert.equal(await page.isVisible('#log'), false, 'the console is another tab');
  assert.equal(await page.isDisabled('#server-stop'), true, 'nothing to stop yet');
  await page.click('#server-listen');
  const status = page.locator('#server-status[data-listening="true"]');
  await status.waitFor();
  const port = Number(/^listening on 127\.0\.0\.1:(\d+) · 0 connections — try: nc 127\.0\.0\.1 \1$/.exec((await status.textContent()) ?? '')?.[1]);
  assert.ok(port > 0, 'the page shows the real port');

  const client = net.connect(port, '127.0.0.1');
  client.setEncoding('utf8');
  let heard = '';
  const heardLine = new Promise<void>((resolve) => client.on('data', (text: string) => {
    heard += text;
    if (heard.endsWith('\n')) resolve();
  }));
  const ended = once(client, 'end');
  await once(client, 'connect');
  client.write('hello from nc\n');
  await page.locator('#server-log li.received', { hasText: 'hello from nc' }).waitFor();
  await page.locator('#server-status', { hasText: '· 1 connection —' }).waitFor();
  const line = page.locator('#server-line');
  await line.pressSequentially('hello from the page');
  await line.press('Enter');
  await heardLine;
  assert.equal(heard, 'hello from the page\n');

  // Stop: server.close() and the connection ended; then nothing listens on the port.
  await page.click('#server-stop');
  await ended;
  await page.locator('#server-log li.event', { hasText: "'close': the server is closed" }).waitFor();
  const probe = net.connect(port, '127.0.0.1');
  const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ECONNREFUSED');
  assert.equal(await page.isDisabled('#server-listen'), false, 'it may listen again');

  // The console's socket never saw any of it, and still answers.
  await page.click('#tab-console');
  assert.equal(await page.textContent('#ready-state'), 'open');
  assert.deepEqual((await logLines(page, 'event')).filter((text) => text.includes('connection')), []);
  await page.locator('#line').pressSequentially('UPPER still the console');
  await page.locator('#line').press('Enter');
  await page.locator('#log li.received', { hasText: 'STILL THE CONSOLE' }).waitFor();
  assert.deepEqual(await page.locator('#server-log li.error').allTextContents(), []);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('SSH tab without a server: only the hint shows; the hidden form cannot be clicked or submitted into a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 960, height: 760 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(url);
  await page.locator('#target option').nth(2).waitFor({ state: 'attached' });
  await page.click('#tab-ssh');
  await page.locator('#ssh-hint', { hasText: 'npm start -- --with-servers' }).waitFor();
  assert.equal(await page.isVisible('#ssh-form'), false);
  assert.equal(await page.isVisible('#ssh-connect'), false);
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => navigations.push(frame.url()));
  // Every submit, as it leaves the page's own handlers: a default not prevented is a reload.
  await page.evaluate(() => {
    const seen: boolean[] = [];
    (globalThis as { submits?: boolean[] }).submits = seen;
    window.addEventListener('submit', (event) => seen.push(event.defaultPrevented));
  });
  const submits = (): Promise<boolean[] | undefined> => page.evaluate(() => (globalThis as { submits?: boolean[] }).submits);
  // A filled-in user name: the required field would otherwise stop any submit before it starts.
  await page.evaluate(() => ((document.getElementById('ssh-user') as HTMLInputElement).value = 'someone'));
  // Where the Open shell button would be if the form were shown: the click lands on whatever is there now.
  const spot = await page.evaluate(() => {
    const form = document.getElementById('ssh-form') as HTMLFormElement;
    form.hidden = false;
    const box = (document.getElementById('ssh-connect') as HTMLElement).getBoundingClientRect();
    form.hidden = true;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  });
  await page.mouse.click(spot.x, spot.y);
  assert.deepEqual(await submits(), [], 'the click reached no form');
  // What a click on the button or Enter in a field would do: the page keeps the submit.
  await page.evaluate(() => (document.getElementById('ssh-form') as HTMLFormElement).requestSubmit());
  assert.deepEqual(await submits(), [true], 'the submit was the page\'s (default prevented: no reload)');
  assert.deepEqual(navigations, []);
  assert.equal(await page.textContent('#ssh-status'), '', 'nothing was attempted');
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('Drop connection: the WebSocket drops, the page shows the resume, and the open socket keeps working', async (t) => {
  const page = await browser.newPage({ viewport: { width: 960, height: 760 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(url);
  await page.locator('#target option').nth(2).waitFor({ state: 'attached' });
  assert.equal(await page.isDisabled('#drop'), true, 'nothing to drop before the first socket');
  await page.selectOption('#target', { index: 0 });
  await page.click('#connect');
  await page.locator('#log li.received', { hasText: 'Welcome to the sockway demo service' }).waitFor();
  await page.waitForFunction(() => !(document.getElementById('drop') as HTMLButtonElement).disabled);
  const line = page.locator('#line');
  await line.pressSequentially('UPPER before the drop');
  await line.press('Enter');
  await page.locator('#log li.received', { hasText: 'BEFORE THE DROP' }).waitFor();

  await page.click('#drop');
  const status = page.locator('#link-status', { hasText: 'resumed after' });
  await status.waitFor();
  const text = (await status.textContent()) ?? '';
  assert.match(text, /^WebSocket: connection lost \(code \d+: dropped by tunnel\.dropConnection\(\)\)… resumed after \d+ ms \(\d+ attempts?\)$/);
  await page.locator('#log li.event', { hasText: "tunnel 'reconnect': resumed after" }).waitFor();
  assert.equal(await page.textContent('#ready-state'), 'open', 'the socket never noticed');

  // The same socket: a line typed after the drop is answered.
  await line.pressSequentially('UPPER typed after the drop');
  await line.press('Enter');
  await page.locator('#log li.received', { hasText: 'TYPED AFTER THE DROP' }).waitFor();
  const events = await logLines(page, 'event');
  assert.equal(events.filter((e) => e.startsWith("'connect'")).length, 1, 'one connection, before and after the drop');
  assert.deepEqual(events.filter((e) => e.startsWith("'close'") || e.startsWith("'end'")), [], 'the socket saw no close');
  assert.deepEqual(await logLines(page, 'error'), []);
  assert.equal(await page.textContent('#ready-state'), 'open');
  assert.deepEqual(pageErrors, []);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const screenshot = join(OUTPUT_DIR, 'demo-drop-connection.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);
  await page.close();
});

test('without --with-servers: the banner says how to get the SQL and SSH servers, in one line', () => {
  assert.match(stdout, /\nTip: npm start -- --with-servers also starts a throwaway PostgreSQL and OpenSSH server for the SQL and SSH tabs\.\nPress Ctrl-C to stop\.\n/);
});

test('Ctrl-C (SIGINT) stops npm start cleanly', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(stdout, /SIGINT: stopping\nstopped\n$/);
});
