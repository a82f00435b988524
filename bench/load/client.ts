/**
 * One client process of the load test: opens its share of the sessions (one tunnel, i.e.
 * one WebSocket, each) with sockway's Node client, then their streams to the echo server,
 * echoes a known volume through every stream and closes, one phase per IPC request from
 * run-load.ts. Everything that goes wrong is counted and reported, never thrown away.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createTunnel, type Tunnel } from '../../client/index.ts';
import type { WebSocketConstructor } from '../../client/websocket-transport.ts';
import { type ClientInit, type ClientReply, type ClientRequest, type Phase, type PhaseReport } from './protocol.ts';

type Socket = ReturnType<Tunnel['net']['connect']>;

const init = JSON.parse(process.argv[2] ?? '') as ClientInit;
const MAX_ERRORS_KEPT = 10;
const WRITE_BYTES = 16 * 1024;
/** The bytes every stream sends: a random block, each stream starting at its own offset, so a crossed stream shows. */
const PATTERN = randomBytes(64 * 1024);

const tunnels: Tunnel[] = [];
const sockets: Socket[] = [];
let errorCount = 0;
let errors: string[] = [];
/** Set while closing: the sockets' 'close' is expected then. */
let closing = false;

function error(what: string): void {
  errorCount += 1;
  if (errors.length < MAX_ERRORS_KEPT) errors.push(what);
}

function describe(err: unknown): string {
  const coded = err as { code?: unknown; message?: unknown };
  return `${String(coded.code ?? 'error')}: ${String(coded.message ?? err)}`;
}


/** Runs task(0..count-1) with at most `inFlight` running at once. */
async function pool(count: number, inFlight: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

/** Opens one stream to the echo server; resolves with the ms from connect() to 'connect' (NaN when it failed). */
function openStream(tunnel: Tunnel): Promise<number> {
  const started = performance.now();
  const socket = tunnel.net.connect({ host: init.target.host, port: init.target.port, noDelay: true });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      sockets.push(socket);
      resolve(performance.now() - started);
    });
    let failed = false;
    socket.on('error', (err: unknown) => {
      failed = true;
      error(`stream: ${describe(err)}`);
      resolve(Number.NaN);
    });
    socket.once('close', () => {
      if (!closing && !failed) error('stream: closed before the close phase');
    });
  });
}

async function openSessions(): Promise<number[]> {
  const latencies: number[] = [];
  await pool(init.sessions, init.inFlight, async (index) => {
    const key = `${init.index}-${index}-${randomBytes(4).toString('hex')}`;
    const tunnel = createTunnel({ url: init.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
    tunnel.on('disconnect', ({ code, reason }) => error(`session ${key}: WebSocket dropped (${code} ${reason})`));
    tunnel.on('reconnect-failed', ({ error: cause }) => error(`session ${key}: ${cause.code} ${cause.message}`));
    tunnels.push(tunnel);
    latencies.push(await openStream(tunnel));
  });
  return latencies;
}

async function openStreams(): Promise<number[]> {
  const latencies: number[] = [];
  const perSession = init.streams - 1;
  await pool(tunnels.length * perSession, init.inFlight, async (index) => {
    latencies.push(await openStream(tunnels[Math.floor(index / perSession)] as Tunnel));
  });
  return latencies;
}

/** Sends streamBytes on `socket` and checks that exactly those come back. */
function echo(socket: Socket, offset: number): Promise<void> {
  const total = init.streamBytes;
  return new Promise((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer): void => {
      // Compare block by block against the pattern, starting at this stream's offset.
      let at = 0;
      while (at < chunk.length) {
        const start = (offset + received + at) % PATTERN.length;
        const length = Math.min(chunk.length - at, PATTERN.length - start);
        if (chunk.compare(PATTERN, start, start + length, at, at + length) !== 0) {
          error(`stream: echoed bytes differ at offset ${received + at}`);
          socket.off('data', onData);
          resolve();
          return;
        }
        at += length;
      }
      received += chunk.length;
      if (received > total) error(`stream: ${received} bytes echoed, ${total} sent`);
      if (received >= total) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    // Counted as an error by openStream()'s 'close' listener.
    socket.once('close', () => resolve());
    let sent = 0;
    const write = (): void => {
      while (sent < total) {
        const start = (offset + sent) % PATTERN.length;
        const length = Math.min(WRITE_BYTES, total - sent, PATTERN.length - start);
        sent += length;
        if (!socket.write(PATTERN.subarray(start, start + length))) {
          socket.once('drain', write);
          return;
        }
      }
    };
    write();
  });
}

async function traffic(): Promise<number> {
  await Promise.all(sockets.map((socket, index) => echo(socket, (init.index * 7919 + index * 104_729) % PATTERN.length)));
  return 2 * init.streamBytes * sockets.length;
}

/** Ends every stream, waits until the echo server has ended them too, then closes the tunnels. */
async function close(): Promise<void> {
  closing = true;
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.resume(); // 'end' needs the readable side to flow
          socket.end();
        }),
    ),
  );
  for (const tunnel of tunnels) tunnel.close();
}

async function run(phase: Phase): Promise<PhaseReport> {
  errorCount = 0;
  errors = [];
  const started = performance.now();
  let latenciesMs: number[] = [];
  let bytes = 0;
  switch (phase) {
    case 'sessions':
      latenciesMs = await openSessions();
      break;
    case 'streams':
      latenciesMs = await openStreams();
      break;
    case 'traffic':
      bytes = await traffic();
      break;
    case 'close':
      await close();
      break;
    default: {
      const unknown: never = phase;
      throw new Error(`unknown phase ${String(unknown)}`);
    }
  }
  return { phase, ms: performance.now() - started, latenciesMs: latenciesMs.filter((ms) => !Number.isNaN(ms)), bytes, errorCount, errors };
}

function send(reply: ClientReply): void {
  process.send?.(reply);
}

process.on('message', (message: ClientRequest) => {
  run(message.phase).then(
    (report) => send({ type: 'phase', report }),
    (err: unknown) => send({ type: 'failure', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
// The orchestrator going away (crash, Ctrl-C) ends this process too.
process.on('disconnect', () => process.exit(1));
send({ type: 'ready' });
