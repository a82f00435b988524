/**
 * Gateway integration tests: a client Session over a real `ws` WebSocket against
 * the gateway, which dials real node:net servers on 127.0.0.1. No external hosts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as net from 'node:net';
import { once } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { wireError } from '../shared/errors.ts';
import { decodeFrame, encodeFrame } from '../shared/frame.ts';
import { DEFAULT_LIMITS } from '../shared/protocol.ts';
import { MAX_FRAME_LENGTH, STREAM_QUEUE_LIMIT } from '../shared/protocol.ts';
import { type GatewayLogEntry, type GatewayOptions, createGateway } from './gateway.ts';
import { HELLO, Recorder, client, closedPort, deferred, open, rawSocket, startGateway as startHarnessGateway, startTarget, until } from './testing/harness.ts';

// ---- helpers ----

/** Every test fails instead of hanging. */
const T = { timeout: 20_000 };

/** A server that reads and discards, and closes once the other side has (allowHalfOpen needs the end()). */
const sink = (socket: net.Socket): void => {
  socket.resume();
  socket.on('end', () => socket.end());
};

/** The harness's gateway, allowing loopback and the test names these tests dial. */
function startGateway(t: TestContext, options: Partial<GatewayOptions> = {}): ReturnType<typeof startHarnessGateway> {
  return startHarnessGateway(t, { allow: ['127.0.0.1:*', 'localhost:*', '*.invalid:*'], ...options });
}

// ---- tests ----

