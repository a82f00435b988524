/**
 * The gateway's LISTEN handling (listen-bridge.ts) at the frame level: a client
 * Session over a real `ws` WebSocket, real node:net clients on 127.0.0.1. Policy,
 * limits, ACCEPT and its credit, listener close by END and RESET, and the rule that
 * a listener never outlives its session. @see PROTOCOL.md#server
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { AcceptFrame, Endpoint, ListenFrame } from '../shared/frame.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import { type GatewayLogEntry, type GatewayOptions, createGateway } from './gateway.ts';
import type { TestClient } from './testing/ws-client-transport.ts';
import { client } from './testing/harness.ts';

const T = { timeout: 20_000 };
const LISTEN: Omit<ListenFrame, 'type' | 'streamId'> = { host: '127.0.0.1', port: 0, backlog: 0, ipv6Only: false, exclusive: false };

/** Waits for a condition that events will make true; polls on timers, fails after `ms`. */
async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A gateway allowing 127.0.0.1 for both policies unless `options` says otherwise (`listenDefault`: no listen option at all). */
async function startGateway(t: TestContext, options: Partial<GatewayOptions> | 'listenDefault' = {}): Promise<{ gateway: ReturnType<typeof createGateway>; url: string; logs: GatewayLogEntry[] }> {
  const logs: GatewayLogEntry[] = [];
  const gateway = options === 'listenDefault'
    ? createGateway({ allow: ['*:*'], log: (entry) => logs.push(entry) })
    : createGateway({ allow: ['127.0.0.1:*'], allowListen: ['127.0.0.1:*'], log: (entry) => logs.push(entry), ...options });
  const address = await gateway.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => gateway.close());
  return { gateway, url: `ws://127.0.0.1:${address.port}/`, logs };
}

