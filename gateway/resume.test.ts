/**
 * Fault injection for session resumption (PROTOCOL.md#resume), the real client
 * tunnel against the real gateway: bulk streams in both directions (SHA-256
 * compared) while the WebSocket is killed from the gateway side, from the client
 * side, or silently blackholed by a proxy; a gateway restart; a client that never
 * comes back; a graceful drain. Sizes: RESUME_TEST_MIB per stream and direction
 * (default 64), RESUME_TEST_STREAMS streams (default 10).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { type TestContext, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { CHUNK, chunk } from './testing/stamped-chunks.ts';
import { type Tunnel, createTunnel } from '../client/tunnel.ts';
import type { WebSocketConstructor } from '../client/websocket-transport.ts';
import { MAX_FRAME_LENGTH } from '../shared/protocol.ts';
import { type Gateway, type GatewayOptions, createGateway } from './gateway.ts';
import { type FaultProxy, startFaultProxy } from './testing/fault-proxy.ts';
import { startTarget, until } from './testing/harness.ts';
import { dnsOver } from '../client/tunnel-modules.ts';
import { type Frame, decodeFrame } from '../shared/frame.ts';
import { wireError } from '../shared/errors.ts';
import { Session } from '../shared/session.ts';
import { WsTransport } from './ws-transport.ts';

const MIB = Number(process.env['RESUME_TEST_MIB'] ?? 64);
const STREAMS = Number(process.env['RESUME_TEST_STREAMS'] ?? 10);
/** Replay-buffer cap the gateway runs with here (the client keeps its default, 64 MiB). */
const MAX_REPLAY = 32 * 1024 * 1024;
/** DATA pauses at half the cap, so a buffer never holds more than that plus a frame or two. */
const replayBound = (cap: number): number => cap / 2 + 2 * MAX_FRAME_LENGTH;

/** Writes MIB of stream `seed` to `socket` with backpressure, then ends; resolves with the SHA-256 sent. */
async function send(socket: Duplex, seed: number, mib = MIB): Promise<string> {
  const hash = createHash('sha256');
  const chunks = (mib * 1024 * 1024) / CHUNK;
  for (let n = 0; n < chunks; n++) {
    const data = chunk(seed, n);
    hash.update(data);
    if (!socket.write(data)) await once(socket, 'drain');
  }
  socket.end();
  return hash.digest('hex');
}

interface Received {
  readonly hash: string;
  readonly bytes: number;
  /** The first 64 KiB chunk whose stamp was not the next one in order (a lost, doubled or swapped chunk), or ''. */
  readonly firstGap: string;
}

/** Hashes everything `socket` delivers until 'end'. */
function receive(socket: Duplex): Promise<Received> {
  const hash = createHash('sha256');
  let bytes = 0;
  let firstGap = '';
  socket.on('data', (data: Buffer) => {
    hash.update(data);
    // Each chunk starts with (seed, n): check n at every 64 KiB boundary in this piece.
    for (let offset = (CHUNK - (bytes % CHUNK)) % CHUNK; offset + 8 <= data.length && firstGap === ''; offset += CHUNK) {
      const expected = (bytes + offset) / CHUNK;
      const stamp = data.readUInt32BE(offset + 4);
      if (stamp !== expected) firstGap = `chunk ${stamp} where chunk ${expected} belongs`;
    }
    bytes += data.length;
  });
  return new Promise((resolve, reject) => {
    socket.once('end', () => resolve({ hash: hash.digest('hex'), bytes, firstGap }));
    socket.once('close', () => reject(new Error(`closed without 'end' after ${bytes} bytes`)));
  });
}

interface Origin {
  readonly port: number;
  /** Per stream index (the seed in the client's first chunk): what the origin got and sent. */
  readonly results: Map<number, { received: Promise<Received>; sent: Promise<string> }>;
  readonly sockets: Set<net.Socket>;
}

