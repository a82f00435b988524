/**
 * Integration: sockway's net.Server in Node, listening at a real gateway (library
 * form) and accepting connections from real node:net clients on 127.0.0.1. Where
 * Node's own behaviour is the spec, the same scenario runs against node:net's Server
 * and the results must match (as client/socket.test.ts does for sockets).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import nodeNet from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { WebSocketServer } from 'ws';
import { startTcpProxy } from '../e2e/fixtures/tcp-servers.ts';
import { NodeWebSocket, startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';
import { wireError } from '../shared/errors.ts';
import { Session } from '../shared/session.ts';
import { WsTransport } from '../gateway/ws-transport.ts';
import { createTunnel, type NetModule } from './index.ts';
import sockwayNet from './net-entry.ts';

type AnyServer = nodeNet.Server | InstanceType<NetModule['Server']>;
type AnySocket = nodeNet.Socket | InstanceType<NetModule['Socket']>;
type Listener = (socket: nodeNet.Socket) => void;
type ServerNet = {
  createServer(options?: nodeNet.ServerOpts | Listener, listener?: Listener): AnyServer;
  Server: new (...args: unknown[]) => AnyServer;
};

/** Listen rules for the tests: loopback, `localhost`, and every interface (`listen()` binds ::). */
const ALLOW_LISTEN = ['127.0.0.1:*', '[::1]:*', 'localhost:*', '[::]:*'];

let fixture: GatewayFixture;
let net: NetModule;

before(async () => {
  fixture = await startGateway({ allowListen: ALLOW_LISTEN });
  net = fixture.tunnel.net;
});

after(async () => {
  await fixture.close();
});

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Runs `scenario` with node:net's Server, then with the tunnel's; the results must be equal. */
async function bothServers(scenario: (n: ServerNet) => Promise<unknown>, tunnelNet: NetModule = net): Promise<void> {
  const expected = await scenario(nodeNet as unknown as ServerNet);
  const actual = await scenario(tunnelNet as unknown as ServerNet);
  assert.deepEqual(actual, expected);
}

/** listen(...args), resolved with the bound port once 'listening'. */
async function listen(server: AnyServer, ...args: unknown[]): Promise<number> {
  const listening = once(server, 'listening');
  (server.listen as (...a: unknown[]) => unknown)(...(args.length === 0 ? [0, '127.0.0.1'] : args));
  await listening;
  return (server.address() as nodeNet.AddressInfo).port;
}

function close(server: AnyServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Records a socket's events (with readyState) until 'close'. */
function trace(socket: AnySocket, events = ['data', 'end', 'finish', 'error', 'close']): Promise<string[]> {
  const seen: string[] = [];
  const s = socket as nodeNet.Socket;
  for (const name of events) {
    s.on(name, (arg: unknown) => {
      if (name === 'data') seen.push(`data:${String(arg)}`);
      else if (name === 'error') seen.push(`error:${(arg as NodeJS.ErrnoException).code}`);
      else if (name === 'close') seen.push(`close:${String(arg)}`);
      else seen.push(`${name}:${s.readyState}`);
    });
  }
  return new Promise((resolve) => s.once('close', () => resolve(seen)));
}

/** The observable shape of an error: own keys in order, and the fields. */
function errorShape(error: unknown): Record<string, unknown> {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  return { keys: Object.keys(e), name: e.name, message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, address: e.address, port: e.port };
}

/** A node:net client to 127.0.0.1:port. */
function client(port: number, options: Partial<nodeNet.TcpNetConnectOpts> = {}): nodeNet.Socket {
  return nodeNet.connect({ port, host: '127.0.0.1', ...options });
}

/** Waits until `predicate` holds, checking after each I/O turn (bounded). */
async function until(predicate: () => boolean, what: string, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`timed out waiting for ${what}`);
}

// ---- construction and arguments ----

