/**
 * A Node process that ends closes its sessions (issue 13, item 5): from process 'exit'
 * the tunnel sends GOAWAY and a normal close, so the gateway ends the session at once,
 * even one with streams open (which a mere drop would keep for the resume grace).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startEchoServer, type TestServer } from '../e2e/fixtures/tcp-servers.ts';
import { startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';
import type { GatewayLogEntry } from '../gateway/index.ts';
import { bundled } from '../gateway/testing/abuse-build.ts';
import { until } from '../gateway/testing/harness.ts';

const run = promisify(execFile);
const logs: GatewayLogEntry[] = [];
let fixture: GatewayFixture;
let echo: TestServer;
let client: string;

before(async () => {
  echo = await startEchoServer();
  fixture = await startGateway({ allow: ['127.0.0.1:*'], log: (entry) => logs.push(entry) });
  client = bundled(new URL('./testing/node-client.ts', import.meta.url), { standalone: true });
});

after(async () => {
  await fixture.close();
  await echo.close();
});

/** Runs `body` in a child with `net` (a tunnel to the gateway) and `port` (the echo server) in scope. */
async function inChild(body: string): Promise<void> {
  await run(process.execPath, ['-e', `
    const { createTunnel, NodeWebSocket } = require(${JSON.stringify(client)});
    const net = createTunnel({ url: ${JSON.stringify(fixture.url)}, WebSocket: NodeWebSocket }).net;
    const port = ${echo.port};
    ${body}
  `], { timeout: 15_000 });
}

for (const [how, body] of [
  ['the loop runs dry with an unref\'d socket still open', "const s = net.connect(port, '127.0.0.1', () => { s.write('x'); s.once('data', () => s.unref()); });"],
  ['process.exit() with a socket open and reading', "const s = net.connect(port, '127.0.0.1', () => { s.write('x'); s.once('data', () => process.exit(0)); });"],
] as const) {
  test(`a process that exits (${how}) closes its session: the gateway ends it at once, stream and all`, { timeout: 30_000 }, async () => {
    logs.length = 0;
    await inChild(body);
    await until(() => logs.some((entry) => entry.event === 'session-closed'), 'the session to end');
    const closed = logs.find((entry) => entry.event === 'session-closed');
    assert.equal(closed?.['code'], 'SOCKWAY_ERR_GOING_AWAY');
    assert.equal(closed?.['reason'], 'the process exited');
    assert.ok(!logs.some((entry) => entry.event === 'session-detached'), 'not kept for a resume');
    assert.equal(fixture.gateway.sessions, 0);
  });
}
