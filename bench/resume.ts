/**
 * `npm run bench:resume`: what session resumption costs and how fast it heals.
 * A sockway gateway process (the CLI) and an in-process TCP origin; a client
 * tunnel runs RESUME_BENCH_STREAMS streams that each move RESUME_BENCH_MIB MiB
 * both ways, once with the link intact and once with the WebSocket dropped
 * (tunnel.dropConnection(), as a network failure) every RESUME_BENCH_CUT_MS ms.
 * Prints: time from WebSocket loss to the first resumed byte, replay-buffer
 * peaks, and throughput cut vs. uncut (medians of RESUME_BENCH_ROUNDS interleaved
 * runs, default 3). It is a benchmark, not a test.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createTunnel, type Tunnel } from '../client/index.ts';
import type { WebSocketConstructor } from '../client/websocket-transport.ts';
import { forkServer, REPO_ROOT } from './lib/processes.ts';

const STREAMS = Number(process.env['RESUME_BENCH_STREAMS'] ?? 4);
const MIB = Number(process.env['RESUME_BENCH_MIB'] ?? 256);
const CUT_MS = Number(process.env['RESUME_BENCH_CUT_MS'] ?? 2_000);
const ROUNDS = Number(process.env['RESUME_BENCH_ROUNDS'] ?? 3);
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
const BYTES = MIB * 1024 * 1024;

/** Origin: sends BYTES to every connection and swallows what it gets. */
async function startOrigin(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume();
    // Half-open: the client may finish uploading first; we end once our bytes are out.
    pump(socket).then(() => socket.end(), () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function pump(socket: net.Socket): Promise<void> {
  for (let sent = 0; sent < BYTES; sent += CHUNK.length) {
    if (!socket.write(CHUNK)) await once(socket, 'drain');
  }
}

interface Run {
  readonly seconds: number;
  readonly mbPerSecond: number;
  readonly cuts: number;
  /** ms from each cut to the first byte received after the session resumed. */
  readonly firstByteMs: number[];
  /** ms from each cut to the 'reconnect' event. */
  readonly resumeMs: number[];
  readonly clientReplayPeak: number;
}

/** STREAMS × MIB each way over a fresh tunnel; cuts the WebSocket every `cutMs` (0 = never). */
async function run(gatewayPort: number, originPort: number, cutMs: number): Promise<Run> {
  const tunnel: Tunnel = createTunnel({ url: `ws://127.0.0.1:${gatewayPort}/`, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const firstByteMs: number[] = [];
  const resumeMs: number[] = [];
  let cutAt = 0;
  let waitingForByte = false;
  tunnel.on('reconnect', () => {
    resumeMs.push(performance.now() - cutAt);
    waitingForByte = true;
  });
  const started = performance.now();
  let cuts = 0;
  const cutter = cutMs === 0 ? null : setInterval(() => {
    cutAt = performance.now();
    waitingForByte = false;
    cuts += 1;
    tunnel.dropConnection();
  }, cutMs);
  await Promise.all(Array.from({ length: STREAMS }, async () => {
    const socket = tunnel.net.connect({ port: originPort, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
    await once(socket, 'connect');
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (data: Buffer) => {
        received += data.length;
        if (waitingForByte) {
          waitingForByte = false;
          firstByteMs.push(performance.now() - cutAt);
        }
      });
      socket.on('end', () => (received === BYTES ? resolve() : reject(new Error(`got ${received} of ${BYTES} bytes`))));
      socket.on('error', reject);
    });
    for (let sent = 0; sent < BYTES; sent += CHUNK.length) {
      if (!socket.write(Buffer.from(CHUNK))) await once(socket, 'drain');
    }
    socket.end();
    await done;
  }));
  if (cutter !== null) clearInterval(cutter);
  const seconds = (performance.now() - started) / 1000;
  const clientReplayPeak = tunnel.stats().session?.replayPeak ?? 0;
  tunnel.close();
  return { seconds, mbPerSecond: (2 * STREAMS * BYTES) / 1e6 / seconds, cuts, firstByteMs, resumeMs, clientReplayPeak };
}

/** The run with the median throughput (its own counters travel with it). */
function medianRun(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.mbPerSecond - b.mbPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)] as Run;
  return { ...median, firstByteMs: [...median.firstByteMs], resumeMs: [...median.resumeMs], clientReplayPeak: Math.max(...runs.map((r) => r.clientReplayPeak)) };
}

function summary(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return `median ${median.toFixed(1)} ms, min ${(sorted[0] as number).toFixed(1)}, max ${(sorted.at(-1) as number).toFixed(1)} (n=${values.length})`;
}

async function main(): Promise<void> {
  const origin = await startOrigin();
  const gateway = await forkServer(`${REPO_ROOT}gateway/main.ts`, [
    '--port', '0', '--host', '127.0.0.1', '--allow', `127.0.0.1:${origin.port}`, '--quiet',
  ]);
  try {
    // Warm-up: a fresh process needs traffic before its throughput settles. Then
    // uncut and cut runs alternate, so a noisy machine hits both alike.
    await run(gateway.port, origin.port, 0);
    const uncuts: Run[] = [];
    const cuts: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      uncuts.push(await run(gateway.port, origin.port, 0));
      cuts.push(await run(gateway.port, origin.port, CUT_MS));
    }
    const uncut = medianRun(uncuts);
    const cut = medianRun(cuts);
    cut.firstByteMs.splice(0, Infinity, ...cuts.flatMap((r) => r.firstByteMs));
    cut.resumeMs.splice(0, Infinity, ...cuts.flatMap((r) => r.resumeMs));
    const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    process.stdout.write([
      `### sockway resume bench (${STREAMS} streams × ${MIB} MiB each way, median of ${ROUNDS} interleaved runs; Node ${process.version})`,
      '',
      '| | uncut | WebSocket dropped every ' + (CUT_MS / 1000) + ' s |',
      '|---|---:|---:|',
      `| aggregate throughput (both ways) | ${uncut.mbPerSecond.toFixed(0)} MB/s | ${cut.mbPerSecond.toFixed(0)} MB/s |`,
      `| time | ${uncut.seconds.toFixed(1)} s | ${cut.seconds.toFixed(1)} s (${cut.cuts} drops) |`,
      `| client replay-buffer peak (max of runs) | ${mib(uncut.clientReplayPeak)} | ${mib(cut.clientReplayPeak)} |`,
      '',
      `- WebSocket loss → session resumed ('reconnect'): ${summary(cut.resumeMs)}`,
      `- WebSocket loss → first resumed byte: ${summary(cut.firstByteMs)}`,
      `- throughput while cut / uncut: ${(cut.mbPerSecond / uncut.mbPerSecond).toFixed(2)}`,
      '',
    ].join('\n'));
  } finally {
    origin.close();
    await gateway.stop();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