test('new Server(): the same own fields, in the same order, as node:net for each option set', () => {
  const optionSets: unknown[][] = [
    [],
    [{ allowHalfOpen: true, pauseOnConnect: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 2500, highWaterMark: 1000 }],
    [{ keepAliveInitialDelay: -5, highWaterMark: -1, allowHalfOpen: 0 }],
    [() => {}],
    [null, () => {}],
  ];
  for (const args of optionSets) {
    const shape = (server: AnyServer): Record<string, unknown> => {
      const fields: Record<string, unknown> = {};
      for (const key of Object.keys(server)) if (key !== '_events' && key !== '_eventsCount' && key !== '_maxListeners') fields[key] = (server as unknown as Record<string, unknown>)[key];
      return { keys: Object.keys(server), fields, connectionListeners: server.listenerCount('connection'), maxConnections: server.maxConnections, listening: server.listening, address: server.address() };
    };
    const TunnelServer = net.Server as unknown as new (...a: unknown[]) => AnyServer;
    const tunnelCreate = net.createServer as unknown as (...a: unknown[]) => AnyServer;
    assert.deepEqual(shape(new TunnelServer(...args)), shape(new nodeNet.Server(...(args as []))), JSON.stringify(args));
    assert.deepEqual(shape(tunnelCreate(...args)), shape(nodeNet.createServer(...(args as []))));
  }
  // Like Node's, the constructor works without `new`.
  assert.equal((net.Server as unknown as () => AnyServer)().listening, false);
});

test('constructor and listen() argument errors: the same code, name and message as node:net', async () => {
  const shape = (fn: () => unknown): unknown => {
    try {
      fn();
      return 'no throw';
    } catch (error) {
      const e = error as Error & { code?: string };
      return { name: e.name, code: e.code, message: e.message };
    }
  };
  const constructorCases: unknown[][] = [[5], ['x'], [true], [{ keepAliveInitialDelay: 'x' }], [{ highWaterMark: '16' }]];
  for (const args of constructorCases) {
    const TunnelServer = net.Server as unknown as new (...a: unknown[]) => AnyServer;
    assert.deepEqual(shape(() => new TunnelServer(...args)), shape(() => new nodeNet.Server(...(args as []))), JSON.stringify(args));
  }
  const listenCases: unknown[][] = [
    [65536], [-1], [1.5], [{}], [{ port: true }], [{ port: 1.5 }], [{ port: 'x80' }], [{ host: '127.0.0.1' }],
    [{ port: 0, signal: 1 }], [{ port: 0, signal: {} }], [[80]], [{ port: 0, host: 5 }],
  ];
  for (const args of listenCases) {
    assert.deepEqual(shape(() => net.createServer().listen(...args)), shape(() => nodeNet.createServer().listen(...(args as []))), JSON.stringify(args));
  }
  assert.deepEqual(shape(() => net.createServer().getConnections(5 as never)), shape(() => nodeNet.createServer().getConnections(5 as never)));
  // A second listen() while listening.
  await bothServers(async (n) => {
    const server = n.createServer();
    await listen(server);
    const error = shape(() => server.listen(0, '127.0.0.1'));
    await close(server);
    return error;
  });
});

test('path, handle and fd forms throw ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', () => {
  const cases: unknown[][] = [['/tmp/sockway.sock'], [{ path: '/tmp/sockway.sock' }], ['\\\\?\\pipe\\x'], [{ fd: 3 }], [{ handle: {} }], [{ _handle: {} }], [{ _handle: {} }, 10]];
  for (const args of cases) {
    const server = net.createServer();
    assert.throws(() => server.listen(...args), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', JSON.stringify(args));
      assert.equal(error.name, 'TypeError');
      assert.match(error.message, /^The feature net\.Server\.listen\(handle\)|^The feature net\.Server\.listen\(\{ fd \}\)|^The feature IPC servers \(path\)/);
      return true;
    });
    assert.equal(server.listening, false);
  }
});

// ---- listening ----