/** An accepted stream's handler: records bytes; grants credit only when told to read. */
class Connection implements StreamHandler {
  readonly chunks: Buffer[] = [];
  readonly events: string[] = [];
  readonly stream: SessionStream;
  readonly frame: AcceptFrame;
  constructor(stream: SessionStream, frame: AcceptFrame) {
    this.stream = stream;
    this.frame = frame;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
  /** Starts reading: the first consume grants the gateway its window. */
  read(): void {
    this.stream.consume(0);
  }
  onData(data: Uint8Array): void {
    this.chunks.push(Buffer.from(data));
    this.stream.consume(data.length);
  }
  onEnd(): void { this.events.push('end'); }
  onReset(error: WireError): void { this.events.push(`reset:${error.code}`); }
  onDrain(): void {}
}

/** A client listener: LISTENING, ACCEPTs (refused with `refuse` if set), END, RESET. */
class Listener implements StreamHandler {
  readonly events: string[] = [];
  readonly connections: Connection[] = [];
  local: Endpoint | null = null;
  error: WireError | null = null;
  refuse: WireError | null = null;
  stream!: SessionStream;
  onListening(local: Endpoint): void {
    this.local = local;
    this.events.push('listening');
  }
  onAccept(stream: SessionStream, frame: AcceptFrame): StreamHandler | WireError {
    this.events.push(`accept:${stream.id}`);
    if (this.refuse !== null) return this.refuse;
    const connection = new Connection(stream, frame);
    this.connections.push(connection);
    return connection;
  }
  onData(): void {}
  onEnd(): void { this.events.push('end'); }
  onReset(error: WireError): void {
    this.error = error;
    this.events.push(`reset:${error.code}`);
  }
  onDrain(): void {}
}

async function listen(c: TestClient, frame: Partial<Omit<ListenFrame, 'type' | 'streamId'>> = {}): Promise<Listener> {
  const listener = new Listener();
  const stream = c.session.listen({ ...LISTEN, ...frame }, listener);
  assert.ok(stream);
  listener.stream = stream;
  await until(() => listener.events.length > 0, 'LISTENING or RESET');
  return listener;
}

function connect(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  return socket;
}

/** Resolves with the outcome of one connection attempt to 127.0.0.1:port. */
function probe(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** Whether a node:net server can bind 127.0.0.1:port now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('LISTEN is denied by default: no allowListen, RESET SOCKWAY_ERR_DENIED (syscall listen), logged', T, async (t) => {
  const { url, logs } = await startGateway(t, 'listenDefault');
  const c = await client(t, url);
  const listener = await listen(c, { port: 8123 });
  assert.deepEqual(listener.events, [`reset:${SockwayErrorCode.Denied}`]);
  assert.equal(listener.error?.syscall, 'listen');
  assert.equal(listener.error?.address, '127.0.0.1');
  assert.equal(listener.error?.port, 8123);
  assert.equal(listener.error?.message, 'listen SOCKWAY_ERR_DENIED 127.0.0.1:8123 (not allowed by the gateway policy)');
  const denied = logs.find((entry) => entry.event === 'listen-denied');
  assert.ok(denied, 'the denial is logged');
  assert.match(String(denied['reason']), /no listen rules allow listening/);
});

test('the listen policy is separate from the connect policy', T, async (t) => {
  // Connecting to 127.0.0.1 is allowed, listening there is not.
  const connectOnly = await startGateway(t, { allow: ['127.0.0.1:*'], allowListen: [] });
  const a = await client(t, connectOnly.url);
  assert.deepEqual((await listen(a)).events, [`reset:${SockwayErrorCode.Denied}`]);
  // Listening is allowed on a port range only; connect rules do not widen it.
  const range = await startGateway(t, { allow: ['*:*'], allowListen: ['127.0.0.1:40000-40100'] });
  const b = await client(t, range.url);
  assert.deepEqual((await listen(b, { port: 0 })).events, [`reset:${SockwayErrorCode.Denied}`]);
  assert.deepEqual((await listen(b, { port: 40100, host: '0.0.0.0' })).events, [`reset:${SockwayErrorCode.Denied}`]);
  assert.deepEqual((await listen(b, { port: 40100, host: '' })).events, [`reset:${SockwayErrorCode.Denied}`]);
});

test('LISTENING carries the bound endpoint; a connection arrives as ACCEPT (even id) with the real endpoints', T, async (t) => {
  const { url } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c);
  assert.deepEqual(listener.events, ['listening']);
  const local = listener.local as Endpoint;
  assert.equal(local.address, '127.0.0.1');
  assert.equal(local.family, 4);
  assert.ok(local.port > 0);
  const socket = connect(local.port);
  await once(socket, 'connect');
  await until(() => listener.connections.length === 1, 'ACCEPT');
  const connection = listener.connections[0] as Connection;
  assert.equal(connection.stream.id % 2, 0);
  assert.equal(connection.frame.listenerId, listener.stream.id);
  assert.deepEqual(connection.frame.local, { address: '127.0.0.1', port: local.port, family: 4 });
  assert.deepEqual(connection.frame.remote, { address: socket.localAddress, port: socket.localPort, family: 4 });
  socket.destroy();
});

test('ACCEPT credit: the gateway holds the TCP bytes until the client\'s first WINDOW', T, async (t) => {
  const { url, gateway } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c);
  const socket = connect((listener.local as Endpoint).port);
  socket.write('early bytes');
  await until(() => listener.connections.length === 1, 'ACCEPT');
  const connection = listener.connections[0] as Connection;
  const held = (): number => gateway.stats().streams.find((s) => s.id === connection.stream.id)?.queuedBytes ?? -1;
  await until(() => held() === 11, 'the gateway to hold the 11 bytes');
  assert.equal(connection.chunks.length, 0, 'nothing sent without credit');
  const stats = gateway.stats().streams.find((s) => s.id === connection.stream.id);
  assert.equal(stats?.sendCredit, 0);
  assert.equal(stats?.phase, 'connected');
  connection.read();
  await until(() => connection.text === 'early bytes', 'the bytes after the grant');
  // The other direction needs no grant: the gateway's window applies from the start.
  connection.stream.write(Buffer.from('answer'));
  const [reply] = await once(socket, 'data');
  assert.equal(String(reply), 'answer');
  // END both ways closes the stream and the TCP connection.
  socket.end();
  await until(() => connection.events.includes('end'), 'END from the TCP client');
  connection.stream.end();
  await once(socket, 'close');
  await until(() => gateway.stats().streams.length === 0, 'the bridge to finish');
});

