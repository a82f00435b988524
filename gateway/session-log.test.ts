/**
 * Request ids in the log: from its handshake on, every line about a session carries its
 * `sessionTag` (and `session`, the WebSocket's number), and every line about a stream its
 * `stream` id as well, so that the lines with one tag tell that session's whole story —
 * across a dropped WebSocket and its resumption, which is another WebSocket's number.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createTunnel } from '../client/index.ts';
import { NodeWebSocket } from '../e2e/fixtures/start-gateway.ts';
import { type GatewayLogEntry, createGateway } from './gateway.ts';
import { startTarget, until } from './testing/harness.ts';

test('grep a sessionTag: the session\'s whole story, its streams and its resumption included', async (t) => {
  const echo = await startTarget(t);
  const logs: GatewayLogEntry[] = [];
  const gateway = createGateway({ allow: [`127.0.0.1:${echo.port}`], keepaliveInterval: 0, log: (entry) => logs.push(entry) });
  t.after(() => gateway.close());
  const { port } = await gateway.listen();
  const tunnel = createTunnel({ url: `ws://127.0.0.1:${port}/`, WebSocket: NodeWebSocket, keepaliveInterval: 0 });

  const socket = tunnel.net.connect(echo.port, '127.0.0.1');
  await once(socket, 'connect');
  const denied = tunnel.net.connect(echo.port + (echo.port === 65_535 ? -1 : 1), '127.0.0.1');
  await once(denied, 'error');
  const reconnected = new Promise<void>((resolve) => tunnel.on('reconnect', () => resolve()));
  tunnel.dropConnection();
  await reconnected;
  socket.end('after the resumption');
  let echoed = '';
  socket.on('data', (chunk: Buffer) => {
    echoed += chunk.toString();
  });
  await once(socket, 'close');
  assert.equal(echoed, 'after the resumption');
  tunnel.close();
  await until(() => logs.some((entry) => entry.event === 'session-closed'), 'the session to close');

  const ready = logs.find((entry) => entry.event === 'session-ready');
  assert.ok(ready);
  const tag = ready['sessionTag'];
  assert.match(String(tag), /^[0-9a-f]{16}$/);
  assert.equal(ready['clientAddress'], '127.0.0.1');
  const session = ready['session'];
  const story = logs.filter((entry) => entry['sessionTag'] === tag);
  assert.deepEqual(
    [...new Set(story.map((entry) => entry.event))].sort(),
    ['session-closed', 'session-detached', 'session-ready', 'session-resumed', 'stream-closed', 'stream-connected', 'stream-denied'],
  );
  // From the handshake on, no line about the session goes without its tag.
  const fromReady = logs.slice(logs.indexOf(ready));
  assert.deepEqual(fromReady.filter((entry) => entry['session'] === session && entry['sessionTag'] !== tag).map((entry) => entry.event), []);
  for (const entry of story.filter((line) => line.event.startsWith('stream-'))) {
    assert.equal(typeof entry['stream'], 'number', `${entry.event} names its stream`);
  }
  const [connected, closed] = ['stream-connected', 'stream-closed'].map((event) => story.find((entry) => entry.event === event));
  assert.equal(connected?.['stream'], closed?.['stream'], 'one stream\'s lines share its id');
  // The resumption came on another WebSocket (another number); the tag ties it in.
  const resumed = story.find((entry) => entry.event === 'session-resumed');
  assert.notEqual(resumed?.['on'], session);
  assert.ok(logs.some((entry) => entry.event === 'session-open' && entry['session'] === resumed?.['on']));
});