/** The TCP origin: for each connection, echoes nothing but sends its own MIB (seed index + 1000) and hashes what it gets. */
async function startOrigin(t: TestContext): Promise<Origin> {
  const results: Origin['results'] = new Map();
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const received = receive(socket);
    // A peer that goes away before sending anything gets our FIN too (we are half-open).
    socket.once('end', () => {
      if (socket.bytesRead === 0) socket.end();
    });
    // A stream cut on purpose (gateway restart) rejects these; only awaited ones matter.
    received.catch(() => {});
    socket.once('data', (first: Buffer) => {
      const index = first.readUInt32BE(0);
      const sent = send(socket, index + 1000);
      sent.catch(() => {});
      results.set(index, { received, sent });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, results, sockets };
}

interface Stand {
  readonly gateway: Gateway;
  readonly port: number;
  /** Server-side TCP sockets of WebSocket upgrades, newest last. */
  readonly upgrades: Duplex[];
  readonly server: http.Server;
}

/** A gateway on its own HTTP server (so a test can kill upgrade sockets from the gateway side). */
async function startStand(t: TestContext, options: Partial<GatewayOptions> = {}, port = 0): Promise<Stand> {
  const gateway = createGateway({ allow: ['127.0.0.1:*'], maxReplayBytes: MAX_REPLAY, ...options });
  const server = http.createServer();
  const upgrades: Duplex[] = [];
  server.on('upgrade', (_request, socket: Duplex) => {
    upgrades.push(socket);
    socket.on('close', () => upgrades.splice(upgrades.indexOf(socket), 1));
  });
  gateway.attach(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    await gateway.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { gateway, port: (server.address() as AddressInfo).port, upgrades, server };
}

function tunnelTo(t: TestContext, port: number, options: Partial<Parameters<typeof createTunnel>[0]> = {}): Tunnel {
  const tunnel = createTunnel({
    url: `ws://127.0.0.1:${port}/`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    keepaliveInterval: 250,
    keepaliveTimeout: 1_000,
    resumeTimeout: 30_000,
    ...options,
  });
  t.after(() => tunnel.close());
  return tunnel;
}

/** Kills the link every 1–2 s (random) with `kill` until stopped; counts the kills. */
function killEvery(kill: () => void): { stop(): number } {
  let kills = 0;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    timer = setTimeout(() => {
      kill();
      kills += 1;
      arm();
    }, 1_000 + Math.random() * 1_000);
  };
  arm();
  return {
    stop() {
      clearTimeout(timer);
      return kills;
    },
  };
}

/**
 * STREAMS × MIB both ways through `tunnel` while `kill` runs every 1–2 s; asserts every
 * byte arrived once and in order (hashes), that no socket saw an error, and that the
 * replay buffers stayed under their cap. Returns what happened, for the log.
 */
async function bulkUnderFire(origin: Origin, stand: Stand, tunnel: Tunnel, kill: () => void): Promise<{ kills: number; reconnects: number; seconds: number; gatewayPeak: number; clientPeak: number }> {
  let reconnects = 0;
  tunnel.on('reconnect', () => {
    reconnects += 1;
  });
  const started = Date.now();
  const errors: Error[] = [];
  const streams = Array.from({ length: STREAMS }, (_, index) => {
    // Half-open: the origin may finish sending before we do.
    const socket = tunnel.net.connect({ port: origin.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', (error) => errors.push(error));
    const received = receive(socket);
    const connected = once(socket, 'connect');
    const sent = connected.then(() => send(socket, index));
    const closed = once(socket, 'close');
    return { index, received, connected, sent, closed };
  });
  // Resumption starts with the first WELCOME: a drop before it fails like version 1.
  await Promise.all(streams.map((s) => s.connected));
  const killer = killEvery(kill);
  const debug = process.env['RESUME_TEST_DEBUG'] === undefined ? null : setInterval(() => {
    console.log(JSON.stringify({ client: tunnel.stats(), gateway: stand.gateway.stats() }));
  }, 2_000);
  let kills: number;
  try {
    await Promise.all(streams.map((s) => s.sent));
    await Promise.all(streams.map((s) => s.received));
  } finally {
    kills = killer.stop();
    if (debug !== null) clearInterval(debug);
  }
  await Promise.all(streams.map((s) => s.closed));
  const seconds = (Date.now() - started) / 1000;
  assert.deepEqual(errors.map((e) => (e as { code?: string }).code), []);
  for (const s of streams) {
    const result = origin.results.get(s.index);
    assert.ok(result, `the origin saw stream ${s.index}`);
    const atOrigin = await result.received;
    assert.equal(atOrigin.firstGap, '', `stream ${s.index} upload order`);
    assert.equal(atOrigin.bytes, MIB * 1024 * 1024, `stream ${s.index} upload length`);
    assert.equal(atOrigin.hash, await s.sent, `stream ${s.index} upload SHA-256`);
    const atClient = await s.received;
    assert.equal(atClient.firstGap, '', `stream ${s.index} download order`);
    assert.equal(atClient.bytes, MIB * 1024 * 1024, `stream ${s.index} download length`);
    assert.equal(atClient.hash, await result.sent, `stream ${s.index} download SHA-256`);
  }
  const gatewayPeak = stand.gateway.stats().replayPeak;
  const clientPeak = tunnel.stats().session?.replayPeak ?? 0;
  assert.ok(gatewayPeak > 0 && gatewayPeak <= replayBound(MAX_REPLAY), `gateway replay peak ${gatewayPeak}`);
  assert.ok(clientPeak > 0 && clientPeak <= replayBound(64 * 1024 * 1024), `client replay peak ${clientPeak}`);
  assert.equal(tunnel.stats().session?.resumes, reconnects);
  return { kills, reconnects, seconds, gatewayPeak, clientPeak };
}

function report(t: TestContext, what: string, r: Awaited<ReturnType<typeof bulkUnderFire>>): void {
  t.diagnostic(`${what}: ${STREAMS} × ${MIB} MiB each way in ${r.seconds.toFixed(1)} s, ${r.kills} kills, ${r.reconnects} resumes, replay peak gateway ${(r.gatewayPeak / 1024).toFixed(0)} KiB, client ${(r.clientPeak / 1024).toFixed(0)} KiB`);
}

/** A TCP load balancer: the first connection goes to `ports[0]`, every later one to `ports[1]`. */
async function startBalancer(t: TestContext, ports: readonly [number, number]): Promise<number> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(ports[connections++ === 0 ? 0 : 1], '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/** `ws`'s WebSocket recording the frames of every instance: per WebSocket, sent and received. */
function tappedWebSocket(): { WebSocket: WebSocketConstructor; sockets: Array<{ sent: Frame[]; received: Frame[] }> } {
  const sockets: Array<{ sent: Frame[]; received: Frame[] }> = [];
  class Tapped extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      const tap = { sent: [] as Frame[], received: [] as Frame[] };
      sockets.push(tap);
      this.on('message', (data: Buffer) => tap.received.push(decodeFrame(data)));
      const send = this.send.bind(this);
      this.send = ((message: Uint8Array, ...rest: unknown[]) => {
        tap.sent.push(decodeFrame(message));
        return (send as (...args: unknown[]) => void)(message, ...rest);
      }) as typeof this.send;
    }
  }
  return { WebSocket: Tapped as unknown as WebSocketConstructor, sockets };
}

describe('session resumption under fault injection', { timeout: 240_000 }, () => {
  test('the WebSocket is killed from the gateway side every 1–2 s: every stream completes intact', async (t) => {
    const origin = await startOrigin(t);
    const stand = await startStand(t);
    const tunnel = tunnelTo(t, stand.port);
    const result = await bulkUnderFire(origin, stand, tunnel, () => stand.upgrades.at(-1)?.destroy());
    assert.ok(result.kills >= 1 && result.reconnects >= 1, `kills ${result.kills}, resumes ${result.reconnects}`);
    report(t, 'gateway-side kills', result);
  });

  test('the WebSocket is killed from the client side every 1–2 s: every stream completes intact', async (t) => {
    const origin = await startOrigin(t);
    const stand = await startStand(t);
    const tunnel = tunnelTo(t, stand.port);
    const result = await bulkUnderFire(origin, stand, tunnel, () => tunnel.dropConnection());
    assert.ok(result.kills >= 1 && result.reconnects >= 1, `kills ${result.kills}, resumes ${result.reconnects}`);
    report(t, 'client-side kills', result);
  });

  test('a proxy blackholes the link every 1–2 s: keepalive detects it, the session resumes, every stream completes intact', async (t) => {
    const origin = await startOrigin(t);
    const stand = await startStand(t);
    const proxy: FaultProxy = await startFaultProxy(stand.port);
    t.after(() => proxy.close());
    // Tighter liveness than the defaults (15 s / 10 s), so a blackhole is found in < 0.5 s.
    const tunnel = tunnelTo(t, proxy.port, { keepaliveInterval: 100, keepaliveTimeout: 400 });
    const result = await bulkUnderFire(origin, stand, tunnel, () => proxy.blackhole());
    assert.ok(result.kills >= 1 && result.reconnects >= 1, `blackholes ${result.kills}, resumes ${result.reconnects}`);
    report(t, 'proxy blackholes', result);
  });

  test('a gateway restart fails the open streams with SOCKWAY_ERR_RESUME_FAILED; new streams work', async (t) => {
    const origin = await startOrigin(t);
    const first = await startStand(t, {});
    const tunnel = tunnelTo(t, first.port);
    const socket = tunnel.net.connect(origin.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(chunk(0, 0));
    await until(() => origin.results.size === 1, 'the origin to see the stream');
    const failed = once(socket, 'error') as Promise<[Error & { code: string }]>;
    // The old gateway "crashes": its connections die without GOAWAY and its port goes away.
    for (const upgrade of [...first.upgrades]) upgrade.destroy();
    first.server.closeAllConnections();
    await new Promise((resolve) => first.server.close(resolve));
    const second = await startStand(t, {}, first.port);
    const [error] = await failed;
    assert.equal(error.code, 'SOCKWAY_ERR_RESUME_FAILED');
    // Each start picks a new instance id (no instanceId given): the session is another instance's.
    assert.match(error.message, /not on this gateway instance: .* or that instance has stopped or restarted$/);
    const fresh = tunnel.net.connect({ port: origin.port, host: '127.0.0.1', allowHalfOpen: true });
    const received = receive(fresh);
    await once(fresh, 'connect');
    const sent = await send(fresh, 1);
    await until(() => origin.results.has(1), 'the origin to see the new stream');
    assert.equal((await origin.results.get(1)?.received)?.hash, sent);
    assert.equal((await received).bytes, MIB * 1024 * 1024);
    assert.equal(second.gateway.stats().detachedSessions, 0);
  });

  test('a client that never comes back: after the grace period every TCP socket, listener and timer is freed', async (t) => {
    const origin = await startOrigin(t);
    const stand = await startStand(t, { resumeGracePeriod: 500, allowListen: ['127.0.0.1:*'] });
    const proxy = await startFaultProxy(stand.port);
    t.after(() => proxy.close());
    const tunnel = tunnelTo(t, proxy.port, { resumeTimeout: 60_000 });
    const sockets = Array.from({ length: 3 }, () => tunnel.net.connect(origin.port, '127.0.0.1'));
    for (const socket of sockets) socket.on('error', () => {});
    await Promise.all(sockets.map((socket) => once(socket, 'connect')));
    const server = tunnel.net.createServer();
    server.on('error', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await until(() => origin.sockets.size === 3, 'the origin to hold three sockets');
    let stats = stand.gateway.stats();
    assert.equal(stats.tcpSockets, 3);
    assert.equal(stats.listeners, 1);
    const bound = (server.address() as AddressInfo).port;

    // The client's network goes away for good: its reconnects are refused.
    await proxy.close();
    await until(() => stand.gateway.stats().detachedSessions === 1, 'the gateway to detach the session');
    assert.equal(stand.gateway.stats().timers, 1, 'one grace timer');
    assert.equal(stand.gateway.stats().tcpSockets, 3, 'the sockets are kept during the grace period');
    await until(() => stand.gateway.sessions === 0, 'the grace period to end the session', 5_000);
    // The TCP sockets close asynchronously after the session ends.
    await until(() => stand.gateway.stats().tcpSockets === 0, 'the TCP sockets to close');
    stats = stand.gateway.stats();
    assert.deepEqual(
      { sessions: stats.sessions, detached: stats.detachedSessions, tcp: stats.tcpSockets, listeners: stats.listeners, timers: stats.timers, replay: stats.replayBytes, streams: stats.streams.length },
      { sessions: 0, detached: 0, tcp: 0, listeners: 0, timers: 0, replay: 0, streams: 0 },
    );
    await until(() => origin.sockets.size === 0, 'the origin sockets to close');
    // The listening port is released too.
    const probe = net.createServer();
    probe.listen(bound, '127.0.0.1');
    await once(probe, 'listening');
    await new Promise((resolve) => probe.close(resolve));
  });

  test('gateway.close() with drainTimeout: GOAWAY, open streams finish, new ones go to a fresh session, the rest is reset at the deadline', async (t) => {
    const origin = await startOrigin(t);
    const stand = await startStand(t, { drainTimeout: 3_000 });
    const tunnel = tunnelTo(t, stand.port);
    const finishing = tunnel.net.connect({ port: origin.port, host: '127.0.0.1', allowHalfOpen: true });
    const stuck = tunnel.net.connect(origin.port, '127.0.0.1');
    const stuckError = once(stuck, 'error') as Promise<[Error & { code: string }]>;
    await Promise.all([once(finishing, 'connect'), once(stuck, 'connect')]);
    const received = receive(finishing);
    // The origin answers only after a client's first bytes: this stream stays idle and open.
    stuck.resume();
    const closing = stand.gateway.close();
    // After GOAWAY the stream keeps flowing: it sends all of its bytes and gets the origin's.
    const sent = await send(finishing, 3, 4);
    await until(() => origin.results.has(3), 'the origin to see the finishing stream');
    assert.equal((await origin.results.get(3)?.received)?.hash, sent);
    assert.equal((await received).bytes, MIB * 1024 * 1024);
    // A new connection goes to a fresh WebSocket, which the draining gateway answers with
    // HTTP 503 (behind a load balancer: another gateway takes it; here it fails).
    const late = tunnel.net.connect(origin.port, '127.0.0.1');
    const lateError = once(late, 'error') as Promise<[Error & { code: string }]>;
    assert.equal((await lateError)[0].code, 'SOCKWAY_ERR_GATEWAY_UNREACHABLE');
    // The other one never ends: it is reset when the drain deadline passes.
    const [error] = await stuckError;
    assert.equal(error.code, 'SOCKWAY_ERR_GOING_AWAY');
    await closing;
    assert.equal(stand.gateway.sessions, 0);
  });

  test('an OPEN, LISTEN and QUERY crossing a GOAWAY are sent again on a fresh session (another gateway behind the balancer)', async (t) => {
    const echo = await startTarget(t);
    const draining = await startStand(t, { drainTimeout: 5_000, allowListen: ['127.0.0.1:*'] });
    const fresh = await startStand(t, { allowListen: ['127.0.0.1:*'] });
    const balancer = await startBalancer(t, [draining.port, fresh.port]);
    const tap = tappedWebSocket();
    const tunnel = tunnelTo(t, balancer, { WebSocket: tap.WebSocket });
    const dns = dnsOver(tunnel);
    const first = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(first, 'connect');
    // The first gateway drains (it has a stream open); in the same turn, before its GOAWAY
    // arrives, the page opens a connection, a listener and a lookup: all three cross it.
    const closing = draining.gateway.close();
    const crossing = tunnel.net.connect(echo.port, '127.0.0.1');
    const server = tunnel.net.createServer();
    server.listen(0, '127.0.0.1');
    const listening = once(server, 'listening');
    const connected = once(crossing, 'connect');
    const lookup = dns.promises.lookup('localhost', { family: 4 });
    const errors: Error[] = [];
    first.on('error', (error) => errors.push(error));
    crossing.on('error', (error) => errors.push(error));
    server.on('error', (error) => errors.push(error));
    await connected;
    crossing.write('still here');
    const [echoed] = await once(crossing, 'data') as [Buffer];
    assert.equal(echoed.toString(), 'still here');
    await listening;
    assert.deepEqual(await lookup, { address: '127.0.0.1', family: 4 });
    assert.deepEqual(errors, []);
    // They did cross: the first WebSocket carried them, and its GOAWAY did not cover them.
    const [old] = tap.sockets;
    assert.ok(old !== undefined && tap.sockets.length === 2, 'two WebSockets: the draining session and a fresh one');
    const goaway = old.received.find((frame) => frame.type === 'goaway');
    assert.ok(goaway?.type === 'goaway');
    const crossed = old.sent.filter((frame) => (frame.type === 'open' || frame.type === 'listen' || frame.type === 'query') && frame.streamId > goaway.lastStreamId);
    assert.deepEqual(crossed.map((frame) => frame.type).sort(), ['listen', 'open', 'query']);
    // The fresh gateway carries the connection and the listener; the draining one only the first stream.
    assert.equal(fresh.gateway.stats().tcpSockets, 1);
    assert.equal(fresh.gateway.stats().listeners, 1);
    assert.equal(draining.gateway.stats().tcpSockets, 1);
    first.end();
    await closing;
    server.close();
    crossing.destroy();
  });

  test('a gateway that sends GOAWAY before every OPEN: the connect goes again at most 3 times, then fails with its error', async (t) => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    t.after(() => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(resolve);
    }));
    let sessions = 0;
    wss.on('connection', (ws) => {
      sessions += 1;
      const session: Session = new Session({
        role: 'gateway',
        transport: new WsTransport(ws),
        timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), now: () => Date.now() },
        onReady: () => session.goAway(wireError({ code: 'SOCKWAY_ERR_GOING_AWAY', message: 'always draining' })),
      });
    });
    const tunnel = tunnelTo(t, (wss.address() as AddressInfo).port);
    const socket = tunnel.net.connect(9, '127.0.0.1');
    const [error] = await once(socket, 'error') as [Error & { code: string }];
    assert.equal(error.code, 'SOCKWAY_ERR_GOING_AWAY');
    assert.equal(error.message, 'always draining');
    assert.equal(sessions, 4, 'the first session and three more');
  });
});