test('END on the listener closes the port and is answered with END; accepted connections live on', T, async (t) => {
  const { url, logs } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c);
  const port = (listener.local as Endpoint).port;
  const socket = connect(port);
  await until(() => listener.connections.length === 1, 'ACCEPT');
  const connection = listener.connections[0] as Connection;
  connection.read();
  listener.stream.end();
  await until(() => listener.events.includes('end'), 'the gateway\'s END');
  assert.equal(listener.stream.state, 'closed');
  // The gateway closed its server before answering: the port is free now.
  assert.equal(await probe(port), 'ECONNREFUSED');
  assert.equal(await canBind(port), true);
  socket.write('still here');
  await until(() => connection.text === 'still here', 'data on the accepted connection');
  assert.ok(logs.some((entry) => entry.event === 'listen-closed'));
  socket.destroy();
});

test('RESET on the listener (or one still binding) closes the port', T, async (t) => {
  const { url } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c);
  const port = (listener.local as Endpoint).port;
  listener.stream.reset(wireError({ code: SockwayErrorCode.Closed }));
  // No frame answers a RESET: poll until the server is gone.
  for (let i = 0; i < 200 && !(await canBind(port)); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(await canBind(port), true);
  // A LISTEN reset at once never binds anything that stays.
  const quick = new Listener();
  const stream = c.session.listen({ ...LISTEN }, quick);
  stream?.reset(wireError({ code: SockwayErrorCode.Closed }));
  const after = await listen(c);
  assert.deepEqual(after.events, ['listening']);
  after.stream.end();
  await until(() => after.events.includes('end'), 'END');
});

test('a refused ACCEPT (client RESET) closes that TCP connection: the peer sees end, then close', T, async (t) => {
  const { url } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c);
  listener.refuse = wireError({ code: SockwayErrorCode.Closed, message: 'dropped' });
  const socket = connect((listener.local as Endpoint).port);
  const events: string[] = [];
  socket.on('end', () => events.push('end'));
  socket.on('error', (error: NodeJS.ErrnoException) => events.push(`error:${error.code}`));
  await once(socket, 'close');
  assert.deepEqual(events, ['end']);
});

test('EADDRINUSE travels with Node\'s fields: code, errno, syscall listen, address, port', T, async (t) => {
  const holder = net.createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  t.after(() => new Promise((resolve) => holder.close(resolve)));
  const port = (holder.address() as net.AddressInfo).port;
  const expected = await new Promise<NodeJS.ErrnoException & { address: string; port: number }>((resolve) => {
    const other = net.createServer();
    other.once('error', resolve);
    other.listen(port, '127.0.0.1');
  });
  const { url } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c, { port });
  assert.deepEqual(listener.error, wireError({ code: 'EADDRINUSE', errno: expected.errno as number, syscall: 'listen', address: '127.0.0.1', port }));
  assert.equal(expected.syscall, 'listen');
});

test('maxListeners: the session\'s next LISTEN gets RESET SOCKWAY_ERR_LIMIT until one closes', T, async (t) => {
  const { url } = await startGateway(t, { maxListeners: 2 });
  const c = await client(t, url);
  const first = await listen(c);
  await listen(c);
  const third = await listen(c);
  assert.deepEqual(third.events, [`reset:${SockwayErrorCode.Limit}`]);
  assert.match(third.error?.message ?? '', /too many listeners on this session \(limit 2\)/);
  first.stream.end();
  await until(() => first.events.includes('end'), 'END');
  assert.deepEqual((await listen(c)).events, ['listening']);
  // The limit is per session: another WebSocket may listen.
  const other = await client(t, url);
  assert.deepEqual((await listen(other)).events, ['listening']);
});

