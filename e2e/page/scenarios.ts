/**
 * The browser test scenarios, written once against a `net`-shaped module and run both
 * in the page and in a Web Worker. Each takes JSON arguments and resolves with a JSON
 * result the Node side asserts on.
 */
import { Buffer } from 'buffer';
import type { NetModule } from '../../client/net.ts';

type Socket = ReturnType<NetModule['connect']>;

/** Where a scenario connects. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/** The fields of an error the tests compare with Node's. */
export interface ErrorFields {
  readonly name: string;
  readonly message: string;
  readonly code: unknown;
  readonly syscall: unknown;
  readonly errno: unknown;
  readonly address: unknown;
  readonly port: unknown;
  readonly isError: boolean;
}

export function errorFields(error: unknown): ErrorFields {
  const e = error as Error & Record<string, unknown>;
  return {
    name: e.name,
    message: e.message,
    code: e['code'],
    syscall: e['syscall'],
    errno: e['errno'],
    address: e['address'],
    port: e['port'],
    isError: error instanceof Error,
  };
}

/** Resolves with the event's first argument; rejects on 'error' first. */
function once<T = unknown>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.off(event, onEvent);
      reject(error);
    };
    const onEvent = (value: T): void => {
      socket.off('error', onError);
      resolve(value);
    };
    socket.once(event, onEvent);
    if (event !== 'error') socket.once('error', onError);
  });
}

