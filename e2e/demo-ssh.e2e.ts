/**
 * The demo's SSH terminal as a person uses it: `npm start -- --ssh host:port` (here
 * startDemo({ ssh })) against a real OpenSSH sshd, log in with a password, type a
 * command into the xterm.js terminal, read its output on screen, exit. The host key it
 * shows is what `ssh-keygen -lf` prints for the server's key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
  // The host key as OpenSSH prints it: ssh-keygen -lf on the key the server used.
  const shown = /^host key (\S+) (SHA256:\S+)$/m.exec((await page.textContent('#ssh-status')) ?? '');
  assert.ok(shown !== null, 'the status shows the host key');
  const [, type = '', fingerprint] = shown;
  const file = { 'ssh-ed25519': 'host_ed25519.pub', 'ecdsa-sha2-nistp256': 'host_ecdsa.pub', 'ssh-rsa': 'host_rsa.pub' }[type];
  assert.ok(file !== undefined, `a host key type the server has: ${type}`);
  const printed = execFileSync('ssh-keygen', ['-lf', join(sshd.dir, file)], { encoding: 'utf8' });
  assert.equal(fingerprint, /^\d+ (SHA256:[A-Za-z0-9+/]+) /.exec(printed)?.[1], `ssh-keygen -lf: ${printed}`);
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
