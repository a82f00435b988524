/**
 * Helpers for the gateway's security tests: a gateway on 127.0.0.1:0, TCP targets,
 * client sessions over real WebSockets, raw WebSockets for sending what no Session
 * would, and a recorder of one stream's events. Everything is torn down by t.after().
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { WireError } from '../../shared/errors.ts';
import { type Endpoint, type Family, type Frame, decodeFrame, encodeFrame } from '../../shared/frame.ts';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { Session, type SessionStream, type StreamHandler } from '../../shared/session.ts';
import { type Gateway, type GatewayLogEntry, type GatewayOptions, createGateway } from '../gateway.ts';
import { type TestClient, WsClientTransport, connectClient, realTimers } from './ws-client-transport.ts';

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits for a condition that events will make true; polls on timers, fails after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface Target {
  readonly server: net.Server;
  readonly port: number;
  /** Server-side sockets, in accept order. */
  readonly sockets: net.Socket[];
  /** Resolves with the next accepted socket. */
  nextSocket(): Promise<net.Socket>;
}

/** A TCP server on 127.0.0.1:0; `onSocket` decides what it does (default: echo). */
export async function startTarget(t: TestContext, onSocket: (socket: net.Socket) => void = (socket) => socket.pipe(socket)): Promise<Target> {
  const sockets: net.Socket[] = [];
  const waiting: Deferred<net.Socket>[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    sockets.push(socket);
    onSocket(socket);
    waiting.shift()?.resolve(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    server,
    port: (server.address() as net.AddressInfo).port,
    sockets,
    nextSocket: () => {
      const next = deferred<net.Socket>();
      waiting.push(next);
      return next.promise;
    },
  };
}

export interface Started {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  readonly logs: GatewayLogEntry[];
}

/** A gateway on 127.0.0.1:0 that logs into `logs`; `allow` defaults to none. */
export async function startGateway(t: TestContext, options: Partial<GatewayOptions> = {}): Promise<Started> {
  const logs: GatewayLogEntry[] = [];
  const gateway = createGateway({ allow: [], log: (entry) => logs.push(entry), ...options });
  const address = await gateway.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => gateway.close());
  return { gateway, url: `ws://127.0.0.1:${address.port}/`, port: address.port, logs };
}

/** A client session over a real WebSocket; resolves after WELCOME. */
export async function client(t: TestContext, url: string, options: Parameters<typeof connectClient>[1] = {}): Promise<TestClient> {
  const c = connectClient(url, options);
  t.after(async () => {
    if (c.transport.ws.readyState !== WebSocket.CLOSED) {
      c.transport.ws.terminate();
      await c.closed;
    }
  });
  await c.ready;
  return c;
}

/** Records one client stream's events. */
export class Recorder implements StreamHandler {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly resolvedAddresses: { address: string; family: Family }[] = [];
  readonly opened = deferred<{ local: Endpoint; remote: Endpoint }>();
  readonly reset = deferred<WireError>();
  readonly ended = deferred<void>();
  stream!: SessionStream;
  autoConsume: boolean;
  #byteWaiters: { n: number; d: Deferred<Buffer> }[] = [];
  #drained: Deferred<void> | null = null;

  constructor(autoConsume = true) {
    this.autoConsume = autoConsume;
  }

  get byteCount(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves with everything received once at least `n` bytes have arrived. */
  bytes(n: number): Promise<Buffer> {
    if (this.byteCount >= n) return Promise.resolve(this.data());
    const d = deferred<Buffer>();
    this.#byteWaiters.push({ n, d });
    return d.promise;
  }

  /** Resolves at the stream's next onDrain. */
  drained(): Promise<void> {
    this.#drained = deferred<void>();
    return this.#drained.promise;
  }

  /** OPENED or RESET, whichever comes first. */
  outcome(): Promise<{ opened: { local: Endpoint; remote: Endpoint } } | { reset: WireError }> {
    return Promise.race([this.opened.promise.then((opened) => ({ opened })), this.reset.promise.then((reset) => ({ reset }))]);
  }

  onResolved(address: string, family: Family): void {
    this.events.push('resolved');
    this.resolvedAddresses.push({ address, family });
  }

  onOpened(local: Endpoint, remote: Endpoint): void {
    this.events.push('opened');
    this.opened.resolve({ local, remote });
  }

  onData(data: Uint8Array): void {
    if (this.events.at(-1) !== 'data') this.events.push('data');
    this.chunks.push(Buffer.from(data));
    if (this.autoConsume) this.stream.consume(data.length);
    const total = this.byteCount;
    this.#byteWaiters = this.#byteWaiters.filter(({ n, d }) => {
      if (total < n) return true;
      d.resolve(this.data());
      return false;
    });
  }

  onEnd(): void {
    this.events.push('end');
    this.ended.resolve();
  }

  onReset(error: WireError): void {
    this.events.push('reset');
    this.reset.resolve(error);
  }

  onDrain(): void {
    this.#drained?.resolve();
    this.#drained = null;
  }
}

