/**
 * Integration: sockway's net.Socket in Node, through a real gateway (library
 * form) to real TCP servers on 127.0.0.1. Where Node's own behaviour is the
 * spec, the same scenario runs against node:net and the results must match.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import nodeNet from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { closedPort, startEchoServer, startServer, startTcpProxy, type TestServer } from '../e2e/fixtures/tcp-servers.ts';
import { NodeWebSocket, startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';
import { createTunnel, type NetModule } from './index.ts';
import { DEFAULT_MAX_STREAM_WINDOW, STREAM_QUEUE_LIMIT } from '../shared/protocol.ts';
import type { WebSocketConstructor } from './websocket-transport.ts';
import { until } from '../gateway/testing/harness.ts';

type AnySocket = nodeNet.Socket | InstanceType<NetModule['Socket']>;
type NetLike = { connect(...args: unknown[]): AnySocket };

let fixture: GatewayFixture;
let net: NetModule;
let echo: TestServer;

before(async () => {
  fixture = await startGateway({ allow: ['127.0.0.1:*', 'localhost:*', '*.invalid:*'] });
  net = fixture.tunnel.net;
  echo = await startEchoServer();
});

after(async () => {
  await fixture.close();
  await echo.close();
});

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Records events (with readyState) until 'close'. */
function trace(socket: AnySocket, events = ['lookup', 'connect', 'ready', 'data', 'end', 'finish', 'error', 'close']): Promise<string[]> {
  const seen: string[] = [];
  for (const name of events) {
    (socket as nodeNet.Socket).on(name, (arg: unknown) => {
      if (name === 'data') seen.push(`data:${String(arg)}`);
      else if (name === 'error') seen.push(`error:${(arg as NodeJS.ErrnoException).code}`);
      else if (name === 'close') seen.push(`close:${String(arg)}`);
      else seen.push(`${name}:${(socket as nodeNet.Socket).readyState}`);
    });
  }
  // Not events.once: it would reject on 'error', which these traces record.
  return new Promise((resolve) => (socket as nodeNet.Socket).once('close', () => resolve(seen)));
}

/** The observable shape of an error. */
function errorShape(error: unknown): Record<string, unknown> {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  return { name: e.name, message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, address: e.address, port: e.port, hostname: e.hostname };
}

async function bothNets(scenario: (netLike: NetLike) => Promise<unknown>): Promise<void> {
  const expected = await scenario(nodeNet as unknown as NetLike);
  const actual = await scenario(net as unknown as NetLike);
  assert.deepEqual(actual, expected);
}

test('echo round trip: same events and readyStates as node:net', async () => {
  await bothNets(async (n) => {
    const socket = n.connect(echo.port, '127.0.0.1', () => socket.end('hello'));
    return trace(socket);
  });
});

test('connect via a host name: lookup event, real remote and local addresses', async () => {
  const socket = net.connect(echo.port, 'localhost');
  const [err, address, family, host] = await once(socket, 'lookup');
  assert.equal(err, null);
  assert.equal(host, 'localhost');
  assert.ok(address === '127.0.0.1' || address === '::1');
  assert.equal(family, address === '::1' ? 6 : 4);
  await once(socket, 'connect');
  assert.equal(socket.remotePort, echo.port);
  assert.equal(socket.remoteAddress, address);
  const server = echo.sockets.at(-1) as nodeNet.Socket;
  assert.equal(socket.localPort, server.remotePort, 'localPort is the gateway socket\'s real port');
  assert.deepEqual(socket.address(), { address: server.remoteAddress, family: server.remoteFamily, port: server.remotePort });
  socket.destroy();
  await once(socket, 'close');
  assert.equal(socket.remoteAddress, address, 'remoteAddress is kept after close');
  assert.equal(socket.localAddress, undefined);
  assert.equal(socket.pending, true);
});

