/**
 * A fleet of short-lived Node processes through one gateway (issue 13, item 5): before,
 * each exited process left its session waiting 60 s to be resumed, counted against
 * maxSessionsPerClient (32), so the 33rd process from one host within a minute was
 * refused (SOCKWAY_ERR_LIMIT). The gateway here is the CLI with its default limits; each
 * process connects, echoes, and exits on its own (nothing holds it once its socket closed).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startEchoServer, type TestServer } from '../e2e/fixtures/tcp-servers.ts';
import { bundled } from './testing/abuse-build.ts';
import { type CliGateway, startCliGateway } from './testing/abuse-gateway.ts';

const run = promisify(execFile);
const PROCESSES = 200;

let echo: TestServer;
let gateway: CliGateway;

before(async () => {
  echo = await startEchoServer();
  gateway = await startCliGateway({ args: ['--allow', `127.0.0.1:${echo.port}`] });
});

after(async () => {
  await gateway.stop(5_000);
  await echo.close();
});

/** One process: connect through the gateway, send `text`, print what came back, exit by itself. */
const CHILD = (client: string): string => `
  const { createTunnel, NodeWebSocket } = require(${JSON.stringify(client)});
  const [url, port, text] = process.argv.slice(1);
  const socket = createTunnel({ url, WebSocket: NodeWebSocket }).net.connect(Number(port), '127.0.0.1');
  const chunks = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('error', (error) => { console.log(JSON.stringify({ error: error.code, message: error.message })); process.exitCode = 1; });
  socket.on('end', () => console.log(JSON.stringify({ echoed: Buffer.concat(chunks).toString() })));
  socket.end(text);
`;

test(`${PROCESSES} short-lived Node processes, one after another, through one gateway with default limits: all served`, { timeout: 120_000 }, async () => {
  const script = CHILD(bundled(new URL('../client/testing/node-client.ts', import.meta.url), { standalone: true }));
  const started = Date.now();
  for (let i = 0; i < PROCESSES; i += 1) {
    const text = `process ${i}`;
    // A process that does not exit on its own (something holds its event loop) is killed: a failure.
    const { stdout } = await run(process.execPath, ['-e', script, gateway.url, String(echo.port), text], { timeout: 10_000 });
    assert.deepEqual(JSON.parse(stdout.trim()), { echoed: text }, `process ${i}`);
  }
  const ms = Date.now() - started;
  console.log(`# ${PROCESSES} processes in ${ms} ms (${(ms / PROCESSES).toFixed(1)} ms each)`);
  assert.equal(gateway.events.get('session-refused') ?? 0, 0, 'no session refused');
  assert.equal(gateway.events.get('session-detached') ?? 0, 0, 'no session kept to resume');
  assert.equal(gateway.errorCount(), 0, gateway.errorLines.join('\n'));
});
