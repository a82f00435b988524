/**
 * WsTransport's fair turns: a burst of messages on one WebSocket is handled a few at a
 * time per turn of the event loop, so other connections get their turn in between.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { WsTransport } from './ws-transport.ts';

test('a burst of 2,000 messages on one WebSocket is handled 16 per turn, not all at once', async (t) => {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    wss.close();
    server.close();
  });
  const turns: number[] = [];
  let inTurn = 0;
  let total = 0;
  const done = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      const transport = new WsTransport(ws);
      transport.attach({
        onOpen: () => {},
        onClose: () => {},
        onDrain: () => {},
        onMessage: () => {
          // Count messages per turn: a turn ends when an immediate queued in it runs.
          if (inTurn === 0) {
            setImmediate(() => {
              turns.push(inTurn);
              inTurn = 0;
            });
          }
          inTurn += 1;
          total += 1;
          if (total === 2_000) setImmediate(() => setImmediate(resolve));
        },
      });
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { perMessageDeflate: false });
  t.after(() => client.terminate());
  await once(client, 'open');
  // One write: the gateway reads it all in one go.
  const socket = (client as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  socket.cork();
  for (let i = 0; i < 2_000; i += 1) client.send(new Uint8Array(8));
  socket.uncork();
  await done;
  assert.equal(turns.reduce((sum, n) => sum + n, 0), 2_000);
  assert.ok(Math.max(...turns) <= 16, `at most 16 messages in one turn, saw ${Math.max(...turns)}`);
  assert.equal(turns[0], 16, 'the first messages of a turn are handled at once');
});