test('32 MiB each way through echo: SHA-256 equal', async () => {
  const payload = randomBytes(32 * 1024 * 1024);
  const socket = net.connect(echo.port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  await once(socket, 'connect');
  // write() in 256 KiB pieces honouring backpressure.
  for (let offset = 0; offset < payload.length; offset += 256 * 1024) {
    if (!socket.write(payload.subarray(offset, offset + 256 * 1024))) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'end');
  const all = Buffer.concat(received);
  assert.equal(all.length, payload.length);
  assert.equal(sha256(all), sha256(payload));
  assert.equal(socket.bytesRead, payload.length);
  assert.equal(socket.bytesWritten, payload.length);
});

test('200 concurrent streams on one WebSocket, each echoing its own bytes', async () => {
  const tunnel = fixture.newTunnel();
  const sessionsBefore = fixture.gateway.sessions;
  const runs = Array.from({ length: 200 }, async (_, i) => {
    const payload = randomBytes(32 * 1024 + i);
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'connect');
    socket.end(payload);
    await once(socket, 'close');
    assert.equal(sha256(Buffer.concat(chunks)), sha256(payload), `stream ${i}`);
  });
  const peak = (async () => {
    let most = 0;
    while (tunnel.stats().streams.length < 200 && most < 200) {
      most = Math.max(most, tunnel.stats().streams.length);
      await new Promise((r) => setImmediate(r));
    }
    return Math.max(most, tunnel.stats().streams.length);
  })();
  await Promise.all(runs);
  assert.ok((await peak) > 1, 'streams were concurrent');
  assert.equal(fixture.gateway.sessions, sessionsBefore + 1, 'all 200 streams shared one WebSocket');
  tunnel.close();
});

test('ECONNREFUSED: error shape equals node:net\'s, error then close(true)', async () => {
  const port = await closedPort();
  await bothNets(async (n) => {
    const socket = n.connect(port, '127.0.0.1');
    const events = trace(socket);
    const [error] = await once(socket as nodeNet.Socket, 'error');
    return { error: errorShape(error), events: await events, destroyed: socket.destroyed, readyState: socket.readyState };
  });
});

test('ENOTFOUND: lookup(err) then error, shaped as node:net\'s', async () => {
  await bothNets(async (n) => {
    const socket = n.connect({ port: 80, host: 'nosuch.invalid' });
    const lookup = once(socket as nodeNet.Socket, 'lookup');
    const [error] = await once(socket as nodeNet.Socket, 'error');
    const [lookupErr, address, family, host] = await lookup;
    return { error: errorShape(error), lookup: [errorShape(lookupErr), address, family, host] };
  });
});

test('peer reset: read ECONNRESET shaped as node:net\'s', async () => {
  const server = await startServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  try {
    await bothNets(async (n) => {
      const socket = n.connect(server.port, '127.0.0.1', () => socket.write('x'));
      const events = trace(socket);
      const [error] = await once(socket as nodeNet.Socket, 'error');
      return { error: errorShape(error), events: await events };
    });
  } finally {
    await server.close();
  }
});

test('client resetAndDestroy: the TCP peer sees ECONNRESET', async () => {
  const server = await startServer();
  try {
    const accepted = server.nextSocket();
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const peer = await accepted;
    const peerError = once(peer, 'error');
    socket.resetAndDestroy();
    const [closeArg] = await once(socket, 'close');
    assert.equal(closeArg, false);
    const [error] = await peerError;
    assert.equal((error as NodeJS.ErrnoException).code, 'ECONNRESET');
  } finally {
    await server.close();
  }
});

test('client destroy(): the TCP peer sees a plain end and close', async () => {
  const server = await startServer();
  try {
    const accepted = server.nextSocket();
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const peer = await accepted;
    peer.resume();
    const peerEnd = once(peer, 'end');
    socket.destroy();
    await peerEnd;
    // The test server is half-open; its close follows its own end().
    peer.end();
    await once(peer, 'close');
  } finally {
    await server.close();
  }
});

test('half-close, client ends first: server replies after the FIN; same trace as node:net', async () => {
  const server = await startServer((peer) => {
    const chunks: Buffer[] = [];
    peer.on('data', (c: Buffer) => chunks.push(c));
    peer.on('end', () => peer.end(`got ${Buffer.concat(chunks).toString()}`));
  });
  try {
    await bothNets(async (n) => {
      const socket = n.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end('req'));
      return trace(socket);
    });
  } finally {
    await server.close();
  }
});

test('half-close, server ends first: the client stays writable and its reply arrives', async () => {
  const replies: Array<Promise<string>> = [];
  const server = await startServer((peer) => {
    peer.end('bye');
    replies.push(new Promise((resolve) => {
      const chunks: Buffer[] = [];
      peer.on('data', (c: Buffer) => chunks.push(c));
      peer.on('end', () => resolve(Buffer.concat(chunks).toString()));
    }));
  });
  try {
    await bothNets(async (n) => {
      const socket = n.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
      socket.on('end', () => {
        assert.equal(socket.writable, true);
        socket.end('reply');
      });
      return trace(socket);
    });
    assert.deepEqual(await Promise.all(replies), ['reply', 'reply']);
  } finally {
    await server.close();
  }
});

