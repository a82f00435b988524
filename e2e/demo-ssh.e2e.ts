/**
 * The demo's SSH terminal as a person uses it: `npm start -- --ssh host:port` (here
 * startDemo({ ssh })) against a real OpenSSH sshd, log in with a password, type a
 * command into the xterm.js terminal, read its output on screen, exit.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type Demo, startDemo } from '../demo/server.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type SshServer, startSshd } from './fixtures/servers/sshd.ts';

/** Where browser tests leave artifacts (screenshots). */
const OUTPUT_DIR = process.env['SOCKWAY_E2E_OUTPUT'] ?? join(tmpdir(), 'sockway-e2e');

let browser: Browser;
let sshd: SshServer;
let demo: Demo;

before(async () => {
  [browser, sshd] = await Promise.all([launchChromium(), startSshd({ password: true })]);
  demo = await startDemo({ port: 0, ssh: { host: sshd.host, port: sshd.port } });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  await sshd?.close();
});

test('SSH terminal: password login, a typed command runs in the shell, exit closes it', async (t) => {
  const user = sshd.passwordUser;
  assert.ok(user !== undefined, 'the fixture made a password user');
  const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(demo.url);
  await page.click('#tab-ssh'); // each demo is a tab (demo/tabs.ts)
  await page.locator('#ssh-form').waitFor({ state: 'visible' });
  assert.equal(await page.inputValue('#ssh-target'), `${sshd.host}:${sshd.port}`);
  await page.fill('#ssh-user', user.username);
  await page.fill('#ssh-password', user.password);
  await page.click('#ssh-connect');
  const rows = page.locator('#terminal .xterm-rows');
  try {
    await page.locator('#ssh-status', { hasText: `logged in as ${user.username}` }).waitFor({ timeout: 20_000 });
    await rows.filter({ hasText: /\$\s*$/m }).waitFor({ timeout: 10_000 }); // the shell prompt
  } catch (error) {
    const status = await page.textContent('#ssh-status');
    throw new Error(`${String(error)}\nstatus: ${String(status)}\npage errors: ${pageErrors.join('\n')}\nsshd: ${sshd.log().slice(-2000)}`);
  }
  await page.click('#terminal');
  await page.keyboard.type('echo "sum=$((6*7))"\n');
  await rows.filter({ hasText: 'sum=42' }).waitFor({ timeout: 10_000 });
  assert.match(await page.textContent('#ssh-status') ?? '', /logged in/);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const screenshot = join(OUTPUT_DIR, 'demo-ssh-terminal.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);
  await page.keyboard.type('exit\n');
  await page.locator('#ssh-status', { hasText: /shell closed|disconnected/ }).waitFor({ timeout: 10_000 });
  assert.deepEqual(pageErrors, []);
});
