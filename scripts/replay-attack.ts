/**
 * Measures the gateway CLI's memory under the replay/window attack of issue 12 (finding 6):
 * SESSIONS sessions × STREAMS streams from one address, each announcing a 2 GiB−1 receive
 * window and never acknowledging, against a destination that sends as fast as it is read.
 * Prints the gateway's VmRSS and VmHWM (/proc) before, at the plateau, and after the
 * attacker dropped (its sessions then wait to be resumed).
 *
 *   node --import tsx scripts/replay-attack.ts [sessions] [streams] [gateway flags...]
 *   e.g. node --import tsx scripts/replay-attack.ts 16 128 --memory-budget 256MiB
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { encodeFrame } from '../shared/frame.ts';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '../shared/protocol.ts';

const [sessionsArg = '16', streamsArg = '128', ...gatewayFlags] = process.argv.slice(2);
const SESSIONS = Number(sessionsArg);
const STREAMS = Number(streamsArg);
const MiB = 1024 * 1024;

function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(/(\d+) kB/.exec(status.split('\n').find((line) => line.startsWith(name)) ?? '')?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS:'), hwm: field('VmHWM:') };
}

const format = (m: { rss: number; hwm: number }): string => `RSS ${(m.rss / MiB).toFixed(0)} MiB, peak ${(m.hwm / MiB).toFixed(0)} MiB`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// The destination: sends 64 KiB chunks as fast as each connection is read.
const chunk = Buffer.alloc(64 * 1024, 0x61);
const target = net.createServer((socket) => {
  socket.on('error', () => {});
  const write = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', write);
  write();
});
target.listen(0, '127.0.0.1');
await once(target, 'listening');
const targetPort = (target.address() as net.AddressInfo).port;

const gateway = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', '--port', '0', '--allow', '127.0.0.1:*', '--quiet', ...gatewayFlags], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(gateway.stdout, 'data')) as [Buffer];
const url = /ws:\/\/\S+/.exec(line.toString())?.[0] ?? '';
const pid = gateway.pid as number;
await sleep(500);
console.log(`${SESSIONS} sessions × ${STREAMS} streams, gateway ${gatewayFlags.join(' ') || '(defaults)'}`);
console.log(`idle:      ${format(memory(pid))}`);

const hello = encodeFrame({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: PROTOCOL_VERSION, limits: { ...DEFAULT_LIMITS, streamWindow: 0x7fff_ffff } });
const open = (id: number): Uint8Array => encodeFrame({ type: 'open', streamId: id, host: '127.0.0.1', port: targetPort, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 });
const sockets: WebSocket[] = [];
let received = 0;
for (let s = 0; s < SESSIONS; s += 1) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  // Reads everything, keeps nothing, never ACKs.
  ws.on('message', (data: Buffer) => {
    received += data.length;
  });
  await once(ws, 'open');
  ws.send(hello);
  // Under the open burst (256) and the pending-opens limit's queue.
  for (let i = 0; i < STREAMS; i += 1) ws.send(open(2 * i + 1));
  sockets.push(ws);
}

// Plateau: nothing more received for a second.
let last = -1;
const started = Date.now();
while (received !== last && Date.now() - started < 120_000) {
  last = received;
  await sleep(1_000);
}
console.log(`plateau:   ${format(memory(pid))} (${(received / MiB).toFixed(0)} MiB sent to the attacker, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
for (const ws of sockets) ws.terminate();
await sleep(5_000);
console.log(`dropped:   ${format(memory(pid))} (5 s after the attacker dropped; its sessions wait to be resumed)`);
gateway.kill('SIGKILL');
target.close();
process.exit(0);