test('every TCP listen form binds what node:net binds (address and family)', async () => {
  const forms: Array<{ label: string; call: (server: AnyServer, cb: () => void) => void }> = [
    { label: 'listen()', call: (s) => s.listen() },
    { label: 'listen(cb)', call: (s, cb) => s.listen(cb) },
    { label: 'listen(0)', call: (s) => s.listen(0) },
    { label: 'listen(null)', call: (s) => (s.listen as (p: null) => void)(null) },
    { label: 'listen("0")', call: (s) => (s.listen as (p: string) => void)('0') },
    { label: 'listen(0, cb)', call: (s, cb) => s.listen(0, cb) },
    { label: 'listen(0, host)', call: (s) => s.listen(0, '127.0.0.1') },
    { label: 'listen(0, host, backlog)', call: (s) => s.listen(0, '127.0.0.1', 10) },
    { label: 'listen(0, host, backlog, cb)', call: (s, cb) => s.listen(0, '127.0.0.1', 10, cb) },
    { label: 'listen(0, backlog, cb)', call: (s, cb) => (s.listen as (...a: unknown[]) => void)(0, 10, cb) },
    { label: 'listen({ port, host, backlog })', call: (s) => s.listen({ port: 0, host: '127.0.0.1', backlog: 5 }) },
    { label: 'listen({ port: undefined })', call: (s) => s.listen({ port: undefined }) },
    { label: 'listen({ port: 0, host: "::1", ipv6Only })', call: (s) => s.listen({ port: 0, host: '::1', ipv6Only: true }) },
    { label: 'listen({ port: 0, host: "localhost", exclusive })', call: (s, cb) => s.listen({ port: 0, host: 'localhost', exclusive: true }, cb) },
  ];
  for (const { label, call } of forms) {
    await bothServers(async (n) => {
      const server = n.createServer();
      const events: string[] = [];
      server.on('listening', () => events.push('listening'));
      const listening = once(server, 'listening');
      call(server, () => events.push('cb'));
      await listening;
      const address = server.address() as nodeNet.AddressInfo;
      const result = { label, events, address: address.address, family: address.family, port: address.port > 0, listening: server.listening };
      await close(server);
      return result;
    });
  }
});

test('address() is the gateway\'s bound address; null before \'listening\' (documented deviation) and after close', async () => {
  const server = net.createServer();
  assert.equal(server.address(), null);
  server.listen(0, '127.0.0.1');
  // Node would answer at once for listen(port) without a host; the tunnel binds at the gateway.
  assert.equal(server.address(), null);
  assert.equal(server.listening, false);
  await once(server, 'listening');
  const address = server.address() as nodeNet.AddressInfo;
  assert.deepEqual(Object.keys(address), ['address', 'family', 'port']);
  assert.equal(address.address, '127.0.0.1');
  assert.equal(server.listening, true);
  // The port is really bound: a node:net server cannot take it.
  const squatter = nodeNet.createServer();
  const [[error]] = await Promise.all([once(squatter, 'error'), squatter.listen(address.port, '127.0.0.1')]);
  assert.equal((error as NodeJS.ErrnoException).code, 'EADDRINUSE');
  server.close();
  assert.equal(server.address(), null);
  assert.equal(server.listening, false);
  await once(server, 'close');
});

test('EADDRINUSE: the error node:net gives, word for word (listen EADDRINUSE: address already in use 127.0.0.1:PORT)', async () => {
  const holder = nodeNet.createServer();
  const port = await listen(holder);
  try {
    await bothServers(async (n) => {
      const server = n.createServer();
      const events: string[] = [];
      server.on('listening', () => events.push('listening'));
      server.on('close', () => events.push('close'));
      const errored = once(server, 'error');
      server.listen(port, '127.0.0.1');
      const [error] = await errored;
      const after = { listening: server.listening, address: server.address() };
      const notRunning = await new Promise((resolve) => server.close((err) => resolve((err as { code?: string } | undefined)?.code)));
      return { error: errorShape(error), after, notRunning, events };
    });
  } finally {
    await close(holder);
  }
});

test('a host name is resolved by the gateway; ENOTFOUND comes as node:net\'s getaddrinfo error', async () => {
  const tunnel = fixture.newTunnel();
  const gw = await startGateway({ allowListen: ['*.invalid:*'] });
  try {
    await bothServers(async (n) => {
      const server = n.createServer();
      server.listen(0, 'nope.invalid');
      const [error] = await once(server, 'error');
      const e = error as NodeJS.ErrnoException & { hostname?: string };
      return { keys: Object.keys(e), message: e.message, code: e.code, syscall: e.syscall, hostname: e.hostname, listening: server.listening };
    }, gw.tunnel.net);
  } finally {
    tunnel.close();
    await gw.close();
  }
});

