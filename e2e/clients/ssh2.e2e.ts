/**
 * ssh2 (unmodified) in Chromium against a real OpenSSH sshd: an app built with Vite and
 * sockway({ crypto: 'full' }) logs in with keys (ed25519, ecdsa, rsa) and a password,
 * runs a command, drives an interactive shell on a pty and pipes 1 MiB through `cat`,
 * over each cipher sockway/crypto provides. The sshd is checked against its own host keys.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { serveStatic } from '../../demo/static-files.ts';
import { type Gateway, createGateway } from '../../gateway/index.ts';
import { sockway } from '../../vite/index.ts';
import { launchChromium } from '../fixtures/chromium.ts';
import { ENCRYPTED_KEY_PASSPHRASE, type SshServer, startSshd } from '../fixtures/servers/sshd.ts';
import type { AppConnectOptions, ExecResult, ShellResult, Ssh2App } from './ssh2-app/main.ts';

const APP_ROOT = fileURLToPath(new URL('./ssh2-app/', import.meta.url));

let browser: Browser;
let sshd: SshServer;
let gateway: Gateway;
let outDir: string;
let site: http.Server;
let page: Page;
const pageErrors: string[] = [];

/** Gzip size of the built JavaScript, as a page downloads it. */
function gzipBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) total += gzipSync(readFileSync(join(entry.parentPath, entry.name)), { level: 9 }).length;
  }
  return total;
}

before(async () => {
  [browser, sshd] = await Promise.all([launchChromium(), startSshd({ password: true })]);
  gateway = createGateway({ allow: [`127.0.0.1:${sshd.port}`] });
  const address = await gateway.listen({ port: 0, host: '127.0.0.1' });
  outDir = mkdtempSync(join(tmpdir(), 'sockway-ssh2-app-'));
  delete process.env['NODE_ENV'];
  await build({
    configFile: false,
    root: APP_ROOT,
    logLevel: 'warn',
    plugins: [sockway({ gateway: `ws://127.0.0.1:${address.port}/`, crypto: 'full' })],
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 2048 },
  });
  site = http.createServer((request, response) => {
    if (!serveStatic(outDir, request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? String(error)));
  await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  try {
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 30_000 });
  } catch (error) {
    throw new Error(`the ssh2 app did not load: ${String(error)}\n--- page errors ---\n${pageErrors.join('\n')}`);
  }
});

after(async () => {
  await browser?.close();
  site?.closeAllConnections();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await gateway?.close();
  await sshd?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function hostKeyBlob(line: string): string {
  return line.split(' ')[1] ?? '';
}

/** Connect options: the ed25519 user key unless a password is given. */
function options(extra: Partial<AppConnectOptions> = {}): AppConnectOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    ...(extra.password === undefined ? { privateKey: sshd.userKeys.ed25519.privateKey } : {}),
    expectedHostKey: hostKeyBlob(sshd.hostKeys.ed25519),
    ...extra,
  };
}

/** Calls the app in the page; a rejection carries the page's error and sshd's log. */
async function call<K extends keyof Ssh2App>(method: K, ...args: Parameters<Ssh2App[K]>): Promise<Awaited<ReturnType<Ssh2App[K]>>> {
  try {
    return await page.evaluate(
      ([name, params]) => (globalThis as unknown as { ssh2App: Record<string, (...a: unknown[]) => unknown> }).ssh2App[name]!(...params),
      [method, args] as const,
    ) as Awaited<ReturnType<Ssh2App[K]>>;
  } catch (error) {
    throw new Error(`${String(error)}\n--- page errors ---\n${pageErrors.join('\n')}\n--- sshd log (tail) ---\n${sshd.log().slice(-3000)}`);
  }
}

test('bundle: the ssh2 app builds with sockway({ crypto: "full" }); gzip size reported', (t) => {
  const bytes = gzipBytes(outDir);
  t.diagnostic(`ssh2 app JavaScript: ${(bytes / 1024).toFixed(1)} KiB gzip`);
  assert.ok(bytes > 50_000, 'the bundle holds ssh2 and sockway/crypto');
});

