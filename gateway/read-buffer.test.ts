/**
 * How a TCP bridge reads (tcp-bridge.ts): small reads land in one buffer shared by every
 * bridge and are copied out; a bridge moving bulk data reads into buffers of its own,
 * handed over in place. Found by bench:load: every stream kept a 64 KiB read buffer for
 * its whole life, 640 MB for 10,000 streams that had each moved a few bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type * as net from 'node:net';
import { test } from 'node:test';
import { client, open, type Recorder, startGateway, startTarget, until } from './testing/harness.ts';

const KiB = 1024;

test('streams that moved a few bytes each hold no read buffer of their own', { timeout: 60_000 }, async (t) => {
  const STREAMS = 300;
  const target = await startTarget(t, (socket) => socket.end(Buffer.alloc(100, 0x62)));
  const { url } = await startGateway(t, { allow: [`127.0.0.1:${target.port}`], maxTcpSocketsPerClient: 1000, openRate: 10_000, openBurst: 1000 });
  const c = await client(t, url);
  const before = process.memoryUsage().external;
  const recorders: Recorder[] = [];
  // In batches, below the gateway's limit on a session's streams still connecting.
  for (let batch = 0; batch < STREAMS / 30; batch++) {
    const opened = Array.from({ length: 30 }, () => open(c, '127.0.0.1', target.port));
    await until(() => opened.every((r) => r.byteCount === 100), 'every stream of the batch read its 100 bytes');
    for (const r of opened) r.stream.end();
    recorders.push(...opened);
  }
  const grown = process.memoryUsage().external - before;
  // One 64 KiB buffer per stream, as before, would be 19 MiB.
  assert.ok(grown < STREAMS * 16 * KiB, `external memory grew by ${(grown / KiB).toFixed(0)} KiB for ${STREAMS} streams`);
  for (const r of recorders) assert.equal(r.data().toString(), 'b'.repeat(100));
});

test('streams reading at once, in small and large reads, each get exactly their own bytes', { timeout: 60_000 }, async (t) => {
  const STREAMS = 12;
  const sent = new Map<number, string>();
  // Each destination sends its own pattern in writes of every size, small ones between bulk ones.
  const target = await startTarget(t, (socket: net.Socket) => {
    const index = target.sockets.indexOf(socket);
    const hash = createHash('sha256');
    const sizes = [10, 70 * KiB, 3, 200 * KiB, 4 * KiB - 1, 4 * KiB, 1, 64 * KiB, 500, 300 * KiB];
    sizes.forEach((size, n) => {
      const chunk = Buffer.alloc(size, (index * 31 + n) % 251);
      hash.update(chunk);
      socket.write(chunk);
    });
    socket.end();
    sent.set(index, hash.digest('hex'));
  });
  const { url } = await startGateway(t, { allow: [`127.0.0.1:${target.port}`] });
  const c = await client(t, url);
  const recorders: Recorder[] = [];
  for (let i = 0; i < STREAMS; i++) {
    recorders.push(open(c, '127.0.0.1', target.port));
    // One at a time, so that accept order is open order.
    await until(() => target.sockets.length === i + 1, 'the destination accepted');
  }
  await Promise.all(recorders.map((r) => r.ended.promise));
  recorders.forEach((r, index) => {
    assert.equal(createHash('sha256').update(r.data()).digest('hex'), sent.get(index), `stream ${index}`);
  });
});
