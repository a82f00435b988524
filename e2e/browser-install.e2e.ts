/**
 * A browser-only install: `npm install sockway` (the tarball, as users get it) pulls none of
 * the gateway's dependencies — `ws`, `ipaddr.js`, `prom-client` and the native addon `bufferutil` are
 * optional peer dependencies. What such an install bundles runs in Chromium: the bundler
 * recipe tests (esbuild-recipe, webpack-recipe, vite-plugin) use exactly these installs.
 * Here: nothing of the gateway's is installed, the client entries load, `sockway/gateway`
 * and the `sockway-gateway` command fail naming what to install, and after
 * `npm install ws ipaddr.js prom-client` the gateway relays a socket.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cleanNpmEnv, installApp, removeApp } from './fixtures/installed-package.ts';
import { startEchoServer, type TestServer } from './fixtures/tcp-servers.ts';

const GATEWAY_DEPENDENCIES = ['ws', 'ipaddr.js', 'prom-client', 'bufferutil'];
const MISSING = 'sockway/gateway needs ws, ipaddr.js and prom-client, which a browser-only install of sockway leaves out: npm install ws ipaddr.js prom-client';

let fixture: string;
let app: string;
let echo: TestServer;

before(async () => {
  fixture = mkdtempSync(join(tmpdir(), 'sockway-browser-only-'));
  writeFileSync(join(fixture, 'package.json'), JSON.stringify({ name: 'browser-only-app', private: true, type: 'module' }));
  app = installApp(fixture);
  echo = await startEchoServer();
});

after(async () => {
  await echo?.close();
  if (app) removeApp(app);
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

/** Runs `code` as an ES module in the app folder (so it resolves the app's packages). */
function runInApp(code: string, args: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code, ...args], { cwd: app, encoding: 'utf8' });
}

test('a browser-only install pulls none of the gateway\'s dependencies and no native addon', () => {
  const modules = join(app, 'node_modules');
  assert.ok(existsSync(join(modules, 'sockway', 'package.json')), 'sockway is installed');
  for (const name of GATEWAY_DEPENDENCIES) assert.equal(existsSync(join(modules, name)), false, `${name} was installed`);
  const packages = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((scoped) => `${name}/${scoped}`) : [name]));
  const native = packages.filter((name) => existsSync(join(modules, name, 'binding.gyp')));
  assert.deepEqual(native, []);
  const pkg = JSON.parse(readFileSync(join(modules, 'sockway', 'package.json'), 'utf8')) as { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
  for (const name of GATEWAY_DEPENDENCIES) assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `${name} is an optional peer dependency`);
});

test('the client entries and the bundler plugins load without them', () => {
  const result = runInApp("for (const entry of ['sockway', 'sockway/net', 'sockway/tls', 'sockway/dns', 'sockway/vite', 'sockway/esbuild', 'sockway/webpack']) await import(entry); console.log('loaded');");
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'loaded');
});

test('sockway/gateway fails with what to install', () => {
  const result = runInApp("try { await import('sockway/gateway'); } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }");
  assert.equal(result.status, 0, result.stderr);
  const error = JSON.parse(result.stdout) as { code: string; message: string };
  assert.equal(error.code, 'ERR_MODULE_NOT_FOUND');
  assert.ok(error.message.startsWith(MISSING), error.message);
});

test('the sockway-gateway command fails with what to install, on one line', () => {
  const result = spawnSync(join(app, 'node_modules', '.bin', 'sockway-gateway'), ['--allow', '127.0.0.1:9'], { cwd: app, encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^sockway-gateway: ${MISSING.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\n$`));
});

test('after npm install ws ipaddr.js prom-client, the gateway relays a socket', async () => {
  const installed = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', 'ws', 'ipaddr.js', 'prom-client'], { cwd: app, env: cleanNpmEnv(), encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stdout + installed.stderr);
  assert.equal(existsSync(join(app, 'node_modules', 'bufferutil')), false, 'bufferutil stays optional');
  // The gateway and a Node client (ws as its WebSocket), both from the app's node_modules.
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { createGateway } from 'sockway/gateway';
    import { createTunnel } from 'sockway';
    import WebSocket from 'ws';
    const port = Number(process.argv[1]);
    const gateway = createGateway({ allow: ['127.0.0.1:' + port] });
    const address = await gateway.listen({ port: 0, host: '127.0.0.1' });
    const tunnel = createTunnel({ url: 'ws://127.0.0.1:' + address.port + '/', WebSocket });
    const socket = tunnel.net.connect(port, '127.0.0.1', () => socket.end('ping'));
    let echoed = '';
    socket.on('data', (chunk) => (echoed += chunk));
    socket.on('close', async () => {
      tunnel.close();
      await gateway.close();
      console.log(echoed);
    });
  `, String(echo.port)], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.equal(stdout.trim(), 'ping');
});