test('EACCES and other bind errors are worded as Node words them (listen EACCES: permission denied 0.0.0.0:80)', async () => {
  // Root binds port 80, so a bare gateway Session plays the gateway and refuses as a non-root one would.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const timers = { setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout), now: () => Date.now() };
  const refusals = [
    wireError({ code: 'EACCES', errno: -13, syscall: 'listen', address: '0.0.0.0', port: 80 }),
    wireError({ code: 'EADDRNOTAVAIL', errno: -99, syscall: 'listen', address: '192.0.2.1', port: 8080 }),
  ];
  wss.on('connection', (ws) => {
    new Session({
      role: 'gateway',
      transport: new WsTransport(ws),
      timers,
      onListen: (stream) => {
        const refusal = refusals.shift() ?? wireError({ code: 'EINVAL', syscall: 'listen' });
        queueMicrotask(() => stream.reset(refusal));
        return { onData() {}, onEnd() {}, onReset() {}, onDrain() {} };
      },
    });
  });
  const tunnel = createTunnel({ url: `ws://127.0.0.1:${(wss.address() as nodeNet.AddressInfo).port}/`, WebSocket: NodeWebSocket });
  try {
    const shapes = [];
    for (const [port, host] of [[80, '0.0.0.0'], [8080, '192.0.2.1']] as const) {
      const server = tunnel.net.createServer();
      server.listen(port, host);
      const [error] = await once(server, 'error');
      shapes.push(errorShape(error));
    }
    assert.deepEqual(shapes, [
      { keys: ['code', 'errno', 'syscall', 'address', 'port'], name: 'Error', message: 'listen EACCES: permission denied 0.0.0.0:80', code: 'EACCES', errno: -13, syscall: 'listen', address: '0.0.0.0', port: 80 },
      { keys: ['code', 'errno', 'syscall', 'address', 'port'], name: 'Error', message: 'listen EADDRNOTAVAIL: address not available 192.0.2.1:8080', code: 'EADDRNOTAVAIL', errno: -99, syscall: 'listen', address: '192.0.2.1', port: 8080 },
    ]);
  } finally {
    tunnel.close();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('sockway/net before configure(): listen() emits SOCKWAY_ERR_NOT_CONFIGURED', async () => {
  const server = sockwayNet.createServer();
  server.listen(0, '127.0.0.1');
  const [error] = await once(server, 'error');
  assert.equal(error.code, 'SOCKWAY_ERR_NOT_CONFIGURED');
  assert.equal(server.listening, false);
});

test('a denied listen: \'error\' with SOCKWAY_ERR_DENIED, syscall listen; deny by default without listen rules', async () => {
  const gw = await startGateway({ allowListen: ['127.0.0.1:40000-40010'] });
  const bare = await startGateway();
  try {
    for (const [tunnelNet, host, port] of [[gw.tunnel.net, '127.0.0.1', 0], [gw.tunnel.net, '0.0.0.0', 40001], [bare.tunnel.net, '127.0.0.1', 0]] as const) {
      const server = tunnelNet.createServer();
      server.listen(port, host);
      const [error] = await once(server, 'error');
      assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
      assert.equal(error.syscall, 'listen');
      assert.equal(error.address, host);
      assert.equal(error.message, `listen SOCKWAY_ERR_DENIED ${host}:${port} (not allowed by the gateway policy)`);
      assert.equal(server.listening, false);
      assert.equal(server.address(), null);
    }
  } finally {
    await gw.close();
    await bare.close();
  }
});

test('listen while listening throws ERR_SERVER_ALREADY_LISTEN; after close() the server can listen again', async () => {
  const server = net.createServer();
  await listen(server);
  assert.throws(() => server.listen(0, '127.0.0.1'), { code: 'ERR_SERVER_ALREADY_LISTEN' });
  // Also while the LISTEN of listen(port) (no host: Node binds at once) is on its way.
  const pending = net.createServer();
  pending.listen(0);
  assert.throws(() => pending.listen(0), { code: 'ERR_SERVER_ALREADY_LISTEN' });
  const pendingClosed = once(pending, 'close');
  pending.close();
  await pendingClosed;
  assert.equal(pending.listening, false);
  // listen(port, host) has no handle until the host is resolved (here: bound) in Node:
  // a second call supersedes the first, as node:net's does (one 'listening').
  await bothServers(async (n) => {
    const server = n.createServer();
    const events: string[] = [];
    server.on('listening', () => events.push('listening'));
    server.listen(0, '127.0.0.1', () => events.push('cb1'));
    server.listen(0, '127.0.0.1', () => events.push('cb2'));
    await once(server, 'listening');
    await new Promise((resolve) => setTimeout(resolve, 30));
    await close(server);
    return events;
  });
  await close(server);
  const port = await listen(server);
  assert.ok(port > 0);
  await close(server);
});

// ---- connections ----

test('echo: server socket and client see the same events as with node:net; remote address is the real peer', async () => {
  await bothServers(async (n) => {
    const serverSide: Array<Promise<string[]>> = [];
    const fields: unknown[] = [];
    const server = n.createServer((socket) => {
      fields.push({
        readyState: socket.readyState,
        pending: socket.pending,
        connecting: socket.connecting,
        isServer: (socket as unknown as { server: unknown }).server === server,
        remoteFamily: socket.remoteFamily,
        localAddress: socket.localAddress,
        localPort: socket.localPort === (server.address() as nodeNet.AddressInfo).port,
        remoteAddress: socket.remoteAddress,
        bytesRead: socket.bytesRead,
      });
      serverSide.push(trace(socket));
      socket.pipe(socket as nodeNet.Socket);
    });
    const port = await listen(server);
    const peer = client(port);
    const clientSide = trace(peer, ['connect', 'data', 'end', 'finish', 'close']);
    await once(peer, 'connect');
    const peerPort = peer.localPort;
    peer.end('hello');
    const clientEvents = await clientSide;
    const serverEvents = await (serverSide[0] as Promise<string[]>);
    const connections = await new Promise((resolve) => server.getConnections((err, count) => resolve([err, count])));
    await close(server);
    return { fields, serverEvents, clientEvents, connections, remotePortMatches: peerPort !== undefined };
  });
  // The accepted socket reports the TCP peer's real address and port.
  const server = net.createServer();
  const port = await listen(server);
  const accepted = once(server, 'connection');
  const peer = client(port);
  await once(peer, 'connect');
  const [socket] = await accepted;
  assert.equal(socket.remotePort, peer.localPort);
  assert.equal(socket.remoteAddress, peer.localAddress);
  assert.deepEqual(socket.address(), { address: '127.0.0.1', family: 'IPv4', port });
  peer.destroy();
  await once(socket, 'close');
  await close(server);
});

test('16 MiB each way through a tunnel echo server: SHA-256 equal', async () => {
  const payload = randomBytes(16 * 1024 * 1024);
  const received: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.pipe(socket);
  });
  const port = await listen(server);
  const peer = client(port);
  const echoed: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => echoed.push(chunk));
  await once(peer, 'connect');
  for (let offset = 0; offset < payload.length; offset += 256 * 1024) {
    if (!peer.write(payload.subarray(offset, offset + 256 * 1024))) await once(peer, 'drain');
  }
  peer.end();
  await once(peer, 'end');
  assert.equal(sha256(Buffer.concat(received)), sha256(payload), 'the page received every byte');
  const back = Buffer.concat(echoed);
  assert.equal(back.length, payload.length);
  assert.equal(sha256(back), sha256(payload), 'the TCP client got every byte back');
  await close(server);
});