test('write after the peer\'s FIN (allowHalfOpen false): EPIPE as node:net', async () => {
  const server = await startServer((peer) => peer.end());
  try {
    await bothNets(async (n) => {
      const socket = n.connect(server.port, '127.0.0.1');
      socket.resume();
      const result: unknown[] = [];
      (socket as nodeNet.Socket).on('error', (err) => result.push(`error:${(err as NodeJS.ErrnoException).code}`));
      await once(socket as nodeNet.Socket, 'end');
      await new Promise<void>((resolve) => {
        (socket as nodeNet.Socket).write('late', (err) => {
          result.push(errorShape(err));
          resolve();
        });
      });
      return result;
    });
  } finally {
    await server.close();
  }
});

test('denied destination: SOCKWAY_ERR_DENIED naming the destination, nothing dialed', async () => {
  const socket = net.connect(22, '10.9.8.7');
  const [error] = await once(socket, 'error');
  assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
  assert.match(error.message, /10\.9\.8\.7:22/);
  assert.equal(error.syscall, 'connect');
  const [hadError] = await once(socket, 'close');
  assert.equal(hadError, true);
});

test('a host name no rule can allow is refused before DNS', async () => {
  const lookups: string[] = [];
  const gw = await startGateway({ allow: ['db.example:5432'], lookup: ((host: string, _o: unknown, cb: (e: Error | null, a: unknown[]) => void) => { lookups.push(host); cb(null, [{ address: '127.0.0.1', family: 4 }]); }) as never });
  try {
    const socket = gw.tunnel.net.connect(80, 'internal.example');
    const [error] = await once(socket, 'error');
    assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
    assert.deepEqual(lookups, []);
  } finally {
    await gw.close();
  }
});

test('slow reader: gateway-side buffering stays within the window while another stream flows', async () => {
  const window = 256 * 1024;
  const total = 8 * 1024 * 1024;
  let sourceBlocked = false;
  // Source server: writes forever to the slow stream; finite to the fast one.
  const server = await startServer((peer) => {
    peer.once('data', (mode: Buffer) => {
      if (mode.toString() === 'slow') {
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = (): void => {
          while (peer.write(chunk));
          sourceBlocked = true;
          peer.once('drain', pump);
        };
        pump();
      } else {
        const chunk = Buffer.alloc(64 * 1024, 2);
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            sent += chunk.length;
            if (!peer.write(chunk)) return void peer.once('drain', pump);
          }
          peer.end();
        };
        pump();
      }
    });
  });
  try {
    const slow = net.connect(server.port, '127.0.0.1', () => slow.write('slow'));
    slow.pause();
    await once(slow, 'connect');
    const fast = net.connect(server.port, '127.0.0.1', () => fast.write('fast'));
    let fastBytes = 0;
    fast.on('data', (c: Buffer) => { fastBytes += c.length; });
    let peakGatewayBuffered = 0;
    let saturatedSamples = 0;
    // Read at every chunk the fast stream delivers and once more when the slow stream is
    // saturated: the bound must hold at its fullest, however few chunks the transfer took.
    const sample = (): void => {
      for (const s of fixture.gateway.stats().streams) {
        if (s.port !== server.port || s.bytesReceived >= 10) continue;
        // What the gateway holds for the page: queued DATA plus bytes sent and not yet credited.
        peakGatewayBuffered = Math.max(peakGatewayBuffered, s.queuedBytes + s.unacknowledgedBytes);
        if (s.socketPaused && sourceBlocked) saturatedSamples++;
      }
    };
    fast.on('data', sample);
    await once(fast, 'end');
    assert.equal(fastBytes, total, 'the fast stream delivered everything while the slow one stalled');
    const slowStream = () => fixture.gateway.stats().streams.find((s) => s.port === server.port && s.bytesReceived < 10);
    await until(() => sourceBlocked && slowStream()?.socketPaused === true, 'the slow stream to saturate');
    sample();
    const slowStats = slowStream();
    assert.ok(slowStats, 'slow stream still open at the gateway');
    assert.ok(saturatedSamples > 0, 'counters were read while the slow stream was saturated');
    assert.ok(peakGatewayBuffered >= window, `the gateway filled the slow stream's window (${peakGatewayBuffered} bytes)`);
    // The window in flight, plus the stream's bounded local queue, plus the one TCP read that found it full.
    assert.ok(peakGatewayBuffered <= window + STREAM_QUEUE_LIMIT + 64 * 1024, `gateway held ${peakGatewayBuffered} bytes for the slow stream`);
    assert.equal(slowStats.socketPaused, true, 'the gateway stopped reading the slow TCP socket');
    assert.ok(sourceBlocked, 'backpressure reached the origin server');
    assert.ok(slow.readableLength <= window + slow.readableHighWaterMark, `client buffered ${slow.readableLength}`);
    // Resuming drains the slow stream again.
    const before = slow.bytesRead ?? 0;
    slow.resume();
    while ((slow.bytesRead ?? 0) <= before) await once(slow, 'data');
    slow.destroy();
    fast.destroy();
  } finally {
    await server.close();
  }
});