describe('gateway: connecting', () => {
  test('OPEN to an IP literal: OPENED carries the real local and remote endpoints, no RESOLVED', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const accepted = target.nextSocket();
    const r = open(c, '127.0.0.1', target.port);
    const { local, remote } = await r.opened.promise;
    const serverSide = await accepted;
    assert.deepEqual(remote, { address: '127.0.0.1', port: target.port, family: 4 });
    assert.deepEqual(local, { address: serverSide.remoteAddress, port: serverSide.remotePort, family: 4 });
    assert.deepEqual(r.events, ['opened']);
  });

  test('OPEN to a name: RESOLVED (the lookup) comes before OPENED', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const r = open(c, 'localhost', target.port, new Recorder(), 4);
    const { remote } = await r.opened.promise;
    assert.deepEqual(r.events, ['resolved', 'opened']);
    assert.deepEqual(r.resolvedAddresses, [{ address: '127.0.0.1', family: 4 }]);
    assert.equal(remote.address, '127.0.0.1');
  });

  test('ECONNREFUSED on a closed port, with Node\'s error fields', T, async (t) => {
    const port = await closedPort();
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const error = await open(c, '127.0.0.1', port).reset.promise;
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.syscall, 'connect');
    assert.equal(error.address, '127.0.0.1');
    assert.equal(error.port, port);
    assert.ok(Number.isInteger(error.errno) && error.errno < 0, `errno ${error.errno} is a negative uv code`);
    assert.equal(error.message, '', 'system errors are worded by the client');
  });

  test('ENOTFOUND for a name that does not resolve', T, async (t) => {
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const error = await open(c, 'nosuch.invalid', 80).reset.promise;
    assert.equal(error.code, 'ENOTFOUND');
    assert.equal(error.syscall, 'getaddrinfo');
    assert.equal(error.hostname, 'nosuch.invalid');
    assert.ok(error.errno < 0);
  });

  test('a denied destination gets SOCKWAY_ERR_DENIED and is never resolved', T, async (t) => {
    const lookups: string[] = [];
    // Name rules only: with an address rule (127.0.0.1:*) any name might resolve into it, so
    // the gateway would have to resolve it first (covered by the next test).
    const { url, logs } = await startGateway(t, {
      allow: ['localhost:*', '*.invalid:*'],
      lookup: (hostname, options, callback) => {
        lookups.push(hostname);
        dns.lookup(hostname, options, callback);
      },
    });
    const c = await client(t, url);
    const r = open(c, 'example.com', 22);
    const error = await r.reset.promise;
    assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
    assert.equal(error.syscall, 'connect');
    assert.equal(error.address, 'example.com');
    assert.equal(error.port, 22);
    assert.equal(error.message, 'connect SOCKWAY_ERR_DENIED example.com:22 (not allowed by the gateway policy)');
    assert.deepEqual(lookups, []);
    assert.deepEqual(r.events, ['reset']);
    // The policy's reason (naming the rule) goes to the log, not to the page.
    const denied = logs.find((entry) => entry.event === 'stream-denied');
    assert.match(String(denied?.['reason']), /no allow rule matches/);
  });

  test('a name whose resolved address is denied gets ENOTFOUND, as a name that does not exist, without RESOLVED', T, async (t) => {
    const target = await startTarget(t);
    const { url, logs } = await startGateway(t, { allow: ['localhost:*'], deny: ['127.0.0.0/8:*'] });
    const c = await client(t, url);
    const r = open(c, 'localhost', target.port, new Recorder(), 4);
    const error = await r.reset.promise;
    assert.equal(error.code, 'ENOTFOUND');
    assert.equal(error.syscall, 'getaddrinfo');
    assert.equal(error.hostname, 'localhost');
    assert.match(String(logs.find((entry) => entry.event === 'stream-denied')?.['reason']), /deny rule "127\.0\.0\.0\/8:\*"/);
    assert.deepEqual(r.events, ['reset'], 'the denied address is not revealed');
    assert.equal(target.sockets.length, 0);
  });

  test('a denied IP literal is refused at OPEN', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:1-1023'] });
    const c = await client(t, url);
    const error = await open(c, '127.0.0.1', target.port).reset.promise;
    assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
    assert.equal(error.hostname, '');
  });

  test('connect timeout: RESET ETIMEDOUT shaped like Node\'s', T, async (t) => {
    const { url, gateway } = await startGateway(t, { connectTimeout: 30, lookup: () => {} });
    const c = await client(t, url);
    const error = await open(c, 'hang.invalid', 443).reset.promise;
    assert.equal(error.code, 'ETIMEDOUT');
    assert.equal(error.syscall, 'connect');
    assert.equal(error.port, 443);
    assert.equal(error.hostname, 'hang.invalid');
    assert.ok(error.errno < 0);
    await until(() => gateway.stats().streams.length === 0, 'the bridge to be released');
  });

  test('connect timeout while dialing an address: `connect ETIMEDOUT address:port`, as the kernel\'s timeout', T, async (t) => {
    // A socket that never connects: the gateway's timer ends the dial, not DNS.
    const { url } = await startGateway(t, {
      allow: ['slow.test:5432'],
      connectTimeout: 30,
      lookup: (_name, _options, callback) => callback(null, [{ address: '127.0.0.9', family: 4 }]),
      connect: () => new net.Socket(),
    });
    const c = await client(t, url);
    const error = await open(c, 'slow.test', 5432).reset.promise;
    assert.deepEqual([error.code, error.syscall, error.address, error.port, error.hostname], ['ETIMEDOUT', 'connect', '127.0.0.9', 5432, '']);
  });

  test('a stream whose FIN waited for the page\'s credit, after the page\'s END, is released once it goes out', T, async (t) => {
    const window = DEFAULT_LIMITS.streamWindow;
    // The server answers the page's FIN with a window and a little more, then its own FIN:
    // the little more and the FIN wait for credit, a queue too short to owe the bridge a drain.
    const serverClosed = deferred<void>();
    const target = await startTarget(t, (socket) => {
      socket.on('data', () => {});
      socket.on('end', () => socket.end(Buffer.alloc(window + 10_000, 7)));
      socket.on('close', () => serverClosed.resolve());
    });
    const { url, gateway, logs } = await startGateway(t, { allow: ['127.0.0.1:*'] });
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port, new Recorder(false));
    await r.opened.promise;
    r.stream.end();
    await r.bytes(window);
    // Both FINs crossed: the TCP connection is over, the rest and the FIN wait for credit.
    await serverClosed.promise;
    assert.equal(gateway.stats().streams.length, 1);
    r.stream.consume(r.byteCount);
    await r.ended.promise;
    await until(() => gateway.stats().streams.length === 0, 'the bridge to be released');
    assert.equal(logs.filter((entry) => entry.event === 'stream-closed').length, 1);
  });

  test('the next resolved address is tried after ECONNREFUSED', T, async (t) => {
    // The target listens on 127.0.0.1 only, so 127.0.0.3 (also loopback on Linux) refuses.
    const target = await startTarget(t);
    const { url } = await startGateway(t, {
      allow: ['multi.test:*'],
      lookup: (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.3', family: 4 }, { address: '127.0.0.1', family: 4 }]),
    });
    const c = await client(t, url);
    const r = open(c, 'multi.test', target.port);
    const { remote } = await r.opened.promise;
    assert.equal(remote.address, '127.0.0.1');
    assert.deepEqual(r.resolvedAddresses.map((a) => a.address), ['127.0.0.3', '127.0.0.1'], 'one RESOLVED per address tried, as Node\'s lookup events');
    assert.deepEqual(r.events, ['resolved', 'resolved', 'opened']);
  });

  test('when every address fails, the first failure is reported (as Node\'s AggregateError code)', T, async (t) => {
    const port = await closedPort();
    const { url } = await startGateway(t, {
      allow: ['multi.test:*'],
      lookup: (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.3', family: 4 }]),
    });
    const c = await client(t, url);
    const error = await open(c, 'multi.test', port).reset.promise;
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.address, '127.0.0.1');
    assert.equal(error.port, port);
  });
});

