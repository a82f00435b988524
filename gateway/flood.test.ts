/**
 * Floods, each on its own hostile session against one gateway, with the default
 * limits: 10k OPENs, DATA for unknown and finished streams, credit overflow, a PING
 * flood, and a swarm of sessions from one client. After all of them the same gateway
 * serves a well-behaved client correctly (a 1 MiB echo, byte for byte).
 * [hashicorp/yamux TestSession_PingOfDeath; HTTP/2 rapid reset, CVE-2023-44487]
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encodeFrame } from '../shared/frame.ts';
import { type Gateway, type GatewayLogEntry, createGateway } from './gateway.ts';
import { HELLO, assertEchoes, attemptClient, client, goawayOf, open, openFrame, rawSocket, until } from './testing/harness.ts';

const T = { timeout: 30_000 };
const PING = encodeFrame({ type: 'ping', streamId: 0, payload: new Uint8Array(8) });

describe('floods against one gateway', () => {
  let url: string;
  let gateway: Gateway;
  let logs: GatewayLogEntry[];
  let targetPort: number;
  let targetSockets: () => number;
  let teardown: () => Promise<void>;

  // One gateway and one echo target for the whole suite: every flood hits the same gateway.
  before(async () => {
    const sockets: net.Socket[] = [];
    const target = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      sockets.push(socket);
      socket.pipe(socket);
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    targetPort = (target.address() as net.AddressInfo).port;
    targetSockets = () => sockets.length;
    logs = [];
    gateway = createGateway({ allow: ['127.0.0.1:*'], keepaliveInterval: 0, log: (entry) => logs.push(entry) });
    const address = await gateway.listen({ port: 0, host: '127.0.0.1' });
    url = `ws://127.0.0.1:${address.port}/`;
    teardown = async () => {
      await gateway.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => target.close(resolve));
    };
  });

  after(() => teardown());

  async function released(): Promise<void> {
    await until(() => gateway.sessions === 0 && gateway.stats().streams.length === 0, 'every flooding session and stream to be released', 10_000);
  }

  test('10k OPENs: each one over the rate gets RESET SOCKWAY_ERR_RATE_LIMIT, the session stays up; at most a burst ever dialed', T, async (t) => {
    const before = targetSockets();
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    for (let i = 0; i < 10_000; i += 1) raw.ws.send(openFrame(2 * i + 1, '127.0.0.1', targetPort));
    await until(() => raw.frames().filter((frame) => frame.type === 'reset' || frame.type === 'opened').length >= 10_000, 'an answer to every OPEN', 20_000);
    const frames = raw.frames();
    assert.equal(goawayOf(frames), undefined, 'a rate limit refuses requests, it does not close the session');
    const resets = frames.filter((frame) => frame.type === 'reset');
    assert.ok(resets.every((frame) => frame.type === 'reset' && ['SOCKWAY_ERR_RATE_LIMIT', 'SOCKWAY_ERR_STREAM_LIMIT'].includes(frame.error.code)));
    assert.ok(targetSockets() - before <= 256, `${targetSockets() - before} connections dialed (burst 256)`);
    raw.ws.close(1001); // the page goes away: its session ends at once (no resume grace)
    await released();
  });

  test('10k OPEN/RESET pairs (rapid reset): at most a burst dialed (plus the rate while the flood is read), the session stays up', T, async (t) => {
    const before = targetSockets();
    const started = performance.now();
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    const reset = { code: 'SOCKWAY_ERR_CLOSED', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' };
    for (let i = 0; i < 10_000; i += 1) {
      raw.ws.send(openFrame(2 * i + 1, '127.0.0.1', targetPort));
      raw.ws.send(encodeFrame({ type: 'reset', streamId: 2 * i + 1, error: reset }));
    }
    // A PING after the flood: its PONG says every frame before it was processed.
    raw.ws.send(encodeFrame({ type: 'ping', streamId: 0, payload: new Uint8Array(8) }));
    await until(() => raw.frames().some((frame) => frame.type === 'pong'), 'the PONG after the flood', 20_000);
    assert.equal(goawayOf(raw.frames()), undefined);
    // The gateway reads one message per turn of its event loop: the bucket refills (100/s) meanwhile.
    const allowed = 256 + Math.ceil((100 * (performance.now() - started)) / 1000);
    assert.ok(targetSockets() - before <= allowed, `${targetSockets() - before} dialed, at most ${allowed}`);
    raw.ws.close(1001); // the page goes away: its session ends at once (no resume grace)
    await released();
  });

  test('DATA for a stream never opened: the session fails at the first one (SOCKWAY_ERR_PROTOCOL)', T, async (t) => {
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    const data = new Uint8Array(1024);
    for (let i = 0; i < 10_000; i += 1) raw.ws.send(encodeFrame({ type: 'data', streamId: 2 * i + 101, data }));
    assert.equal((await raw.closed).code, 1002);
    assert.equal(goawayOf(raw.frames())?.error.code, 'SOCKWAY_ERR_PROTOCOL');
    await released();
  });

  test('10k DATA, END, WINDOW and RESET for a finished stream: ignored, nothing retained, the session still works', T, async (t) => {
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', targetPort);
    await r.opened.promise;
    r.stream.reset({ code: 'SOCKWAY_ERR_CLOSED', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' });
    await until(() => gateway.stats().streams.length === 0, 'the stream to finish');
    const id = r.stream.id;
    const send = (frame: Parameters<typeof encodeFrame>[0]): void => c.transport.ws.send(encodeFrame(frame));
    for (let i = 0; i < 10_000; i += 1) {
      send({ type: 'data', streamId: id, data: new Uint8Array(512) });
      if (i % 10 === 0) send({ type: 'window', streamId: id, limit: i });
      if (i % 100 === 0) send({ type: 'end', streamId: id });
    }
    await assertEchoes(c, targetPort, 'late frames were harmless');
    assert.equal(gateway.sessions, 1);
    c.transport.ws.close();
    await c.closed;
    await released();
  });

  test('credit overflow: WINDOW above 2^53-1 fails the session (SOCKWAY_ERR_FRAME); 2^53-1 itself is harmless', T, async (t) => {
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', targetPort);
    await r.opened.promise;
    // The largest legal credit: the gateway may send that much, bounded by the WebSocket anyway.
    for (let i = 0; i < 1_000; i += 1) c.transport.ws.send(encodeFrame({ type: 'window', streamId: r.stream.id, limit: Number.MAX_SAFE_INTEGER - i }));
    r.stream.write(Buffer.from('big credit'));
    await until(() => r.byteCount === 10, 'the echo');
    // One above: high word 0x00200000.
    const overflow = Buffer.from(encodeFrame({ type: 'window', streamId: r.stream.id, limit: 0 }));
    overflow.writeUInt32BE(0x0020_0000, 5);
    c.transport.ws.send(overflow);
    const { code } = await c.closed;
    assert.equal(code, 1002);
    assert.equal((await r.reset.promise).code, 'SOCKWAY_ERR_FRAME');
    await released();
  });

  test('10k PINGs: at most a burst of PONGs, then GOAWAY SOCKWAY_ERR_RATE_LIMIT', T, async (t) => {
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    for (let i = 0; i < 10_000; i += 1) raw.ws.send(PING);
    assert.equal((await raw.closed).code, 1008);
    const frames = raw.frames();
    assert.ok(frames.filter((frame) => frame.type === 'pong').length <= 20);
    assert.equal(goawayOf(frames)?.error.code, 'SOCKWAY_ERR_RATE_LIMIT');
    await released();
  });

  test('100 sessions from one client: 32 admitted, the rest refused with SOCKWAY_ERR_LIMIT', T, async (t) => {
    const attempts = Array.from({ length: 100 }, () => attemptClient(t, url));
    const outcomes = await Promise.all(attempts.map((a) => a.ready));
    assert.equal(outcomes.filter(Boolean).length, 32);
    const errors = await Promise.all(attempts.filter((_, i) => !outcomes[i]).map((a) => a.closeError));
    assert.ok(errors.every((error) => error?.code === 'SOCKWAY_ERR_LIMIT'));
    for (const a of attempts) a.ws.terminate();
    await released();
  });

  test('afterwards the same gateway serves a well-behaved client correctly', T, async (t) => {
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', targetPort);
    await r.opened.promise;
    const payload = randomBytes(1024 * 1024);
    r.stream.write(payload);
    await until(() => r.byteCount === payload.length, 'the 1 MiB echo', 15_000);
    assert.equal(createHash('sha256').update(r.data()).digest('hex'), createHash('sha256').update(payload).digest('hex'));
    await assertEchoes(c, targetPort);
    const internal = logs.filter((entry) => entry.event === 'internal-error');
    assert.deepEqual(internal, [], 'no handler failed inside the gateway during the floods');
  });
});