test('write() returns false and drain fires, driven by credit; nothing grows without bound', async () => {
  // The gateway's receive window may auto-tune up to its maximum (4 MiB by default).
  const window = DEFAULT_MAX_STREAM_WINDOW;
  const server = await startServer((peer) => peer.pause());
  try {
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    // Write whenever drain says so, until drain stops coming: the peer reads
    // nothing, so once the kernel buffers are full the gateway withholds credit.
    const chunk = Buffer.alloc(16 * 1024);
    let written = 0;
    let falses = 0;
    for (;;) {
      while (socket.write(chunk)) written += chunk.length;
      written += chunk.length;
      falses++;
      const drained = await Promise.race([
        once(socket, 'drain').then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
      ]);
      if (!drained) break;
      assert.ok(written < 256 * 1024 * 1024, 'backpressure must stop the writer eventually');
    }
    assert.ok(falses >= 1);
    const stats = fixture.gateway.stats().streams.find((s) => s.port === server.port);
    assert.ok(stats, 'stream visible at the gateway');
    assert.ok(stats.unconsumedBytes <= window, `gateway holds ${stats.unconsumedBytes} uncredited bytes`);
    assert.ok(socket.writableLength <= socket.writableHighWaterMark + chunk.length, `client buffered ${socket.writableLength}`);
    (server.sockets.at(-1) as nodeNet.Socket).resume();
    await once(socket, 'drain');
    socket.destroy();
  } finally {
    await server.close();
  }
});