test('50 concurrent node:net clients, each echoed its own bytes, over one WebSocket', async () => {
  const tunnel = fixture.newTunnel();
  const sessionsBefore = fixture.gateway.sessions;
  let most = 0;
  const server = tunnel.net.createServer((socket) => {
    most = Math.max(most, server._connections);
    socket.pipe(socket);
  });
  const port = await listen(server);
  const runs = Array.from({ length: 50 }, async (_, i) => {
    const payload = randomBytes(64 * 1024 + i);
    const peer = client(port);
    const chunks: Buffer[] = [];
    peer.on('data', (c: Buffer) => chunks.push(c));
    await once(peer, 'connect');
    peer.end(payload);
    await once(peer, 'close');
    assert.equal(sha256(Buffer.concat(chunks)), sha256(payload), `client ${i}`);
  });
  await Promise.all(runs);
  assert.ok(most > 1, 'connections were concurrent');
  assert.equal(fixture.gateway.sessions, sessionsBefore + 1, 'one WebSocket carried the listener and all 50 connections');
  await close(server);
  tunnel.close();
});

test('half-close, client first: allowHalfOpen server replies after the client\'s FIN (same as node:net)', async () => {
  await bothServers(async (n) => {
    let serverSide: Promise<string[]> = Promise.resolve([]);
    const server = n.createServer({ allowHalfOpen: true }, (socket) => {
      serverSide = trace(socket);
      socket.on('end', () => socket.end('reply'));
    });
    const port = await listen(server);
    const peer = client(port, { allowHalfOpen: true });
    const clientSide = trace(peer);
    peer.end('request');
    const result = { client: await clientSide, server: await serverSide };
    await close(server);
    return result;
  });
});

