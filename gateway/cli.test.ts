/**
 * The gateway as users run it: the `sockway-gateway` command (bin/ → dist/),
 * a separate process, driven by the client library over a real WebSocket.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createTunnel } from '../client/index.ts';
import { NodeWebSocket } from '../e2e/fixtures/start-gateway.ts';
import { startEchoServer, type TestServer } from '../e2e/fixtures/tcp-servers.ts';
import { BIN, MAIN, startCli } from './testing/cli-process.ts';
let echo: TestServer;

before(() => {
  // npm test builds first; a direct run of this file builds here.
  if (!existsSync(new URL('../dist/gateway/main.js', import.meta.url))) {
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    assert.equal(built.status, 0, 'npm run build');
  }
});

before(async () => {
  echo = await startEchoServer();
});

after(async () => {
  await echo.close();
});

test('sockway-gateway CLI: relays an allowed destination, denies others, exits 0 on SIGTERM', async () => {
  const { child, url, stderr } = await startCli(['--port', '0', '--host', '127.0.0.1', '--path', '/sockway', '--allow', `127.0.0.1:${echo.port}`]);
  assert.match(url, /\/sockway$/);
  const tunnel = createTunnel({ url, WebSocket: NodeWebSocket });
  const socket = tunnel.net.connect(echo.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'connect');
  socket.end('through the CLI');
  await once(socket, 'close');
  assert.equal(Buffer.concat(chunks).toString(), 'through the CLI');

  const denied = tunnel.net.connect(echo.port + 1 === 65536 ? 1 : echo.port + 1, '127.0.0.1');
  const [error] = await once(denied, 'error');
  assert.equal(error.code, 'SOCKWAY_ERR_DENIED');

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  tunnel.close();
  assert.match(stderr(), /"event":"stream-denied"/, 'the denial is logged as one structured line');
});

test('sockway-gateway CLI: --help prints usage; a bad rule is a usage error (exit 2)', async () => {
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--allow/);
  const bad = spawnSync(process.execPath, [BIN, '--allow', 'nonsense'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /nonsense/);
});

test('sockway-gateway --version prints the package.json version, from dist/ and from the sources alike', () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const argv of [[BIN, '--version'], ['--import', 'tsx', MAIN, '--version']]) {
    const run = spawnSync(process.execPath, argv, { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `sockway-gateway ${version}\n`, argv.join(' '));
  }
});

test('sockway-gateway CLI: --admin-port serves the probes there and not on --port; --log-level warn drops info lines', async () => {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--admin-port', '0', '--log-level', 'warn', '--allow', `127.0.0.1:${echo.port}`], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => { throw new Error(`gateway exited (${code}): ${stderr}`); }),
  ])) as [{ type: string; port: number; adminPort: number }];
  assert.equal(ready.type, 'ready');
  assert.equal((await fetch(`http://127.0.0.1:${ready.adminPort}/readyz`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${ready.port}/healthz`)).status, 404);

  const tunnel = createTunnel({ url: `ws://127.0.0.1:${ready.port}/`, WebSocket: NodeWebSocket });
  const socket = tunnel.net.connect(echo.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end('x');
  socket.resume();
  await once(socket, 'close');
  const denied = tunnel.net.connect(echo.port + 1 === 65536 ? 1 : echo.port + 1, '127.0.0.1');
  await once(denied, 'error');
  tunnel.close();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.equal((await exited)[0], 0);
  const levels = stderr.trim().split('\n').map((line) => (JSON.parse(line) as { level: string; event: string }));
  assert.ok(levels.some((entry) => entry.event === 'stream-denied'), stderr);
  assert.deepEqual(levels.filter((entry) => entry.level !== 'warn' && entry.level !== 'error'), []);
});