/** Reads until `predicate(text so far)` holds. */
function readUntil(socket: Socket, predicate: (text: string) => boolean): Promise<{ text: string; chunks: unknown[] }> {
  return new Promise((resolve, reject) => {
    const chunks: unknown[] = [];
    let text = '';
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      text += chunk.toString('utf8');
      if (predicate(text)) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve({ text, chunks });
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

function connect(net: NetModule, target: Target, options: Record<string, unknown> = {}): Promise<Socket> {
  const socket = net.connect({ ...options, host: target.host, port: target.port });
  return once(socket, 'connect').then(() => socket);
}

/** What the page's realm has of Node: nothing, unless a bundler leaked it. */
function nodeGlobals(): Record<string, string> {
  const g = globalThis as Record<string, unknown>;
  return { Buffer: typeof g['Buffer'], process: typeof g['process'], global: typeof g['global'], require: typeof g['require'] };
}

/** Echo round trip: states, Buffer chunks, counters, addresses. */
async function echo(net: NetModule, target: Target): Promise<unknown> {
  const socket = net.connect({ host: target.host, port: target.port });
  const states = [socket.readyState];
  const pendingBefore = socket.pending;
  await once(socket, 'connect');
  states.push(socket.readyState);
  const remote = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, remoteFamily: socket.remoteFamily };
  const message = 'hello from the browser ✓\n';
  socket.write(message);
  const { text, chunks } = await readUntil(socket, (t) => t.endsWith('\n'));
  const closed = once(socket, 'close');
  socket.end();
  states.push(socket.readyState);
  const hadError = await closed;
  states.push(socket.readyState);
  return {
    text,
    sent: message,
    states,
    pendingBefore,
    hadError,
    buffers: chunks.every((chunk) => Buffer.isBuffer(chunk) && chunk instanceof Uint8Array),
    chunkType: Object.prototype.toString.call(chunks[0]),
    bytesRead: socket.bytesRead,
    bytesWritten: socket.bytesWritten,
    ...remote,
    nodeGlobals: nodeGlobals(),
  };
}

/** Deterministic pseudo-random bytes (xorshift32), so both ends agree without sending a seed. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, length >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return bytes;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `mib` MiB up to an echo server and the same back, 64 KiB writes: write() returns
 * false and the writer waits for 'drain', as Node code does.
 */
async function bulk(net: NetModule, target: Target & { mib: number }): Promise<unknown> {
  const total = target.mib * 1024 * 1024;
  const chunkSize = 64 * 1024;
  const data = pseudoRandomBytes(total, 0x5eed);
  const received = new Uint8Array(total);
  let got = 0;
  let chunks = 0;
  let allBuffers = true;
  const started = performance.now();
  const socket = await connect(net, target);
  let drains = 0;
  let falseWrites = 0;
  socket.on('drain', () => drains++);
  socket.on('data', (chunk: Buffer) => {
    if (!Buffer.isBuffer(chunk)) allBuffers = false;
    received.set(chunk, got);
    got += chunk.length;
    chunks++;
  });
  const ended = once(socket, 'end');
  for (let offset = 0; offset < total; offset += chunkSize) {
    if (!socket.write(data.subarray(offset, offset + chunkSize))) {
      falseWrites++;
      await once(socket, 'drain');
    }
  }
  socket.end();
  await ended;
  const ms = performance.now() - started;
  await new Promise((resolve) => socket.once('close', resolve));
  return {
    total,
    got,
    chunks,
    allBuffers,
    falseWrites,
    drains,
    sentHash: await sha256(data),
    receivedHash: await sha256(received),
    bytesRead: socket.bytesRead,
    bytesWritten: socket.bytesWritten,
    ms: Math.round(ms),
  };
}

const held: Socket[] = [];

/** Opens `count` sockets at once and echoes a line on each; they stay open for closeAll. */
async function openMany(net: NetModule, target: Target & { count: number }): Promise<unknown> {
  const sockets = Array.from({ length: target.count }, () => net.connect({ host: target.host, port: target.port }));
  let replies: string[];
  try {
    await Promise.all(sockets.map((socket) => once(socket, 'connect')));
    replies = await Promise.all(
      sockets.map(async (socket, i) => {
        socket.write(`socket ${i}\n`);
        return (await readUntil(socket, (t) => t.endsWith('\n'))).text;
      }),
    );
  } catch (error) {
    // Leave nothing behind for the next scenario.
    for (const socket of sockets) socket.destroy();
    throw error;
  }
  held.push(...sockets);
  const correct = replies.filter((reply, i) => reply === `socket ${i}\n`).length;
  return { opened: sockets.length, correct, localPorts: new Set(sockets.map((s) => s.localPort)).size };
}

/** Ends every socket openMany left open and waits for them to close. */
async function closeAll(): Promise<unknown> {
  const sockets = held.splice(0);
  await Promise.all(sockets.map((socket) => {
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end();
    return closed;
  }));
  return { closed: sockets.length };
}

/** A connect that fails: the error as the page sees it, and the events around it. */
async function connectError(net: NetModule, target: Target): Promise<unknown> {
  const socket = net.connect({ host: target.host, port: target.port });
  const events: string[] = [];
  for (const event of ['connect', 'ready', 'error', 'close'] as const) socket.on(event, () => events.push(event));
  const error = await new Promise<unknown>((resolve) => socket.once('error', resolve));
  const hadError = await new Promise((resolve) => socket.once('close', resolve));
  return { error: errorFields(error), events, hadError, destroyed: socket.destroyed, readyState: socket.readyState };
}

/** Half-close, client first: end() our side, keep reading the server's answer. */
async function clientEndsFirst(net: NetModule, target: Target): Promise<unknown> {
  const socket = await connect(net, target, { allowHalfOpen: true });
  const events: string[] = [];
  socket.on('finish', () => events.push('finish'));
  socket.on('end', () => events.push('end'));
  socket.write('ping');
  socket.end();
  await once(socket, 'finish');
  const stateAfterFinish = socket.readyState;
  const { text } = await readUntil(socket, (t) => t.includes('.'));
  await new Promise((resolve) => socket.once('close', resolve));
  events.push('close');
  return { text, stateAfterFinish, events };
}

/** Half-close, server first: read to the server's FIN, then answer and end. */
async function serverEndsFirst(net: NetModule, target: Target): Promise<unknown> {
  const socket = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(socket, 'end');
  const stateAfterEnd = socket.readyState;
  const writableAfterEnd = socket.writable;
  socket.end('reply after your FIN');
  await new Promise((resolve) => socket.once('close', resolve));
  return { text, stateAfterEnd, writableAfterEnd };
}

/**
 * The app's own bug: a 'data' listener that throws. As in Node the exception escapes as
 * uncaught (here: the global 'error' event, whose default report is prevented), and the
 * other socket on the same WebSocket goes on echoing.
 */
async function throwingListener(net: NetModule, target: Target): Promise<unknown> {
  const scope = globalThis as unknown as { addEventListener(type: 'error', listener: (event: { error?: unknown; message?: string; preventDefault(): void }) => void): void; removeEventListener(type: 'error', listener: unknown): void };
  const uncaught: string[] = [];
  const onError = (event: { error?: unknown; message?: string; preventDefault(): void }): void => {
    uncaught.push(event.error instanceof Error ? event.error.message : String(event.message));
    event.preventDefault();
  };
  scope.addEventListener('error', onError);
  try {
    const other = await connect(net, target);
    const buggy = await connect(net, target);
    buggy.on('error', () => {});
    let thrown = false;
    buggy.on('data', () => {
      thrown = true;
      throw new Error('app bug in data');
    });
    buggy.write('trigger');
    while (!thrown || uncaught.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    other.write('still here');
    const { text } = await readUntil(other, (t) => t === 'still here');
    const result = { uncaught: [...uncaught], echoed: text, otherDestroyed: other.destroyed, buggyDestroyed: buggy.destroyed };
    other.destroy();
    buggy.destroy();
    return result;
  } finally {
    scope.removeEventListener('error', onError);
  }
}

const SCENARIOS = { echo, bulk, openMany, closeAll, connectError, clientEndsFirst, serverEndsFirst, throwingListener } as const;

/** A scenario name. */
export type ScenarioName = keyof typeof SCENARIOS;

/** Runs a scenario by name (the page and the worker both dispatch through this). */
export function runScenario(net: NetModule, name: string, args: unknown): Promise<unknown> {
  const scenario = SCENARIOS[name as ScenarioName] as ((net: NetModule, args: never) => Promise<unknown>) | undefined;
  if (scenario === undefined) return Promise.reject(new Error(`no scenario ${name}`));
  return scenario(net, args as never);
}