test('half-close, server first: the page ends, then reads the client\'s reply (same as node:net)', async () => {
  await bothServers(async (n) => {
    let serverSide: Promise<string[]> = Promise.resolve([]);
    const server = n.createServer({ allowHalfOpen: true }, (socket) => {
      serverSide = trace(socket);
      socket.end('bye');
    });
    const port = await listen(server);
    const peer = client(port, { allowHalfOpen: true });
    const clientSide = trace(peer);
    peer.on('end', () => peer.end('reply'));
    const result = { client: await clientSide, server: await serverSide };
    await close(server);
    return result;
  });
});

test('pauseOnConnect: accepted sockets start paused like node:net\'s; no data and no credit until resume()', async () => {
  await bothServers(async (n) => {
    const server = n.createServer({ pauseOnConnect: true });
    const port = await listen(server);
    const accepted = once(server, 'connection');
    const peer = client(port);
    peer.write('hello');
    const [socket] = (await accepted) as [nodeNet.Socket];
    const atConnection = { flowing: socket.readableFlowing, paused: socket.isPaused(), bytesRead: socket.bytesRead };
    const data = once(socket, 'data');
    socket.resume();
    const [chunk] = await data;
    const result = { atConnection, data: String(chunk), bytesRead: socket.bytesRead };
    peer.destroy();
    await once(socket, 'close');
    await close(server);
    return result;
  });
  // Through the tunnel the bytes wait at the gateway: the page has received nothing.
  const tunnel = fixture.newTunnel();
  const server = tunnel.net.createServer({ pauseOnConnect: true });
  const port = await listen(server);
  const accepted = once(server, 'connection');
  const peer = client(port);
  peer.write('hello');
  const [socket] = await accepted;
  const gatewayStream = (): { queuedBytes: number; sendCredit: number } | undefined =>
    fixture.gateway.stats().streams.find((s) => s.id % 2 === 0 && s.port === peer.localPort);
  await until(() => (gatewayStream()?.queuedBytes ?? 0) === 5, 'the gateway to hold the 5 bytes');
  assert.equal(gatewayStream()?.sendCredit, 0, 'the page granted no credit');
  assert.equal(socket.bytesRead, 0);
  assert.equal(tunnel.stats().streams.find((s) => s.id % 2 === 0)?.bytesReceived, 0);
  const data = once(socket, 'data');
  socket.resume();
  assert.equal(String((await data)[0]), 'hello');
  assert.equal(socket.bytesRead, 5);
  peer.destroy();
  await once(socket, 'close');
  await close(server);
  tunnel.close();
});

test('maxConnections: extra connections are dropped with \'drop\'; the dropped client sees end then close (same as node:net)', async () => {
  await bothServers(async (n) => {
    const server = n.createServer();
    server.maxConnections = 1;
    const port = await listen(server);
    const first = client(port);
    await once(server, 'connection');
    const dropped = once(server, 'drop');
    const second = client(port);
    const secondEvents = trace(second, ['connect', 'data', 'end', 'error', 'close']);
    const [data] = await dropped;
    const drop = {
      prototype: Object.getPrototypeOf(data),
      keys: Object.keys(data),
      localAddress: data.localAddress,
      localPort: data.localPort === port,
      localFamily: data.localFamily,
      remoteAddress: data.remoteAddress,
      remoteFamily: data.remoteFamily,
      remotePort: data.remotePort === second.localPort,
    };
    const events = await secondEvents;
    const count = await new Promise((resolve) => server.getConnections((_, c) => resolve(c)));
    first.destroy();
    await close(server);
    return { drop, events, count };
  });
});

