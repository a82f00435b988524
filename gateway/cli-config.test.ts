/**
 * The CLI with a configuration file (gateway/main.ts run from the sources): it starts from
 * the file, and SIGHUP reloads it while a client keeps a stream open and moving data. A
 * good file changes the policy for new connections only; a bad one changes nothing and is
 * logged with its file, line and key; port and path changes are refused by name.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTunnel } from '../client/index.ts';
import type { Socket } from '../client/socket.ts';
import { NodeWebSocket } from '../e2e/fixtures/start-gateway.ts';
import { startEchoServer, type TestServer } from '../e2e/fixtures/tcp-servers.ts';
import { startCli } from './testing/cli-process.ts';
import { until } from './testing/harness.ts';

let first: TestServer;
let second: TestServer;
let dir: string;

before(async () => {
  first = await startEchoServer();
  second = await startEchoServer();
  dir = mkdtempSync(join(tmpdir(), 'sockway-cli-config-'));
});

after(async () => {
  await first.close();
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The JSON log lines the CLI wrote with `event`. */
function logLines(stderr: string, event: string): Record<string, unknown>[] {
  return stderr.split('\n').filter((line) => line.includes(`"event":"${event}"`)).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Writes `text` on `socket` and waits for its echo. */
async function echoes(socket: Socket, received: () => string, text: string): Promise<void> {
  const before = received().length;
  socket.write(text);
  await until(() => received().length >= before + text.length, `the echo of ${text}`);
  assert.equal(received().slice(before), text);
}

/** A new connection's outcome: 'connected' (then closed), or its error code and message. */
async function tryConnect(tunnel: ReturnType<typeof createTunnel>, port: number): Promise<string> {
  const socket = tunnel.net.connect(port, '127.0.0.1');
  const outcome = await new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('error', (error: Error & { code?: string }) => resolve(`${error.code ?? ''}: ${error.message}`));
  });
  socket.destroy();
  return outcome;
}

test('sockway-gateway --config: SIGHUP reloads the file while a stream stays open; a bad file leaves the old configuration in force', { timeout: 60_000 }, async () => {
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `# first\nport: 0\npath: /sockway\nallow:\n  - 127.0.0.1:${first.port}\nmaxSessions: 100\n`);
  const { child, url, stderr } = await startCli(['--config', file, '--host', '127.0.0.1'], { entry: 'source' });
  const exited = once(child, 'exit');
  const tunnel = createTunnel({ url, WebSocket: NodeWebSocket });
  try {
    assert.match(url, /\/sockway$/, 'the path comes from the file');
    const kept = tunnel.net.connect(first.port, '127.0.0.1');
    let received = '';
    kept.setEncoding('utf8');
    kept.on('data', (chunk: string) => { received += chunk; });
    await once(kept, 'connect');
    await echoes(kept, () => received, 'before any reload;');
    assert.match(await tryConnect(tunnel, second.port), /^SOCKWAY_ERR_DENIED: /);

    // A good file: the second server instead of the first; a new port and path are refused.
    writeFileSync(file, `# second\nport: 1\npath: /other\nallow:\n  - 127.0.0.1:${second.port}\nmaxSessions: 50\n`);
    child.kill('SIGHUP');
    await until(() => logLines(stderr(), 'config-reloaded').length === 1, 'config-reloaded', 20_000);
    assert.deepEqual(logLines(stderr(), 'config-reloaded')[0]?.['changed'], ['allow', 'maxSessions']);
    const refused = logLines(stderr(), 'config-reload-refused').flatMap((line) => (line['refused'] as { option: string }[]).map(({ option }) => option));
    assert.deepEqual(refused.sort(), ['path', 'port']);

    await echoes(kept, () => received, 'after the reload, to a destination now denied;');
    assert.equal(await tryConnect(tunnel, first.port), `SOCKWAY_ERR_DENIED: connect SOCKWAY_ERR_DENIED 127.0.0.1:${first.port} (not allowed by the gateway policy)`);
    assert.equal(await tryConnect(tunnel, second.port), 'connected');

    // A bad file: nothing changes, one line says why with the file, line and key.
    writeFileSync(file, `# third\nallow:\n  - 127.0.0.1:${first.port}\nlimits:\n  maxStreams: lots\n`);
    child.kill('SIGHUP');
    await until(() => logLines(stderr(), 'config-reload-failed').length === 1, 'config-reload-failed', 20_000);
    assert.equal(logLines(stderr(), 'config-reload-failed')[0]?.['error'], `${file}:5:3: limits.maxStreams: "lots" is not a whole number from 1 to 2147483647`);
    assert.equal(logLines(stderr(), 'config-reloaded').length, 1, 'no second config-reloaded');
    await echoes(kept, () => received, 'after the bad file;');
    assert.match(await tryConnect(tunnel, first.port), /^SOCKWAY_ERR_DENIED: /, 'the second file is still in force');
    assert.equal(await tryConnect(tunnel, second.port), 'connected');

    kept.end();
    await once(kept, 'close');
    assert.equal(received, 'before any reload;after the reload, to a destination now denied;after the bad file;');
  } finally {
    tunnel.close();
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, stderr());
  }
});

test('sockway-gateway --config: a bad file at start is a usage error naming the file, line and key (exit 2)', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, `{\n  "allow": ["127.0.0.1:1"],\n  "maxSesions": 3\n}\n`);
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['--import', 'tsx', new URL('./main.ts', import.meta.url).pathname, '--config', file], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.equal(run.stderr.split('\n')[0], `sockway-gateway: ${file}:3:3: maxSesions: unknown option; did you mean maxSessions?`);
});