describe('gateway: relaying', () => {
  test('echoes bytes both ways', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.opened.promise;
    const payload = randomBytes(200_000);
    r.stream.write(payload);
    assert.deepEqual(await r.bytes(payload.length), payload);
  });

  test('half-close, page first: END → socket.end(); the server can still answer', T, async (t) => {
    const serverSide = deferred<{ got: Buffer; ended: boolean }>();
    const target = await startTarget(t, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        const got = Buffer.concat(chunks);
        serverSide.resolve({ got, ended: true });
        socket.end(Buffer.concat([Buffer.from('you said: '), got]));
      });
    });
    const { url, gateway } = await startGateway(t);
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.opened.promise;
    r.stream.write(Buffer.from('hello'));
    r.stream.end();
    assert.deepEqual(await serverSide.promise, { got: Buffer.from('hello'), ended: true });
    await r.ended.promise;
    assert.equal(r.data().toString(), 'you said: hello');
    assert.deepEqual(r.events, ['opened', 'data', 'end']);
    await until(() => gateway.stats().streams.length === 0, 'the bridge to be released');
    assert.equal(r.stream.state, 'closed');
  });

  test('half-close, server first: TCP FIN → END; the page can still send', T, async (t) => {
    const serverGot = deferred<Buffer>();
    const serverClosed = deferred<void>();
    const target = await startTarget(t, (socket) => {
      socket.end('bye');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => serverGot.resolve(Buffer.concat(chunks)));
      socket.on('close', () => serverClosed.resolve());
    });
    const { url, gateway } = await startGateway(t);
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.ended.promise;
    assert.equal(r.data().toString(), 'bye');
    assert.equal(r.stream.state, 'remote-closed');
    r.stream.write(Buffer.from('still here'));
    r.stream.end();
    assert.equal((await serverGot.promise).toString(), 'still here');
    await serverClosed.promise;
    await until(() => gateway.stats().streams.length === 0, 'the bridge to be released');
  });

  test('peer TCP reset → RESET ECONNRESET with syscall read', T, async (t) => {
    const target = await startTarget(t, (socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.opened.promise;
    r.stream.write(Buffer.from('x'));
    const error = await r.reset.promise;
    assert.equal(error.code, 'ECONNRESET');
    assert.equal(error.syscall, 'read');
    assert.ok(error.errno < 0);
  });

  test('page RESET ECONNRESET → TCP RST to the server; other codes → plain close', T, async (t) => {
    const outcomes: string[] = [];
    const done = deferred<void>();
    const target = await startTarget(t, (socket) => {
      let error = '';
      socket.on('error', (e: NodeJS.ErrnoException) => {
        error = e.code ?? 'error';
      });
      socket.on('end', () => socket.end());
      socket.on('close', () => {
        outcomes.push(error || 'close');
        if (outcomes.length === 2) done.resolve();
      });
    });
    const { url } = await startGateway(t);
    const c = await client(t, url);
    const a = open(c, '127.0.0.1', target.port);
    await a.opened.promise;
    await until(() => target.sockets.length === 1, 'the first connection');
    a.stream.reset(wireError({ code: 'ECONNRESET', syscall: 'read' }));
    await until(() => outcomes.length === 1, 'the first close');
    const b = open(c, '127.0.0.1', target.port);
    await b.opened.promise;
    b.stream.reset(wireError({ code: 'SOCKWAY_ERR_CLOSED' }));
    await done.promise;
    assert.deepEqual(outcomes, ['ECONNRESET', 'close']);
  });

  test('page END then RESET ECONNRESET: the half-closed socket still closes and the bridge is released', T, async (t) => {
    // libuv refuses to RST a socket it has begun shutting down (EINVAL), and Node then
    // never closes the handle: the bridge must close such a socket plainly.
    const target = await startTarget(t, (socket) => socket.resume());
    const { url, gateway, logs } = await startGateway(t);
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.opened.promise;
    r.stream.end();
    r.stream.reset(wireError({ code: 'ECONNRESET', syscall: 'read' }));
    await until(() => gateway.stats().tcpSockets === 0, 'the bridge to be released');
    assert.deepEqual(logs.filter((entry) => entry.event === 'internal-error'), []);
    assert.equal(logs.filter((entry) => entry.event === 'stream-closed').length, 1);
  });

  test('download backpressure: a slow reader holds at most its window in flight, the socket is paused', T, async (t) => {
    const total = 4 * 1024 * 1024;
    const source = Buffer.alloc(total);
    for (let i = 0; i < total; i += 1) source[i] = (i * 7 + (i >> 10)) & 0xff;
    const target = await startTarget(t, (socket) => {
      socket.end(source);
    });
    const { url, gateway } = await startGateway(t);
    const window = 16 * 1024;
    const c = await client(t, url, { limits: { streamWindow: window } });
    const r = open(c, '127.0.0.1', target.port, new Recorder(false));
    await r.bytes(window);
    await until(() => gateway.stats().streams[0]?.socketPaused === true, 'the gateway to pause the TCP socket');
    const stats = gateway.stats().streams[0];
    assert.ok(stats);
    assert.equal(r.byteCount, window, 'exactly one window delivered without consumption');
    assert.equal(stats.unacknowledgedBytes, window);
    assert.equal(stats.sendCredit, 0);
    // Reading stops once the stream's local queue reaches its limit: that limit plus the read that crossed it.
    assert.ok(stats.queuedBytes < STREAM_QUEUE_LIMIT + 64 * 1024, `queued ${stats.queuedBytes} bytes: at most the stream queue limit plus one read`);
    assert.equal(stats.host, '127.0.0.1');
    assert.equal(stats.port, target.port);
    assert.equal(stats.session, 1);
    assert.match(stats.sessionTag, /^[0-9a-f]{16}$/);
    // Now read everything; order and content survive the stop-and-go.
    r.autoConsume = true;
    r.stream.consume(r.byteCount);
    await r.ended.promise;
    assert.equal(r.byteCount, total);
    assert.ok(r.data().equals(source));
    assert.ok(target.sockets.length === 1);
  });

  test('WebSocket backpressure: a client that stops reading its WebSocket stalls the session, which resumes on drain', T, async (t) => {
    const size = 12 * 1024 * 1024;
    const payload = randomBytes(size);
    const target = await startTarget(t, (socket) => {
      socket.end(payload);
    });
    const { url, gateway } = await startGateway(t);
    // 2 streams x 12 MiB credit: more than kernel socket buffers (~5 MiB here, ~10 MiB on stock
    // Linux loopback) plus the session's 512 KiB transport high-water mark can absorb.
    const c = await client(t, url, { limits: { streamWindow: size } });
    const clientSocket = (c.transport.ws as unknown as { _socket: net.Socket })._socket;
    clientSocket.pause();
    const recorders = [0, 1].map(() => open(c, '127.0.0.1', target.port));
    // Blocked on the WebSocket, not on credit: queued bytes the peer has credit for.
    await until(() => {
      const streams = gateway.stats().streams;
      return streams.length === 2 && streams.every((s) => s.phase === 'connected') &&
        streams.some((s) => s.queuedBytes > 0 && s.sendCredit > 0);
    }, 'the session to wait for the WebSocket to drain');
    clientSocket.resume();
    await Promise.all(recorders.map((r) => r.ended.promise));
    for (const r of recorders) assert.ok(r.data().equals(payload));
  });

  test('upload backpressure: the gateway buffers at most window + highWaterMark for a server that does not read', T, async (t) => {
    let serverSocket: net.Socket | null = null;
    const target = await startTarget(t, (socket) => {
      serverSocket = socket;
      socket.pause();
    });
    const window = 64 * 1024;
    // No auto-tuning: the bound under test is the fixed window.
    const { url, gateway } = await startGateway(t, { limits: { streamWindow: window }, maxStreamWindow: window });
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    await r.opened.promise;
    const chunk = randomBytes(64 * 1024);
    const total = 32 * 1024 * 1024;
    for (let sent = 0; sent < total; sent += chunk.length) r.stream.write(chunk);
    // Stalled: the client has no credit left and the gateway's socket buffer is non-empty.
    await until(() => {
      const s = gateway.stats().streams[0];
      return s !== undefined && s.socketBufferedBytes > 0 && r.stream.stats().sendCredit === 0 && s.unconsumedBytes > 0;
    }, 'the upload to stall on the TCP side', 20_000);
    const s = gateway.stats().streams[0];
    assert.ok(s);
    assert.ok(s.unconsumedBytes <= window, `unconsumed ${s.unconsumedBytes} <= window`);
    const highWaterMark = (serverSocket as net.Socket | null)?.writableHighWaterMark ?? 16 * 1024;
    assert.ok(s.socketBufferedBytes <= window + highWaterMark + 64 * 1024, `socket buffers ${s.socketBufferedBytes} bytes`);
    // Let the server read: everything arrives.
    let received = 0;
    const all = deferred<void>();
    const socket = serverSocket as unknown as net.Socket;
    socket.on('data', (data: Buffer) => {
      received += data.length;
      if (received === total) all.resolve();
    });
    socket.resume();
    await all.promise;
    r.stream.end();
  });
});