test('close(): stops accepting at once in Node, one WebSocket trip later here; \'close\' waits for the last connection', async () => {
  await bothServers(async (n) => {
    const events: string[] = [];
    const server = n.createServer((socket) => socket.on('end', () => events.push('server-socket-end')));
    const port = await listen(server);
    const peer = client(port);
    await once(server, 'connection');
    server.on('close', () => events.push('close'));
    const closed = new Promise((resolve) => server.close((err) => resolve(err)));
    events.push(`listening:${server.listening}`, `address:${server.address()}`);
    // Node refuses the next connection at once; the gateway closes its socket when the END arrives.
    for (;;) {
      const probe = client(port);
      const outcome = await Promise.race([once(probe, 'error').then(([e]) => (e as NodeJS.ErrnoException).code), once(probe, 'close').then(() => 'closed')]);
      probe.destroy();
      if (outcome === 'ECONNREFUSED') break;
    }
    events.push('refused');
    events.push(`connections:${await new Promise((resolve) => server.getConnections((_, c) => resolve(c)))}`);
    peer.end();
    const err = await closed;
    events.push(`cb:${String(err)}`);
    return events;
  });
});

test('close() when not listening: cb gets ERR_SERVER_NOT_RUNNING, \'close\' still comes; twice: \'close\' twice (as node:net)', async () => {
  await bothServers(async (n) => {
    const events: string[] = [];
    const server = n.createServer();
    server.on('close', () => events.push('close'));
    server.close((err) => events.push(`cb:${(err as { code?: string } | undefined)?.code}:${err?.message}`));
    await once(server, 'close');
    await listen(server);
    server.close((err) => events.push(`cb1:${String(err)}`));
    server.close((err) => events.push(`cb2:${(err as { code?: string } | undefined)?.code}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return events;
  });
});

test('getConnections() counts accepted connections on the next tick; before listen() it is 0', async () => {
  const server = net.createServer();
  const ticks: string[] = [];
  server.getConnections((err, count) => ticks.push(`${err}:${count}`));
  ticks.push('sync');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ticks, ['sync', 'null:0']);
  const port = await listen(server);
  const peers = [client(port), client(port)];
  await until(() => server._connections === 2, 'two connections');
  assert.equal(await new Promise((resolve) => server.getConnections((_, c) => resolve(c))), 2);
  const sockets: AnySocket[] = [];
  server.on('connection', (s) => sockets.push(s));
  for (const p of peers) p.destroy();
  await until(() => server._connections === 0, 'both connections to end');
  assert.equal(await new Promise((resolve) => server.getConnections((_, c) => resolve(c))), 0);
  await close(server);
});

test('Symbol.asyncDispose closes a listening server and does nothing otherwise; an aborted signal closes it', async () => {
  const server = net.createServer();
  await (server as unknown as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();
  await listen(server);
  await (server as unknown as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();
  assert.equal(server.listening, false);
  const controller = new AbortController();
  const aborted = net.createServer();
  await listen(aborted, { port: 0, host: '127.0.0.1', signal: controller.signal });
  const closed = once(aborted, 'close');
  controller.abort();
  await closed;
  assert.equal(aborted.listening, false);
  // A signal aborted before listen() closes the server on the next tick.
  const early = net.createServer();
  early.listen({ port: 0, host: '127.0.0.1', signal: AbortSignal.abort() });
  await once(early, 'close');
  assert.equal(early.listening, false);
});

test('the listening port is released within a second when the tunnel closes, or its WebSocket drops', async () => {
  for (const how of ['tunnel.close()', 'WebSocket dropped'] as const) {
    const gatewayPort = Number(new URL(fixture.url).port);
    const proxy = await startTcpProxy(gatewayPort);
    // Without resumption (version 1): a drop ends the session at once.
    const tunnel = createTunnel({ url: `ws://127.0.0.1:${proxy.port}/`, WebSocket: NodeWebSocket, reconnect: false });
    try {
      const server = tunnel.net.createServer();
      const port = await listen(server);
      const accepted = once(server, 'connection');
      const peer = client(port);
      const peerClosed = once(peer, 'close');
      peer.on('error', () => {});
      const [socket] = await accepted;
      socket.on('error', () => {});
      const errors: string[] = [];
      server.on('error', (error: NodeJS.ErrnoException) => errors.push(String(error.code)));
      // Not events.once: it would reject on the 'error' of a lost link.
      const serverClosed = new Promise((resolve) => server.once('close', resolve));
      const started = Date.now();
      if (how === 'tunnel.close()') tunnel.close();
      else proxy.dropAll();
      await until(() => !server.listening, 'the server to stop listening');
      // Closed on purpose: no error (as server.close()); a lost link is one.
      if (how === 'WebSocket dropped') await until(() => errors.length === 1, "the lost link's 'error'");
      assert.deepEqual(errors, how === 'tunnel.close()' ? [] : ['SOCKWAY_ERR_GATEWAY_CLOSED']);
      // The gateway closes the listener and the accepted connection with the session.
      for (;;) {
        const squatter = nodeNet.createServer();
        const bound = await new Promise<boolean>((resolve) => {
          squatter.once('error', () => resolve(false));
          squatter.listen(port, '127.0.0.1', () => resolve(true));
        });
        if (bound) {
          await close(squatter);
          break;
        }
        assert.ok(Date.now() - started < 1000, `${how}: port ${port} still taken after a second`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await peerClosed;
      await serverClosed;
    } finally {
      tunnel.close();
      await proxy.close();
    }
  }
});

test('tunnel.close() by the app closes its servers as server.close() does: \'close\', no \'error\' (listening, or listen(port, host) pending)', async () => {
  const events = async (scenario: 'listening' | 'pending', n: ServerNet, closeOnPurpose: (server: AnyServer) => void): Promise<string[]> => {
    const seen: string[] = [];
    const server = n.createServer();
    for (const name of ['listening', 'error', 'close']) server.on(name, (error?: NodeJS.ErrnoException) => seen.push(name === 'error' ? `error:${error?.code}` : name));
    const closed = once(server, 'close');
    if (scenario === 'listening') await listen(server);
    else server.listen(0, '127.0.0.1');
    closeOnPurpose(server);
    await closed;
    // A turn later: nothing else comes (an 'error' after 'close' would show here).
    await new Promise((resolve) => setImmediate(resolve));
    seen.push(`listening:${server.listening}`);
    return seen;
  };
  for (const scenario of ['listening', 'pending'] as const) {
    const expected = await events(scenario, nodeNet as unknown as ServerNet, (server) => server.close());
    const tunnel = fixture.newTunnel();
    const actual = await events(scenario, tunnel.net as unknown as ServerNet, () => tunnel.close());
    assert.deepEqual(actual, expected, scenario);
  }
});

test('a Node process whose app closes the tunnel under a listening server (no \'error\' listener) does not crash', async () => {
  const script = `
    import WebSocket from 'ws';
    import { createTunnel } from './client/index.ts';
    const tunnel = createTunnel({ url: ${JSON.stringify(fixture.url)}, WebSocket });
    const server = tunnel.net.createServer();
    server.on('close', () => console.log('close'));
    server.listen(0, '127.0.0.1', () => {
      console.log('listening');
      tunnel.close();
    });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const [code] = await once(child, 'exit');
  assert.equal(err, '');
  assert.equal(out, 'listening\nclose\n');
  assert.equal(code, 0);
});

test('too many listeners on one session: \'error\' SOCKWAY_ERR_LIMIT', async () => {
  const gw = await startGateway({ allowListen: ['127.0.0.1:*'], maxListeners: 2 });
  try {
    const servers = [gw.tunnel.net.createServer(), gw.tunnel.net.createServer()];
    for (const server of servers) await listen(server);
    const third = gw.tunnel.net.createServer();
    third.listen(0, '127.0.0.1');
    const [error] = await once(third, 'error');
    assert.equal(error.code, 'SOCKWAY_ERR_LIMIT');
    assert.equal(error.syscall, 'listen');
    await close(servers[0] as AnyServer);
    // One closed (its END answered): there is room again.
    await until(() => gw.gateway.stats().sessions === 1 && third.listening === false, 'the first listener to close');
    let port = 0;
    for (let attempt = 0; attempt < 100 && port === 0; attempt++) {
      const retry = gw.tunnel.net.createServer();
      const outcome = await Promise.race([listen(retry), once(retry, 'error').then(() => 0)]);
      if (outcome > 0) {
        port = outcome;
        await close(retry);
      } else {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    assert.ok(port > 0);
    await close(servers[1] as AnyServer);
  } finally {
    await gw.close();
  }
});

test('a Node process exits on its own with an unref\'d listening server', async () => {
  const script = `
    import WebSocket from 'ws';
    import { createTunnel } from './client/index.ts';
    const { net } = createTunnel({ url: ${JSON.stringify(fixture.url)}, WebSocket });
    const server = net.createServer();
    server.unref();
    server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  const killer = setTimeout(() => child.kill(), 15_000);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(killer);
  assert.equal(signal, null, 'exited by itself (not killed)');
  assert.equal(code, 0);
  assert.match(out, /listening \d+/);
});
