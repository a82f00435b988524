import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { RoutedWebSocket } from './routed-socket.ts';

function routed(): { socket: RoutedWebSocket; sent: Buffer[]; closes: [number, string][] } {
  const sent: Buffer[] = [];
  const closes: [number, string][] = [];
  const socket = new RoutedWebSocket({
    send: (message, delivered) => {
      sent.push(message);
      delivered();
    },
    close: (code, reason) => closes.push([code, reason]),
  });
  return { socket, sent, closes };
}

test('messages: binary ones as such, text ones flagged; sends are copies and call back', async () => {
  const { socket, sent } = routed();
  const got: [string, boolean][] = [];
  socket.on('message', (data: Buffer, isBinary: boolean) => got.push([data.toString(), isBinary]));
  socket.receive(Buffer.from('bin'));
  socket.receive('text');
  assert.deepEqual(got, [['bin', true], ['text', false]]);
  const data = new Uint8Array([1, 2]);
  let called = false;
  socket.send(data, { binary: true }, () => { called = true; });
  data[0] = 9;
  assert.deepEqual([...(sent[0] as Buffer)], [1, 2]);
  await Promise.resolve();
  assert.equal(called, true);
});

test('a peer that delivers later: the callback waits for it, and what waits is the bufferedAmount', async () => {
  const waiting: (() => void)[] = [];
  let buffered = 0;
  const socket = new RoutedWebSocket({
    send: (message, delivered) => {
      buffered += message.length;
      waiting.push(() => {
        buffered -= message.length;
        delivered();
      });
    },
    close: () => {},
    bufferedAmount: () => buffered,
  });
  const called: number[] = [];
  socket.send(new Uint8Array(3), { binary: true }, () => called.push(1));
  socket.send(new Uint8Array(4), { binary: true }, () => called.push(2));
  assert.equal(socket.bufferedAmount, 7);
  await Promise.resolve();
  assert.deepEqual(called, []);
  waiting.shift()?.();
  await Promise.resolve();
  assert.deepEqual([called, socket.bufferedAmount], [[1], 4]);
});

test('close(): the peer gets the code once, then one close event; nothing is sent after', async () => {
  const { socket, sent, closes } = routed();
  socket.close(4001, 'bye');
  socket.close(4002, 'again');
  assert.equal(socket.readyState, socket.CLOSED);
  const [code, reason] = await once(socket, 'close') as [number, Buffer];
  assert.deepEqual([code, reason.toString()], [4001, 'bye']);
  socket.send(new Uint8Array(1), { binary: true }, () => {});
  assert.deepEqual(closes, [[4001, 'bye']]);
  assert.equal(sent.length, 0);
});

test('terminate(): the gateway sees an abnormal close (1006); a ping is answered by a pong', async () => {
  const { socket, closes } = routed();
  socket.ping();
  await once(socket, 'pong');
  socket.terminate();
  const [code] = await once(socket, 'close') as [number];
  assert.equal(code, 1006);
  assert.deepEqual(closes, [[1011, 'dropped']]);
});

test('the page closing: one close event with its code; later messages are ignored', async () => {
  const { socket } = routed();
  let messages = 0;
  socket.on('message', () => { messages += 1; });
  socket.peerClosed(1000, '');
  socket.receive(Buffer.from('late'));
  const [code] = await once(socket, 'close') as [number];
  assert.equal(code, 1000);
  assert.equal(messages, 0);
});