describe('gateway: misbehaving clients', () => {
  test('random bytes → GOAWAY SOCKWAY_ERR_FRAME and close 1002; the gateway still serves', T, async (t) => {
    const target = await startTarget(t);
    const { url, gateway } = await startGateway(t);
    const raw = await rawSocket(t, url);
    const garbage = randomBytes(64);
    garbage[0] = 0xff; // no such frame type
    raw.ws.send(garbage);
    const { code } = await raw.closed;
    assert.equal(code, 1002);
    const goaway = decodeFrame(raw.messages[0] as Buffer);
    assert.equal(goaway.type, 'goaway');
    assert.equal(goaway.type === 'goaway' && goaway.error.code, 'SOCKWAY_ERR_FRAME');
    await until(() => gateway.sessions === 0, 'the session to go');
    // A well-behaved client is unaffected.
    const c = await client(t, url);
    const r = open(c, '127.0.0.1', target.port);
    r.stream.write(Buffer.from('ok'));
    assert.equal((await r.bytes(2)).toString(), 'ok');
  });

  test('a text message → close 1003 with a GOAWAY saying why', T, async (t) => {
    const { url } = await startGateway(t);
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    raw.ws.send('hello?');
    const { code } = await raw.closed;
    assert.equal(code, 1003);
    const frames = raw.messages.map((m) => decodeFrame(m));
    assert.deepEqual(frames.map((f) => f.type), ['welcome', 'goaway']);
    const goaway = frames[1];
    assert.equal(goaway?.type === 'goaway' && goaway.error.code, 'SOCKWAY_ERR_FRAME');
  });

  test('DATA for a stream never opened → close 1002 SOCKWAY_ERR_PROTOCOL', T, async (t) => {
    const { url } = await startGateway(t);
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    raw.ws.send(encodeFrame({ type: 'data', streamId: 7, data: new Uint8Array([1]) }));
    const { code } = await raw.closed;
    assert.equal(code, 1002);
    const goaway = decodeFrame(raw.messages.at(-1) as Buffer);
    assert.equal(goaway.type === 'goaway' && goaway.error.code, 'SOCKWAY_ERR_PROTOCOL');
  });

  test('a message over MAX_FRAME_LENGTH → close 1009 (ws maxPayload)', T, async (t) => {
    const { url, gateway } = await startGateway(t);
    const raw = await rawSocket(t, url);
    raw.ws.send(Buffer.alloc(MAX_FRAME_LENGTH + 1));
    const { code } = await raw.closed;
    assert.equal(code, 1009);
    await until(() => gateway.sessions === 0, 'the session to go');
  });

  test('DATA beyond the granted window → close 1002 SOCKWAY_ERR_FLOW_CONTROL, the TCP socket is closed', T, async (t) => {
    const target = await startTarget(t, (socket) => socket.pause());
    const window = 16 * 1024;
    const { url, gateway } = await startGateway(t, { limits: { streamWindow: window } });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    raw.ws.send(encodeFrame({ type: 'open', streamId: 1, host: '127.0.0.1', port: target.port, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }));
    const accepted = await target.nextSocket();
    await until(() => raw.messages.some((m) => decodeFrame(m).type === 'opened'), 'OPENED');
    void accepted;
    // One frame within maxPayload (64 KiB) but one byte past the 16 KiB window.
    raw.ws.send(encodeFrame({ type: 'data', streamId: 1, data: new Uint8Array(window + 1) }));
    const { code } = await raw.closed;
    assert.equal(code, 1002);
    const goaway = decodeFrame(raw.messages.at(-1) as Buffer);
    assert.equal(goaway.type === 'goaway' && goaway.error.code, 'SOCKWAY_ERR_FLOW_CONTROL');
    // The paused target never reads its EOF, so watch the gateway release the socket.
    await until(() => gateway.stats().streams.length === 0, 'the TCP socket to be released');
  });

  test('a client that disappears mid-stream: the gateway destroys its TCP sockets', T, async (t) => {
    const target = await startTarget(t, sink);
    const { url, gateway } = await startGateway(t);
    const c = await client(t, url);
    const a = open(c, '127.0.0.1', target.port);
    const b = open(c, '127.0.0.1', target.port);
    await Promise.all([a.opened.promise, b.opened.promise]);
    await until(() => target.sockets.length === 2, 'both connections accepted');
    const closes = target.sockets.map((socket) => once(socket, 'close'));
    c.transport.ws.terminate();
    await Promise.all(closes);
    await until(() => gateway.sessions === 0 && gateway.stats().streams.length === 0, 'the session to be released');
  });

  test('a client that stops answering pings is dropped', T, async (t) => {
    const { url, gateway, logs } = await startGateway(t, { keepaliveInterval: 20 });
    const raw = await rawSocket(t, url, { autoPong: false });
    const { code } = await raw.closed;
    assert.equal(code, 1006);
    await until(() => gateway.sessions === 0, 'the session to go');
    assert.ok(logs.some((entry) => entry.event === 'keepalive-timeout'));
  });

  test('a client that answers pings stays', T, async (t) => {
    const { url, gateway } = await startGateway(t, { keepaliveInterval: 50 });
    const c = await client(t, url);
    let pings = 0;
    c.transport.ws.on('ping', () => {
      pings += 1;
    });
    await until(() => pings >= 3, 'three pings');
    assert.equal(gateway.sessions, 1);
  });
});

