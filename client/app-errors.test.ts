/**
 * App errors stay the app's (issue 13, item 4): an exception thrown by the app's own
 * listener escapes as in Node (process 'uncaughtException'), and neither the session nor
 * another socket on the same WebSocket notices. Run in a child process: the test runner
 * itself treats an uncaught exception as a failure of the test that is running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { startEchoServer, type TestServer } from '../e2e/fixtures/tcp-servers.ts';
import { startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';

let fixture: GatewayFixture;
let echo: TestServer;

before(async () => {
  echo = await startEchoServer();
  fixture = await startGateway({ allow: ['127.0.0.1:*'] });
});

after(async () => {
  await fixture.close();
  await echo.close();
});

/** Runs `body` (module code with `net` and `port` in scope) in a child process; resolves with its JSON report. */
async function inChild(body: string): Promise<Record<string, unknown>> {
  const script = `
    import WebSocket from 'ws';
    import { createTunnel } from './client/index.ts';
    const tunnel = createTunnel({ url: ${JSON.stringify(fixture.url)}, WebSocket });
    const net = tunnel.net;
    const port = ${echo.port};
    const uncaught = [];
    process.on('uncaughtException', (error) => uncaught.push(String(error.message)));
    const report = (fields) => { console.log(JSON.stringify({ ...fields, uncaught })); tunnel.close(); };
    ${body}
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const killer = setTimeout(() => child.kill(), 20_000);
  await once(child, 'exit');
  clearTimeout(killer);
  const line = out.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith('{'), `the child reported: ${out}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** The other socket: connected before the throw, echoes after it. */
const OTHER = `
  const other = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => other.once('connect', resolve));
  const echoOther = () => new Promise((resolve, reject) => {
    other.once('data', (chunk) => resolve(chunk.toString()));
    other.once('error', reject);
    other.write('still here');
  });
`;

for (const event of ['connect', 'data', 'end'] as const) {
  test(`a throwing '${event}' listener: the exception is uncaught as in Node, another socket on the same WebSocket still echoes`, async () => {
    const report = await inChild(`
      ${OTHER}
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      let thrown = false;
      socket.on('${event}', () => {
        if (thrown) return;
        thrown = true;
        throw new Error('app bug in ${event}');
      });
      ${event === 'connect' ? '' : `socket.once('connect', () => socket.${event === 'end' ? "end('bye')" : "write('hello')"});`}
      ${event === 'end' ? 'socket.resume(); // \'end\' comes once the data is consumed' : ''}
      while (!thrown) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const echoed = await echoOther();
      report({ echoed, otherDestroyed: other.destroyed });
    `);
    assert.deepEqual(report['uncaught'], [`app bug in ${event}`]);
    assert.equal(report['echoed'], 'still here');
    assert.equal(report['otherDestroyed'], false);
  });
}