test('exec with an ed25519 key: curve25519-sha256, ssh-ed25519 host key, output and exit code', async () => {
  const result: ExecResult = await call('exec', options(), 'echo hello; uname -s; echo oops >&2; exit 3');
  assert.equal(result.stdout, 'hello\nLinux\n');
  assert.equal(result.stderr, 'oops\n');
  assert.equal(result.code, 3);
  assert.match(result.negotiated.kex, /^curve25519-sha256(@libssh\.org)?$/);
  assert.equal(result.negotiated.serverHostKey, 'ssh-ed25519');
  assert.equal(result.negotiated.compress, 'none');
  assert.deepEqual(pageErrors, []);
});

for (const [cipher, mac] of [
  ['aes128-gcm@openssh.com', undefined],
  ['aes256-gcm@openssh.com', undefined],
  ['chacha20-poly1305@openssh.com', undefined],
  ['aes128-ctr', 'hmac-sha2-256'],
  ['aes256-ctr', 'hmac-sha2-512-etm@openssh.com'],
  ['aes192-ctr', 'hmac-sha1'],
  ['aes256-cbc', 'hmac-sha2-256'],
] as const) {
  test(`cipher ${cipher}${mac === undefined ? '' : ` + ${mac}`}: 1 MiB through cat comes back intact`, async () => {
    const algorithms = { cipher: [cipher], ...(mac === undefined ? {} : { hmac: [mac] }) };
    const result = await call('roundTrip', options({ algorithms }), 1024 * 1024);
    assert.equal(result.negotiated.cipher, cipher);
    if (mac !== undefined) assert.equal(result.negotiated.mac, mac);
    assert.deepEqual({ received: result.received, same: result.same }, { received: 1024 * 1024, same: true });
  });
}

test('host keys: ecdsa-sha2-nistp256 and rsa-sha2-512 / rsa-sha2-256 signatures verify', async () => {
  for (const [serverHostKey, line] of [
    ['ecdsa-sha2-nistp256', sshd.hostKeys.ecdsa],
    ['rsa-sha2-512', sshd.hostKeys.rsa],
    ['rsa-sha2-256', sshd.hostKeys.rsa],
  ] as const) {
    const result = await call('exec', options({ algorithms: { serverHostKey: [serverHostKey] }, expectedHostKey: hostKeyBlob(line) }), 'echo ok');
    assert.equal(result.negotiated.serverHostKey, serverHostKey);
    assert.equal(result.stdout, 'ok\n');
  }
});

test('other key exchanges: ecdh-sha2-nistp256 (createECDH), DH group14/16 and group exchange (createDiffieHellman*)', async () => {
  for (const kex of ['ecdh-sha2-nistp256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group-exchange-sha256'] as const) {
    const result = await call('exec', options({ algorithms: { kex: [kex] } }), 'echo ok');
    assert.equal(result.negotiated.kex, kex);
    assert.equal(result.stdout, 'ok\n', kex);
  }
});

test('user keys: ecdsa and rsa private keys, and a passphrase-protected ed25519 key, authenticate', async () => {
  for (const key of [sshd.userKeys.ecdsa, sshd.userKeys.rsa]) {
    const result = await call('exec', options({ privateKey: key.privateKey }), 'whoami');
    assert.equal(result.stdout, `${sshd.username}\n`);
  }
  const encrypted = await call('exec', options({ privateKey: sshd.userKeys.encrypted.privateKey, passphrase: ENCRYPTED_KEY_PASSPHRASE }), 'whoami');
  assert.equal(encrypted.stdout, `${sshd.username}\n`);
});

test('password authentication', async () => {
  const user = sshd.passwordUser;
  assert.ok(user !== undefined, 'the fixture made a password user');
  const result = await call('exec', options({ username: user.username, password: user.password }), 'whoami');
  assert.equal(result.stdout, `${user.username}\n`);
});

test('a wrong host key is refused (hostVerifier), a wrong password fails authentication', async () => {
  await assert.rejects(call('exec', options({ expectedHostKey: hostKeyBlob(sshd.hostKeys.ecdsa) }), 'true'), /verification failed|Host denied/i);
  const user = sshd.passwordUser;
  assert.ok(user !== undefined);
  await assert.rejects(call('exec', options({ username: user.username, password: 'wrong' }), 'true'), /authentication methods failed/i);
});

test('interactive shell on a pty: typed commands run, output and exit code come back', async () => {
  const result: ShellResult = await call('shell', options(), ['tty', 'echo "sum=$((6*7))"', 'exit 5']);
  assert.match(result.output, /\/dev\/pts\/\d+/, 'a pty was allocated');
  assert.match(result.output, /sum=42/, 'the shell evaluated the typed command');
  assert.equal(result.code, 5);
});