/** A port on 127.0.0.1 with nothing listening (ECONNREFUSED). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Opens a stream on a client session. */
export function open(c: { readonly session: Session }, host: string, port: number, recorder = new Recorder(), family: 0 | Family = 0): Recorder {
  const stream = c.session.open({
    host, port, family, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0,
  }, recorder);
  assert.ok(stream, 'session.open() returned a stream');
  recorder.stream = stream;
  return recorder;
}

export interface RawSocket {
  readonly ws: WebSocket;
  readonly messages: Buffer[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Decoded frames received so far. */
  frames(): Frame[];
}

/** A raw WebSocket to the gateway, for sending bytes no Session would. */
export async function rawSocket(t: TestContext, url: string, options: WebSocket.ClientOptions = {}, protocols?: string | string[]): Promise<RawSocket> {
  const ws = protocols === undefined
    ? new WebSocket(url, { perMessageDeflate: false, ...options })
    : new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
  const messages: Buffer[] = [];
  ws.on('message', (data: Buffer) => messages.push(data));
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  t.after(() => ws.terminate());
  const opened = await Promise.race([once(ws, 'open').then(() => true), closed.then(() => false)]);
  assert.ok(opened, 'the WebSocket opened');
  return { ws, messages, closed, frames: () => messages.map((m) => decodeFrame(m)) };
}

/** HELLO with default limits. */
export const HELLO = encodeFrame({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: PROTOCOL_VERSION, limits: DEFAULT_LIMITS });

/** An encoded OPEN to host:port on stream `id`. */
export function openFrame(id: number, host: string, port: number): Uint8Array {
  return encodeFrame({ type: 'open', streamId: id, host, port, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 });
}

/** The GOAWAY a refused or closed session received, if any. */
export function goawayOf(frames: readonly Frame[]): Extract<Frame, { type: 'goaway' }> | undefined {
  return frames.find((frame): frame is Extract<Frame, { type: 'goaway' }> => frame.type === 'goaway');
}

/** An echo round trip on a fresh stream: proves a session (and its gateway) still serve. */
export async function assertEchoes(c: { readonly session: Session }, port: number, text = 'still serving'): Promise<void> {
  const r = open(c, '127.0.0.1', port);
  await r.opened.promise;
  r.stream.write(Buffer.from(text));
  await until(() => r.byteCount >= text.length, 'the echo');
  assert.equal(r.data().toString(), text);
  r.stream.end();
}

/** A client session that may be refused: offers `protocols` and sends `headers` (e.g. Origin). */
export interface AttemptedClient {
  readonly session: Session;
  readonly ws: WebSocket;
  /** WELCOME arrived (true) or the session closed first (false). */
  readonly ready: Promise<boolean>;
  /** The session's close error (null for a clean close). */
  readonly closeError: Promise<WireError | null>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** `localAddress`: the client's source address, e.g. '127.0.0.2' to count as another client (Linux routes 127/8 to lo). */
export function attemptClient(t: TestContext, url: string, options: { protocols?: string[]; headers?: Record<string, string>; localAddress?: string } = {}): AttemptedClient {
  const ws = new WebSocket(url, options.protocols ?? [], {
    perMessageDeflate: false,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  const transport = new WsClientTransport(ws);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  const ready = deferred<boolean>();
  const closeError = deferred<WireError | null>();
  const session = new Session({
    role: 'client',
    transport,
    timers: realTimers,
    keepaliveInterval: 0,
    onReady: () => ready.resolve(true),
    onClose: (error) => {
      ready.resolve(false);
      closeError.resolve(error);
    },
  });
  t.after(async () => {
    if (ws.readyState !== WebSocket.CLOSED) {
      ws.terminate();
      await closed;
    }
  });
  return { session, ws, ready: ready.promise, closeError: closeError.promise, closed };
}

/**
 * A blackholed destination: a listener with backlog 1 in a child process whose event loop
 * is blocked, so it never accepts; once its accept queue is full (two fillers on Linux),
 * further connects hang in SYN-SENT until they time out. Killed by t.after().
 */
export async function startBlackhole(t: TestContext): Promise<{ readonly port: number }> {
  const script = `const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
    process.stdout.write(s.address().port + '\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill('SIGKILL');
  });
  const [chunk] = await once(child.stdout, 'data') as [Buffer];
  const port = Number(chunk.toString().trim());
  const fillers: net.Socket[] = [];
  t.after(() => {
    for (const filler of fillers) filler.destroy();
  });
  for (let i = 0; i < 2; i += 1) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => {});
    fillers.push(filler);
    await once(filler, 'connect');
  }
  return { port };
}
