/**
 * Every gateway limit, hit on purpose, with the result the limits table promises
 * (options-doc.ts LIMIT_DOCS): a Node-style error on the stream, or a GOAWAY and a close
 * code for the session. And the gateway still serves afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { encodeFrame } from '../shared/frame.ts';
import { TokenBucket, WindowBudget } from './limits.ts';
import { DEFAULT_GATEWAY_LIMITS, resolveGatewayLimits } from './options-schema.ts';
import {
  HELLO,
  assertEchoes,
  attemptClient,
  client,
  goawayOf,
  open,
  openFrame,
  rawSocket,
  startGateway,
  startTarget,
  until,
} from './testing/harness.ts';
import { WsClientTransport } from './testing/ws-client-transport.ts';

const T = { timeout: 20_000 };

describe('limit options', () => {
  test('defaults are documented, and validated', () => {
    assert.deepEqual(resolveGatewayLimits({}), DEFAULT_GATEWAY_LIMITS);
    assert.throws(() => resolveGatewayLimits({ maxSessions: 0 }), { code: 'ERR_INVALID_ARG_VALUE', message: /maxSessions/ });
    assert.throws(() => resolveGatewayLimits({ openRate: 1.5 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.equal(resolveGatewayLimits({ streamIdleTimeout: 0 }).streamIdleTimeout, 0);
  });

  test('TokenBucket: burst, then the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    now = 100;
    assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
    now = 10_000;
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  });

  test('WindowBudget: growth stops at the limit and comes back when a stream ends', () => {
    const budget = new WindowBudget(1000, 100);
    assert.equal(budget.grow(1, 2, 100, 200), true);
    assert.equal(budget.grow(3, 2, 100, 900), false, '2 × 100 + 100 + 800 > 1000');
    assert.equal(budget.grow(3, 2, 100, 800), true, '2 × 100 + 100 + 700 = 1000');
    assert.equal(budget.extra, 800);
    budget.release(3);
    assert.equal(budget.extra, 100);
    assert.equal(budget.grow(1, 1, 200, 900), true);
  });
});

describe('sessions', () => {
  test('maxSessions: one over gets GOAWAY SOCKWAY_ERR_LIMIT and close 1013; room again once one closes', T, async (t) => {
    const { url, logs } = await startGateway(t, { allow: ['*:*'], maxSessions: 2 });
    const a = attemptClient(t, url);
    const b = attemptClient(t, url);
    assert.deepEqual([await a.ready, await b.ready], [true, true]);
    const c = attemptClient(t, url);
    assert.equal(await c.ready, false);
    const error = await c.closeError;
    assert.equal(error?.code, 'SOCKWAY_ERR_LIMIT');
    assert.match(error?.message ?? '', /maximum of 2 sessions/);
    assert.equal((await c.closed).code, 1013);
    assert.ok(logs.some((entry) => entry.event === 'session-refused' && entry['code'] === 'SOCKWAY_ERR_LIMIT'));
    a.ws.close();
    await a.closed;
    await until(() => true, 'tick');
    const d = attemptClient(t, url);
    assert.equal(await d.ready, true);
  });

  test('maxSessionsPerClient: counted per client address; X-Forwarded-For only from trusted proxies', T, async (t) => {
    const { url } = await startGateway(t, { allow: ['*:*'], maxSessionsPerClient: 1, trustProxy: 1 });
    const first = attemptClient(t, url, { headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.1' } });
    assert.equal(await first.ready, true);
    const same = attemptClient(t, url, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    assert.equal((await same.closeError)?.code, 'SOCKWAY_ERR_LIMIT');
    assert.match((await same.closeError)?.message ?? '', /too many sessions from this client \(limit 1\)/);
    const other = attemptClient(t, url, { headers: { 'x-forwarded-for': '203.0.113.2' } });
    assert.equal(await other.ready, true, 'another client address');
    const v6a = attemptClient(t, url, { headers: { 'x-forwarded-for': '2001:db8:1:2::1' } });
    assert.equal(await v6a.ready, true);
    const v6b = attemptClient(t, url, { headers: { 'x-forwarded-for': '2001:db8:1:2::99' } });
    assert.equal((await v6b.closeError)?.code, 'SOCKWAY_ERR_LIMIT', 'the same IPv6 /64');
    const v6c = attemptClient(t, url, { headers: { 'x-forwarded-for': '2001:db8:1:ff::1' } });
    assert.equal((await v6c.closeError)?.code, 'SOCKWAY_ERR_LIMIT', 'another /64 of the same /56');
    const v6d = attemptClient(t, url, { headers: { 'x-forwarded-for': '2001:db8:1:100::1' } });
    assert.equal(await v6d.ready, true, 'the next /56');
  });

  test('maxSessionsPerClient: without trustProxy, X-Forwarded-For is ignored (anyone could send one): the peer address counts', T, async (t) => {
    const { url } = await startGateway(t, { allow: ['*:*'], maxSessionsPerClient: 1 });
    const first = attemptClient(t, url, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    assert.equal(await first.ready, true);
    const spoofed = attemptClient(t, url, { headers: { 'x-forwarded-for': '203.0.113.2' } });
    assert.equal((await spoofed.closeError)?.code, 'SOCKWAY_ERR_LIMIT', 'another header, the same peer: the same client');
  });

  for (const limit of ['maxSessionsPerClient', 'maxSessions'] as const) {
    test(`${limit}: sessions waiting to resume count until resumed or expired; a RESUME is still admitted`, T, async (t) => {
      const target = await startTarget(t);
      const { url, gateway } = await startGateway(t, { allow: ['127.0.0.1:*'], [limit]: 2, resumeGracePeriod: 1_500 });
      const a = await client(t, url, { resumable: true });
      const b = await client(t, url, { resumable: true });
      // Each has a connection open (without one, a session has nothing to resume and ends on a drop).
      await open(a, '127.0.0.1', target.port).opened.promise;
      await open(b, '127.0.0.1', target.port).opened.promise;
      // Both links drop: the gateway keeps both sessions for their grace period.
      a.transport.ws.terminate();
      b.transport.ws.terminate();
      await until(() => gateway.stats().detachedSessions === 2, 'the gateway to detach both sessions');
      const third = attemptClient(t, url);
      const refused = await third.closeError;
      assert.equal(refused?.code, 'SOCKWAY_ERR_LIMIT');
      assert.match(refused?.message ?? '', limit === 'maxSessions' ? /maximum of 2 sessions/ : /too many sessions from this client \(limit 2\), counting those waiting to resume/);
      assert.equal((await third.closed).code, 1013);
      // `a` comes back: a RESUME takes over a counted session, so it is admitted.
      const resumed = new WsClientTransport(new WebSocket(url, { perMessageDeflate: false }));
      t.after(() => resumed.ws.terminate());
      assert.equal(a.session.resume(resumed), true);
      await until(() => !a.session.detached && gateway.stats().detachedSessions === 1, 'the session to resume');
      assert.equal((await attemptClient(t, url).closeError)?.code, 'SOCKWAY_ERR_LIMIT', 'still two sessions');
      // `b` never returns: its grace period ends and its place is free again.
      await until(() => gateway.sessions === 1, 'the grace period to end b', 5_000);
      assert.equal(await attemptClient(t, url).ready, true);
    });
  }

  test('maxSessionsPerClient: a session with nothing to resume (no stream, everything acknowledged) ends when its WebSocket drops and never holds a place', T, async (t) => {
    const target = await startTarget(t);
    const { url, gateway, logs } = await startGateway(t, { allow: ['127.0.0.1:*'], maxSessionsPerClient: 2 });
    // Five short-lived clients in a row, each dropping its link after its work: a limit of 2 admits all.
    for (let i = 0; i < 5; i += 1) {
      const c = await client(t, url, { resumable: true });
      await assertEchoes(c, target.port, `client ${i}`);
      await until(() => c.session.streamCount === 0 && c.session.sessionStats().replayBytes === 0 && gateway.stats().replayBytes === 0, 'both sides to be done and acknowledged');
      c.transport.ws.terminate();
      await until(() => gateway.sessions === 0, 'the gateway to end the session at once');
      assert.equal(gateway.stats().detachedSessions, 0);
      assert.equal(c.session.state, 'closed', 'the client does not try to resume it either');
    }
    assert.ok(!logs.some((entry) => entry.event === 'session-detached'), 'no session was kept to resume');
  });

  test('handshakeTimeout: no HELLO → GOAWAY SOCKWAY_ERR_PROTOCOL, close 1002', T, async (t) => {
    const { url, logs } = await startGateway(t, { allow: ['*:*'], handshakeTimeout: 50 });
    const raw = await rawSocket(t, url);
    const { code } = await raw.closed;
    assert.equal(code, 1002);
    assert.equal(goawayOf(raw.frames())?.error.code, 'SOCKWAY_ERR_PROTOCOL');
    assert.match(goawayOf(raw.frames())?.error.message ?? '', /no HELLO within 50 ms/);
    assert.ok(logs.some((entry) => entry.event === 'handshake-timeout'));
  });

  test('sessionIdleTimeout: a session without streams gets GOAWAY SOCKWAY_ERR_IDLE_TIMEOUT, close 1000; a busy one stays', T, async (t) => {
    const target = await startTarget(t);
    const { url, gateway } = await startGateway(t, { allow: ['127.0.0.1:*'], sessionIdleTimeout: 100 });
    const idle = attemptClient(t, url);
    const busy = await client(t, url);
    const r = open(busy, '127.0.0.1', target.port);
    await r.opened.promise;
    assert.equal(await idle.ready, true);
    const error = await idle.closeError;
    assert.equal(error?.code, 'SOCKWAY_ERR_IDLE_TIMEOUT');
    assert.equal((await idle.closed).code, 1000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(gateway.sessions, 1, 'the session with a stream is still there');
    await assertEchoes(busy, target.port);
  });
});

test('WELCOME announces the session idle timeout the gateway enforces (Limits.idleTimeout)', T, async (t) => {
  for (const [options, expected] of [[{ sessionIdleTimeout: 1234 }, 1234], [{}, 300_000], [{ sessionIdleTimeout: 0 }, 0]] as const) {
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], ...options });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    await until(() => raw.messages.length > 0, 'WELCOME');
    const welcome = raw.frames()[0];
    assert.equal(welcome?.type, 'welcome');
    assert.equal(welcome?.type === 'welcome' ? welcome.limits.idleTimeout : -1, expected);
  }
});

describe('streams', () => {
  test('maxStreams: one stream over gets RESET SOCKWAY_ERR_STREAM_LIMIT', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], limits: { maxStreams: 2 } });
    const c = await client(t, url);
    const a = open(c, '127.0.0.1', target.port);
    const b = open(c, '127.0.0.1', target.port);
    await Promise.all([a.opened.promise, b.opened.promise]);
    const error = await open(c, '127.0.0.1', target.port).reset.promise;
    assert.equal(error.code, 'SOCKWAY_ERR_STREAM_LIMIT');
    a.stream.end();
    await until(() => c.session.streamCount === 1, 'the first stream to close');
    await assertEchoes(c, target.port);
  });

  test('the gateway announces maxStreams 256 by default', T, async (t) => {
    const { url } = await startGateway(t, { allow: [] });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    await until(() => raw.frames().length > 0, 'WELCOME');
    const welcome = raw.frames()[0];
    assert.equal(welcome?.type === 'welcome' && welcome.limits.maxStreams, 256);
  });

  test('maxPendingOpens: more OPENs wait for a dial slot; one stuck in the queue ends in ETIMEDOUT', T, async (t) => {
    const lookups: string[] = [];
    const { url, gateway } = await startGateway(t, {
      allow: ['*.test:*'],
      maxPendingOpens: 3,
      connectTimeout: 400,
      lookup: (hostname) => {
        lookups.push(hostname);
      },
    });
    const c = await client(t, url);
    const opened = Date.now();
    const streams = [0, 1, 2, 3, 4].map((i) => open(c, `hang${i}.test`, 80));
    await until(() => lookups.length === 3, 'three dials');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(lookups, ['hang0.test', 'hang1.test', 'hang2.test'], 'the others wait for a slot');
    assert.equal(gateway.stats().streams.length, 5);
    // A slot frees: the next in line dials.
    streams[0]?.stream.reset({ code: 'SOCKWAY_ERR_CLOSED', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' });
    await until(() => lookups.length === 4, 'the fourth dial');
    assert.equal(lookups[3], 'hang3.test');
    // Nothing moves any more: the waiting one times out like the dialing ones, counted from its OPEN.
    const error = await streams[4]?.reset.promise;
    assert.equal(error?.code, 'ETIMEDOUT');
    assert.equal(error?.syscall, 'connect');
    assert.ok(Date.now() - opened < 400 + 300, 'the connect timeout runs from the OPEN, queue included');
    await until(() => gateway.stats().streams.length === 0, 'every bridge to go');
  });

  test('a page may open its streams all at once: 200 concurrent connects with the default limits', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'] });
    const c = await client(t, url);
    const streams = Array.from({ length: 200 }, () => open(c, '127.0.0.1', target.port));
    const outcomes = await Promise.all(streams.map((r) => r.outcome()));
    assert.ok(outcomes.every((outcome) => 'opened' in outcome));
    for (const r of streams) r.stream.end();
  });

  test('connectTimeout: RESET ETIMEDOUT, syscall connect', T, async (t) => {
    const { url } = await startGateway(t, { allow: ['*.test:*'], connectTimeout: 50, lookup: () => {} });
    const c = await client(t, url);
    const error = await open(c, 'blackhole.test', 443).reset.promise;
    assert.equal(error.code, 'ETIMEDOUT');
    assert.equal(error.syscall, 'connect');
  });

  test('streamIdleTimeout: no bytes either way → RESET SOCKWAY_ERR_IDLE_TIMEOUT, the TCP socket is closed', T, async (t) => {
    const target = await startTarget(t);
    const { url, logs } = await startGateway(t, { allow: ['127.0.0.1:*'], streamIdleTimeout: 100 });
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.opened.promise;
    // Before the write: the gateway's idle clock restarts with the echo, after this. (Taken
    // after the echo arrived, a slow machine's delay in seeing it made the wait look short.)
    const started = Date.now();
    r.stream.write(Buffer.from('ping'));
    await until(() => r.byteCount === 4, 'the echo');
    const error = await r.reset.promise;
    assert.ok(Date.now() - started >= 95, 'not before the idle time');
    assert.equal(error.code, 'SOCKWAY_ERR_IDLE_TIMEOUT');
    assert.equal(error.syscall, 'read');
    assert.match(error.message, /after 100 ms without traffic/);
    await until(() => target.sockets[0]?.destroyed === true || target.sockets[0]?.readableEnded === true, 'the target connection to end');
    assert.ok(logs.some((entry) => entry.event === 'stream-idle-timeout'));
  });
});

describe('rates', () => {
  test('open rate: RESET SOCKWAY_ERR_RATE_LIMIT past the burst, for each request over it; the session stays up', T, async (t) => {
    const { url, logs } = await startGateway(t, { allow: [], openRate: 5, openBurst: 5 });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    for (let i = 0; i < 20; i += 1) raw.ws.send(openFrame(2 * i + 1, 'denied.example', 80));
    await until(() => raw.frames().filter((frame) => frame.type === 'reset').length === 20, 'a RESET for every OPEN');
    const frames = raw.frames();
    const resets = frames.filter((frame) => frame.type === 'reset').map((frame) => frame.type === 'reset' ? frame.error.code : '');
    assert.deepEqual(resets.slice(0, 10), [...Array(5).fill('SOCKWAY_ERR_DENIED'), ...Array(5).fill('SOCKWAY_ERR_RATE_LIMIT')]);
    assert.equal(goawayOf(frames), undefined);
    assert.ok(logs.some((entry) => entry.event === 'rate-limit' && entry['action'] === 'reset'));
  });

  test('a burst over the stream limit and the open rate kills none of the streams already connected (finding 8)', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'] });
    const c = await client(t, url);
    const established = Array.from({ length: 200 }, () => open(c, '127.0.0.1', target.port));
    await Promise.all(established.map((r) => r.opened.promise));
    // 600 more at once: 56 fit the stream limit (256), the rest are refused by it; the
    // refusals must not use up the open rate, and nothing may close the session.
    const burst = Array.from({ length: 600 }, () => open(c, '127.0.0.1', target.port));
    const outcomes = await Promise.all(burst.map((r) => r.outcome()));
    const codes = new Set(outcomes.flatMap((outcome) => 'reset' in outcome ? [outcome.reset.code] : []));
    assert.deepEqual([...codes], ['SOCKWAY_ERR_STREAM_LIMIT']);
    assert.equal(outcomes.filter((outcome) => 'opened' in outcome).length, 56);
    assert.equal(c.session.state, 'open');
    await Promise.all(established.filter((_, i) => i % 40 === 0).map(async (r, i) => {
      r.stream.write(new TextEncoder().encode(`echo ${i}`));
      assert.equal((await r.bytes(`echo ${i}`.length)).toString(), `echo ${i}`);
    }));
    assert.ok(established.every((r) => !r.events.includes('reset')), 'no established stream was reset');
  });

  test('open rate: the bucket refills; a well-paced client is never limited', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], openRate: 50, openBurst: 2 });
    const c = await client(t, url);
    for (let i = 0; i < 6; i += 1) {
      const r = open(c, '127.0.0.1', target.port);
      await r.opened.promise;
      r.stream.end();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });

  test('ping flood: GOAWAY SOCKWAY_ERR_RATE_LIMIT, close 1008, at most a burst of PONGs', T, async (t) => {
    const { url } = await startGateway(t, { allow: [], pingRate: 2 });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    for (let i = 0; i < 50; i += 1) raw.ws.send(encodeFrame({ type: 'ping', streamId: 0, payload: new Uint8Array(8) }));
    const { code } = await raw.closed;
    assert.equal(code, 1008);
    const frames = raw.frames();
    assert.ok(frames.filter((frame) => frame.type === 'pong').length <= 4);
    assert.equal(goawayOf(frames)?.error.code, 'SOCKWAY_ERR_RATE_LIMIT');
    assert.match(goawayOf(frames)?.error.message ?? '', /too many PINGs/);
  });
});

describe('frames and buffers', () => {
  test('frame size: a message over 65,541 bytes → close 1009; DATA over the announced maxPayload → GOAWAY SOCKWAY_ERR_PROTOCOL', T, async (t) => {
    const target = await startTarget(t, (socket) => socket.resume());
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], limits: { maxPayload: 1024 } });
    const big = await rawSocket(t, url);
    big.ws.send(Buffer.alloc(65_542));
    assert.equal((await big.closed).code, 1009);
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    raw.ws.send(openFrame(1, '127.0.0.1', target.port));
    await until(() => raw.frames().some((frame) => frame.type === 'opened'), 'OPENED');
    raw.ws.send(encodeFrame({ type: 'data', streamId: 1, data: new Uint8Array(1025) }));
    assert.equal((await raw.closed).code, 1002);
    assert.equal(goawayOf(raw.frames())?.error.code, 'SOCKWAY_ERR_PROTOCOL');
  });

  test('frame size: a control frame over 4096 bytes → GOAWAY SOCKWAY_ERR_FRAME', T, async (t) => {
    const { url } = await startGateway(t, { allow: [] });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    const frame = Buffer.alloc(4097);
    frame[0] = 0x16; // WINDOW
    frame.writeUInt32BE(1, 1);
    raw.ws.send(frame);
    assert.equal((await raw.closed).code, 1002);
    assert.equal(goawayOf(raw.frames())?.error.code, 'SOCKWAY_ERR_FRAME');
  });

  test('bytes per stream: DATA beyond the window → GOAWAY SOCKWAY_ERR_FLOW_CONTROL', T, async (t) => {
    const target = await startTarget(t, (socket) => socket.pause());
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], limits: { streamWindow: 16 * 1024 } });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    raw.ws.send(openFrame(1, '127.0.0.1', target.port));
    await until(() => raw.frames().some((frame) => frame.type === 'opened'), 'OPENED');
    raw.ws.send(encodeFrame({ type: 'data', streamId: 1, data: new Uint8Array(16 * 1024 + 1) }));
    assert.equal((await raw.closed).code, 1002);
    assert.equal(goawayOf(raw.frames())?.error.code, 'SOCKWAY_ERR_FLOW_CONTROL');
  });

  test('bytes per session: windows stop growing at maxSessionBufferedBytes; nothing is lost', T, async (t) => {
    const paused: net.Socket[] = [];
    const received = new Map<net.Socket, number>();
    const target = await startTarget(t, (socket) => {
      paused.push(socket);
      received.set(socket, 0);
      socket.on('data', (chunk: Buffer) => received.set(socket, (received.get(socket) ?? 0) + chunk.length));
    });
    const window = 64 * 1024;
    const budget = 512 * 1024;
    const { url, gateway } = await startGateway(t, { allow: ['127.0.0.1:*'], limits: { streamWindow: window }, maxStreamWindow: 8 * 1024 * 1024, maxSessionBufferedBytes: budget });
    const c = await client(t, url);
    const streams = [0, 1, 2, 3].map(() => open(c, '127.0.0.1', target.port));
    await Promise.all(streams.map((r) => r.opened.promise));
    // The targets read at first (the windows grow), then stop reading.
    const payload = randomBytes(6 * 1024 * 1024);
    for (const r of streams) r.stream.write(payload);
    await until(() => paused.length === 4 && [...received.values()].every((n) => n > 0), 'the uploads to start');
    for (const socket of paused) socket.pause();
    await until(() => {
      const s = gateway.stats().streams;
      return s.length === 4 && streams.every((r) => r.stream.stats().sendCredit === 0) && s.every((x) => x.unconsumedBytes + x.socketBufferedBytes > 0);
    }, 'every upload to stall', 15_000);
    // Credit outstanding (= what the gateway may be made to hold) stays within the budget.
    const credit = streams.reduce((sum, r) => sum + r.stream.stats().unacknowledgedBytes, 0);
    assert.ok(credit <= Math.max(budget, 4 * window), `granted ${credit} bytes of credit across the session`);
    for (const socket of paused) socket.resume();
    await until(() => [...received.values()].every((n) => n === payload.length), 'every byte to arrive', 15_000);
  });

  test('a client that sends but never reads is dropped at maxSessionBufferedBytes', T, async (t) => {
    const { url, logs, gateway } = await startGateway(t, { allow: [], maxSessionBufferedBytes: 64 * 1024, openRate: 1_000_000, openBurst: 1_000_000 });
    const raw = await rawSocket(t, url);
    const socket = (raw.ws as unknown as { _socket: net.Socket })._socket;
    raw.ws.send(HELLO);
    await until(() => raw.messages.length > 0, 'WELCOME');
    socket.pause();
    // Every OPEN to a denied destination is answered with a ~100-byte RESET that is never read.
    const batch: Buffer[] = [];
    for (let i = 0; i < 40_000; i += 1) batch.push(Buffer.from(openFrame(2 * i + 1, 'denied.example', 80)));
    for (const frame of batch) raw.ws.send(frame);
    await until(() => logs.some((entry) => entry.event === 'send-buffer-limit'), 'the send buffer limit', 15_000);
    await until(() => gateway.sessions === 0, 'the session to be dropped');
    socket.resume();
  });
});