test('no orphan listener: the WebSocket dropping closes its listeners and accepted sockets within a second', T, async (t) => {
  const { url, gateway } = await startGateway(t);
  const c = await client(t, url);
  const listeners = [await listen(c), await listen(c)];
  const ports = listeners.map((l) => (l.local as Endpoint).port);
  const socket = connect(ports[0] as number);
  await until(() => (listeners[0] as Listener).connections.length === 1, 'ACCEPT');
  const peerClosed = once(socket, 'close');
  const started = Date.now();
  c.transport.ws.terminate();
  for (const port of ports) {
    while (!(await canBind(port))) {
      assert.ok(Date.now() - started < 1000, `port ${port} still bound after a second`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await peerClosed;
  await until(() => gateway.sessions === 0 && gateway.stats().streams.length === 0, 'the session to go');
});

test('gateway.close() closes every listener', T, async (t) => {
  const { url, gateway } = await startGateway(t);
  const c = await client(t, url);
  const listener = await listen(c);
  const port = (listener.local as Endpoint).port;
  await gateway.close();
  assert.equal(await canBind(port), true);
  assert.match(listener.events.at(-1) ?? '', /^reset:SOCKWAY_ERR_GOING_AWAY$/);
});

test('a session whose only stream is a listener does not idle out', T, async (t) => {
  const { url } = await startGateway(t, { sessionIdleTimeout: 50 });
  const idle = await client(t, url);
  const serving = await client(t, url);
  const listener = await listen(serving);
  // Both sessions' idle timers started together; the idle one closes first.
  await idle.closed;
  assert.equal(serving.session.state, 'open');
  const socket = connect((listener.local as Endpoint).port);
  await until(() => listener.connections.length === 1, 'ACCEPT on the live listener');
  socket.destroy();
});

test('a LISTEN for a host name binds the address the gateway resolves', T, async (t) => {
  const { url } = await startGateway(t, { allowListen: ['localhost:*'] });
  const c = await client(t, url);
  const listener = await listen(c, { host: 'localhost' });
  assert.deepEqual(listener.events, ['listening']);
  assert.ok(['127.0.0.1', '::1'].includes((listener.local as Endpoint).address));
  // An IP rule does not cover a name (fail closed): 127.0.0.1:* does not allow 'localhost'.
  const strict = await startGateway(t);
  const d = await client(t, strict.url);
  assert.deepEqual((await listen(d, { host: 'localhost' })).events, [`reset:${SockwayErrorCode.Denied}`]);
});

test('token expiry stops the session\'s listeners (RESET SOCKWAY_ERR_UNAUTHORIZED, the port closed) and then closes the session (issue 12 finding 9)', T, async (t) => {
  const expiresAt = Date.now() + 500;
  const { gateway, url } = await startGateway(t, { authenticate: () => ({ accept: true, expiresAt }) });
  const c = await client(t, url);
  const listener = await listen(c);
  assert.deepEqual(listener.events, ['listening']);
  const port = listener.local?.port ?? 0;
  assert.equal(await probe(port), 'connected', 'accepting before expiry');
  await until(() => listener.error !== null, 'the listener to be stopped at expiry', 5_000);
  assert.equal(listener.error?.code, SockwayErrorCode.Unauthorized);
  assert.equal(listener.error?.syscall, 'listen');
  assert.equal(await probe(port), 'ECONNREFUSED');
  // The connection accepted before expiry was a stream and may finish; once it is gone the session closes.
  assert.equal(gateway.sessions, 1);
  for (const connection of listener.connections) connection.stream.reset(wireError({ code: 'ECONNRESET', message: '' }));
  await until(() => gateway.sessions === 0 && gateway.stats().listeners === 0, 'the expired session to close');
});