test('setTimeout fires on idle without destroying; I/O refreshes it', async () => {
  const socket = net.connect(echo.port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  socket.setTimeout(100);
  setTimeout(() => socket.write('x'), 60);
  await once(socket, 'timeout');
  assert.ok(Date.now() - started >= 150, 'the write at 60 ms pushed the timeout back');
  assert.equal(socket.destroyed, false);
  assert.equal(socket.timeout, 100);
  socket.destroy();
});

test('writes queued before connect go out in order after connect', async () => {
  const socket = net.connect(echo.port, '127.0.0.1');
  socket.write('a');
  socket.write('b');
  assert.equal(socket.bufferSize, 2);
  assert.equal(socket.readyState, 'opening');
  socket.end('c');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  assert.equal(Buffer.concat(chunks).toString(), 'abc');
});

test('destroy() while connecting: close(false), pending write callback gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION', async () => {
  await bothNets(async (n) => {
    const socket = n.connect(echo.port, '127.0.0.1');
    const results: unknown[] = [];
    (socket as nodeNet.Socket).write('x', (err) => results.push((err as NodeJS.ErrnoException | undefined)?.code));
    const events = trace(socket);
    socket.destroy();
    return { events: await events, results };
  });
});

test('gateway shutdown fails open streams with SOCKWAY_ERR_GOING_AWAY', async () => {
  const gw = await startGateway();
  const socket = gw.tunnel.net.connect(echo.port, '127.0.0.1');
  await once(socket, 'connect');
  const error = once(socket, 'error');
  await gw.gateway.close();
  const [err] = await error;
  assert.equal(err.code, 'SOCKWAY_ERR_GOING_AWAY');
  gw.tunnel.close();
});

// Without resumption (protocol version 1); gateway/resume.test.ts covers the resuming tunnel.
test('losing the WebSocket mid-stream fails the stream with SOCKWAY_ERR_GATEWAY_CLOSED, never a hang (reconnect: false)', async () => {
  const gatewayPort = Number(new URL(fixture.url).port);
  const proxy = await startTcpProxy(gatewayPort);
  const tunnel = createTunnel({ url: `ws://127.0.0.1:${proxy.port}/`, WebSocket: NodeWebSocket, reconnect: false });
  try {
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('x');
    await once(socket, 'data');
    const error = once(socket, 'error');
    proxy.dropAll();
    const [err] = await error;
    assert.equal(err.code, 'SOCKWAY_ERR_GATEWAY_CLOSED');
    assert.match(err.message, /1006/);
    // The next connect opens a fresh WebSocket.
    const again = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(again, 'connect');
    again.destroy();
  } finally {
    tunnel.close();
    await proxy.close();
  }
});

test('an unreachable gateway fails connects with SOCKWAY_ERR_GATEWAY_UNREACHABLE', async () => {
  const tunnel = createTunnel({ url: `ws://127.0.0.1:${await closedPort()}/`, WebSocket: NodeWebSocket });
  const socket = tunnel.net.connect(echo.port, '127.0.0.1');
  const [err] = await once(socket, 'error');
  assert.equal(err.code, 'SOCKWAY_ERR_GATEWAY_UNREACHABLE');
  const [hadError] = await once(socket, 'close');
  assert.equal(hadError, true);
});

test('a Node process exits on its own when its sockets are closed or unref\'d', async () => {
  const script = `
    import WebSocket from 'ws';
    import { createTunnel } from './client/index.ts';
    const { net } = createTunnel({ url: ${JSON.stringify(fixture.url)}, WebSocket });
    const socket = net.connect(${echo.port}, '127.0.0.1', () => { socket.unref(); console.log('connected'); });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  const killer = setTimeout(() => child.kill(), 15_000);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(killer);
  assert.equal(signal, null, 'exited by itself (not killed)');
  assert.equal(code, 0);
  assert.match(out, /connected/);
});

/**
 * `ws`, except that a new WebSocket connects only once `HeldWebSocket.gate` resolves: a
 * tunnel's reconnect can be held back while a test looks at what the page does meanwhile.
 */
class HeldWebSocket {
  static gate: Promise<void> = Promise.resolve();
  binaryType = 'nodebuffer';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  #ws: WebSocket | null = null;
  #closed = false;

  constructor(url: string, protocols?: string | string[]) {
    void HeldWebSocket.gate.then(() => {
      if (this.#closed) return;
      const ws = new WebSocket(url, protocols);
      ws.binaryType = this.binaryType as 'nodebuffer';
      ws.onopen = (event) => this.onopen?.(event);
      ws.onmessage = (event) => this.onmessage?.(event);
      ws.onclose = (event) => this.onclose?.(event);
      ws.onerror = (event) => this.onerror?.(event);
      this.#ws = ws;
    });
  }

  get readyState(): number {
    return this.#ws?.readyState ?? (this.#closed ? 3 : 0);
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  send(data: Uint8Array): void {
    this.#ws?.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.#ws !== null) {
      this.#ws.close(code, reason);
      return;
    }
    this.#closed = true;
    this.onclose?.({ code: 1006, reason: '' });
  }

  terminate(): void {
    if (this.#ws !== null) this.#ws.terminate();
    else this.close();
  }
}

test('bytes written before end() reach the peer even when the socket, ended both ways, closes before they leave', async () => {
  // Node hands written bytes to the kernel, which still delivers them (and the FIN) after the
  // socket closes. Here they may still wait in the session (for credit, or while the tunnel
  // resumes) when a socket that got the peer's FIN ends and so destroys itself: they must go
  // out, then END, not a RESET that drops them.
  const received: Array<Promise<{ bytes: number; hash: string }>> = [];
  const server = await startServer((peer) => {
    peer.end();
    received.push(new Promise((resolve) => {
      const hash = createHash('sha256');
      let bytes = 0;
      peer.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      peer.on('end', () => resolve({ bytes, hash: hash.digest('hex') }));
    }));
  });
  const tunnel = fixture.newTunnel({ WebSocket: HeldWebSocket as unknown as WebSocketConstructor });
  let reconnect = (): void => {};
  try {
    const socket = tunnel.net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    const events = trace(socket, ['end', 'finish', 'error', 'close']);
    socket.resume();
    await once(socket, 'end');
    // Under STREAM_QUEUE_LIMIT: the write completes at once, as Node's does once the kernel has it.
    const data = randomBytes(STREAM_QUEUE_LIMIT / 2);
    // The WebSocket drops and the reconnect is held: the bytes and END wait in the session.
    HeldWebSocket.gate = new Promise((resolve) => (reconnect = resolve));
    tunnel.dropConnection();
    socket.end(data);
    assert.deepEqual(await events, ['end:writeOnly', 'finish:closed', 'close:false']);
    assert.equal(tunnel.stats().connected, false, 'still reconnecting when the socket closed');
    reconnect();
    await until(() => received.length > 0, 'the server to see the connection');
    assert.equal(received.length, 1, 'the server saw one connection');
    assert.deepEqual(await received[0], { bytes: data.length, hash: sha256(data) });
  } finally {
    reconnect();
    HeldWebSocket.gate = Promise.resolve();
    tunnel.close();
    await server.close();
  }
});