describe('gateway: serving', () => {
  test('plain HTTP gets 426 on the path and 404 elsewhere; upgrades elsewhere get 404', T, async (t) => {
    const { port, url } = await startGateway(t, { path: '/tunnel' });
    const get = (path: string): Promise<number> => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(await get('/tunnel'), 426);
    assert.equal(await get('/'), 404);
    const ws = new WebSocket(url.replace(/\/$/, '/elsewhere'));
    ws.on('error', () => {});
    const [, response] = await once(ws, 'unexpected-response') as [unknown, http.IncomingMessage];
    assert.equal(response.statusCode, 404);
    ws.terminate();
    const c = await client(t, `ws://127.0.0.1:${port}/tunnel?x=1`);
    assert.equal(c.session.state, 'open');
  });

  test('attach(): serves its path on an application server and leaves other upgrades alone', T, async (t) => {
    const target = await startTarget(t);
    const app = http.createServer((_request, response) => response.end('app'));
    app.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
      if (request.url === '/app-ws') socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    const { port } = app.address() as net.AddressInfo;
    const gateway = createGateway({ allow: ['127.0.0.1:*'] });
    gateway.attach(app, { path: '/sockway' });
    t.after(async () => {
      await gateway.close();
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    });
    const c = await client(t, `ws://127.0.0.1:${port}/sockway`);
    const r = open(c, '127.0.0.1', target.port);
    r.stream.write(Buffer.from('attached'));
    assert.equal((await r.bytes(8)).toString(), 'attached');
    const other = new WebSocket(`ws://127.0.0.1:${port}/app-ws`);
    other.on('error', () => {});
    const [, response] = await once(other, 'unexpected-response') as [unknown, http.IncomingMessage];
    assert.equal(response.statusCode, 418);
    other.terminate();
    // close() detaches: the application server keeps running.
    await gateway.close();
    await c.closed;
    assert.equal(app.listening, true);
  });

  test('close(): GOAWAY to every session, TCP sockets closed, server closed, everything released', T, async (t) => {
    const target = await startTarget(t, sink);
    const logs: GatewayLogEntry[] = [];
    const gateway = createGateway({ allow: ['127.0.0.1:*'], log: (entry) => logs.push(entry) });
    const { port } = await gateway.listen();
    const url = `ws://127.0.0.1:${port}/`;
    const busy = await client(t, url);
    const idle = await client(t, url);
    const r = open(busy, '127.0.0.1', target.port);
    await r.opened.promise;
    await until(() => target.sockets.length === 1, 'the connection');
    const serverSideClosed = once(target.sockets[0] as net.Socket, 'close');
    assert.equal(gateway.sessions, 2);
    await gateway.close();
    assert.equal(gateway.sessions, 0);
    const { replayPeak: _peak, heldPeak: _heldPeak, memoryBudget: _budget, ...stats } = gateway.stats();
    assert.deepEqual(stats, { sessions: 0, streams: [], detachedSessions: 0, tcpSockets: 0, listeners: 0, timers: 0, replayBytes: 0, heldBytes: 0, resumes: 0 });
    const [busyClosed, idleClosed] = await Promise.all([busy.closed, idle.closed]);
    assert.equal(busyClosed.code, 1001);
    assert.equal(idleClosed.code, 1001);
    assert.equal((await r.reset.promise).code, 'SOCKWAY_ERR_GOING_AWAY');
    await serverSideClosed;
    // The port is free again.
    const probe = net.connect(port, '127.0.0.1');
    const [error] = await once(probe, 'error') as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(logs.at(-1)?.event, 'closed');
    await assert.doesNotReject(gateway.close(), 'close() is idempotent');
    await assert.rejects(gateway.listen(), { code: 'ERR_SERVER_NOT_RUNNING' });
  });

  test('createGateway() validates its options', T, () => {
    assert.throws(() => createGateway({}), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => createGateway({ allow: ['no-port'] }), { code: 'SOCKWAY_ERR_INVALID_RULE' });
    assert.throws(() => createGateway({ allow: [], path: 'x' }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => createGateway({ allow: [], limits: { streamWindow: 1 } }), RangeError);
    assert.throws(() => createGateway({ allow: [], maxReplayBytes: 64 * 1024 }), { code: 'ERR_INVALID_ARG_VALUE', message: /maxReplayBytes must be an integer number of bytes from 262144 to 2147483647, got 65536/ });
    assert.throws(() => createGateway({ allow: [], resumeGracePeriod: -1 }), { code: 'ERR_INVALID_ARG_VALUE', message: /resumeGracePeriod/ });
  });
});
