/**
 * Session-resume scenarios (issue 8), run in the e2e page and in its Web Worker with
 * the realm's own `sockway/net` (the Vite plugin's `net` alias) and the default tunnel
 * behind it (getDefaultTunnel()). The Node side (e2e/resume.e2e.ts) kills the WebSocket
 * from the gateway side or blackholes it in a proxy while these run; `clientDrops` makes
 * the realm drop it itself with tunnel.dropConnection(). Results are JSON.
 */
import netImport from 'net';
import type { Buffer } from 'buffer';
import { configure, getDefaultTunnel } from '../../client/config.ts';
import type { NetModule } from '../../client/net.ts';
import type { Tunnel, TunnelEvents } from '../../client/tunnel.ts';
import { errorFields } from './scenarios.ts';

const net = netImport as unknown as NetModule;
type Socket = ReturnType<NetModule['connect']>;

/** Tunnel options a scenario applies with configure() before it starts. */
export interface TunnelSettings {
  readonly url: string;
  readonly keepaliveInterval?: number;
  readonly keepaliveTimeout?: number;
  readonly resumeTimeout?: number;
}

const CHUNK = 64 * 1024;

/**
 * Replaces the realm's default tunnel (the one behind `net`) with a fresh one: a clean
 * session per scenario, with the scenario's URL and liveness settings.
 */
function freshTunnel(settings: TunnelSettings): Tunnel {
  getDefaultTunnel()?.close();
  return configure({ ...settings, reconnect: true });
}

/** Deterministic pseudo-random bytes (xorshift32) with the stream index in the first 4 bytes (big-endian) for the origin. */
function streamBytes(index: number, length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, length >>> 2);
  let x = Math.imul(index + 1, 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Every event a socket emits except 'data' and 'drain' (counted), in order, with 'close''s hadError. */
function recordEvents(socket: Socket): { events: string[]; drains: () => number } {
  const events: string[] = [];
  let drains = 0;
  const emit = socket.emit;
  socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'drain') drains += 1;
    else if (event === 'close') events.push(`close(${String(args[0])})`);
    else if (event === 'error') events.push(`error(${String((args[0] as { code?: unknown } | undefined)?.code)})`);
    else if (event !== 'data') events.push(String(event));
    return emit.call(this, event, ...args);
  } as Socket['emit'];
  return { events, drains: () => drains };
}

/** Waits for 'drain'; rejects if the socket closes first (the run then reports it). */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      socket.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      socket.off('drain', onDrain);
      reject(new Error('closed while waiting for drain'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface ReconnectRecord {
  /** Date.now() when the tunnel reported the loss, the resume, and the first byte any socket got after it. */
  readonly disconnectAt: number;
  readonly code: number;
  readonly reason: string;
  reconnectAt: number;
  attempts: number;
  downtimeMs: number;
  firstByteAt: number;
}

/** Records the tunnel's 'disconnect'/'reconnect'/'reconnect-failed' events and the first byte after each resume. */
function watchTunnel(tunnel: Tunnel): { records: ReconnectRecord[]; failed: unknown[]; onData(): void; stop(): void } {
  const records: ReconnectRecord[] = [];
  const failed: unknown[] = [];
  let waitingForByte: ReconnectRecord | null = null;
  const onDisconnect = (event: TunnelEvents['disconnect']): void => {
    records.push({ disconnectAt: Date.now(), code: event.code, reason: event.reason, reconnectAt: 0, attempts: 0, downtimeMs: 0, firstByteAt: 0 });
  };
  const onReconnect = (event: TunnelEvents['reconnect']): void => {
    const record = records.at(-1);
    if (record === undefined) return;
    record.reconnectAt = Date.now();
    record.attempts = event.attempts;
    record.downtimeMs = event.downtimeMs;
    waitingForByte = record;
  };
  const onFailed = (event: TunnelEvents['reconnect-failed']): void => {
    failed.push({ code: event.error.code, message: event.error.message });
  };
  tunnel.on('disconnect', onDisconnect).on('reconnect', onReconnect).on('reconnect-failed', onFailed);
  return {
    records,
    failed,
    onData() {
      if (waitingForByte === null) return;
      waitingForByte.firstByteAt = Date.now();
      waitingForByte = null;
    },
    stop() {
      tunnel.off('disconnect', onDisconnect).off('reconnect', onReconnect).off('reconnect-failed', onFailed);
    },
  };
}

/** One stream of bulkUnderFire, as it reports it (the Node-side tests read it too). */
export interface StreamRun {
  readonly index: number;
  sentHash: string;
  receivedHash: string;
  receivedBytes: number;
  /** Bytes beyond the expected length (duplicates would show here). */
  overflowBytes: number;
  events: string[];
  drains: number;
  bytesWritten: number;
  problem: string;
}

/**
 * `streams` sockets to the origin, each sending `mib` MiB (index in the first bytes) and
 * reading the origin's `mib` MiB until its FIN, all at once, while the link is cut (by
 * the Node side, or here every 1–2 s with `clientDrops`). Resolves with per-stream
 * SHA-256 of both directions, every socket event, and the tunnel's reconnect records.
 */
async function bulkUnderFire(args: {
  host: string;
  port: number;
  streams: number;
  mib: number;
  tunnel: TunnelSettings;
  clientDrops?: boolean;
  timeoutMs: number;
}): Promise<unknown> {
  const tunnel = freshTunnel(args.tunnel);
  const watch = watchTunnel(tunnel);
  const total = args.mib * 1024 * 1024;
  const drops: number[] = [];
  let dropTimer: ReturnType<typeof setTimeout> | null = null;
  // Every 1–2 s, the first after 0.5–1 s (as the Node side cuts).
  const armDrop = (first: boolean): void => {
    dropTimer = setTimeout(() => {
      drops.push(Date.now());
      tunnel.dropConnection();
      armDrop(false);
    }, (first ? 500 : 1_000) * (1 + Math.random()));
  };
  const runs: StreamRun[] = [];
  const connects: Promise<void>[] = [];
  const started = Date.now();
  const work = Array.from({ length: args.streams }, async (_, index) => {
    const data = streamBytes(index, total);
    const received = new Uint8Array(total);
    const run: StreamRun = { index, sentHash: '', receivedHash: '', receivedBytes: 0, overflowBytes: 0, events: [], drains: 0, bytesWritten: 0, problem: '' };
    runs.push(run);
    const socket = net.connect({ host: args.host, port: args.port, allowHalfOpen: true });
    const recorder = recordEvents(socket);
    run.events = recorder.events;
    socket.on('error', () => {}); // recorded above; the run reports it
    socket.on('data', (chunk: Buffer) => {
      watch.onData();
      const room = total - run.receivedBytes;
      if (chunk.length > room) run.overflowBytes += chunk.length - room;
      received.set(room >= chunk.length ? chunk : chunk.subarray(0, room), run.receivedBytes);
      run.receivedBytes += Math.min(room, chunk.length);
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    try {
      const connected = new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('close', () => reject(new Error('closed before connect')));
      });
      connects.push(connected.catch(() => {}));
      await connected;
      for (let offset = 0; offset < total; offset += CHUNK) {
        if (!socket.write(data.subarray(offset, offset + CHUNK))) await drained(socket);
      }
      socket.end();
      await Promise.race([ended, closed]);
      await closed;
    } catch (error) {
      run.problem = String(error);
    }
    run.drains = recorder.drains();
    run.bytesWritten = socket.bytesWritten ?? -1;
    run.sentHash = await sha256(data);
    run.receivedHash = await sha256(received);
  });
  // A session resumes only once WELCOME arrived: drop once every socket is connected.
  if (args.clientDrops === true) void Promise.all(connects).then(() => armDrop(true));
  let timedOut = false;
  const timeout = delay(args.timeoutMs).then(() => {
    timedOut = true;
  });
  await Promise.race([Promise.all(work), timeout]);
  const elapsedMs = Date.now() - started;
  // A socket closes once it ended and read the peer's END; its own END may still be on the
  // way (queued behind its last bytes). The session then forgets the stream.
  for (let i = 0; i < 250 && !timedOut && tunnel.stats().streams.length > 0; i++) await delay(20);
  if (dropTimer !== null) clearTimeout(dropTimer);
  watch.stop();
  const stats = tunnel.stats();
  return {
    timedOut,
    startedAt: started,
    elapsedMs,
    streams: runs.sort((a, b) => a.index - b.index),
    reconnects: watch.records,
    reconnectFailed: watch.failed,
    clientDrops: drops,
    session: stats.session,
    liveStreams: stats.streams.length,
  };
}

/**
 * A gateway restart: a socket is open (its first line reached the origin) when the
 * Node side crashes the gateway and starts a new one on the same port. The socket must
 * fail with a Node-style error, and a new socket then works (a line echoed back).
 */
async function restartVictim(args: { host: string; port: number; echoPort: number; tunnel: TunnelSettings; timeoutMs: number }): Promise<unknown> {
  const tunnel = freshTunnel(args.tunnel);
  const watch = watchTunnel(tunnel);
  const socket = net.connect({ host: args.host, port: args.port });
  const recorder = recordEvents(socket);
  const failure = new Promise<unknown>((resolve) => socket.once('error', (error) => resolve(errorFields(error))));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('victim\n');
  let timedOut = false;
  const error = await Promise.race([failure, delay(args.timeoutMs).then(() => (timedOut = true, null))]);
  await Promise.race([closed, delay(1_000)]);
  let fresh: unknown = null;
  if (!timedOut) {
    const next = net.connect({ host: args.host, port: args.echoPort });
    const nextEvents = recordEvents(next);
    fresh = await new Promise<unknown>((resolve) => {
      let text = '';
      next.setEncoding('utf8');
      next.once('error', (e) => resolve({ error: errorFields(e), events: nextEvents.events }));
      next.on('data', (chunk: string) => {
        text += chunk;
        if (text.endsWith('\n')) {
          next.end();
          next.once('close', () => resolve({ text, events: nextEvents.events }));
        }
      });
      next.once('connect', () => next.write('after the restart\n'));
    });
  }
  watch.stop();
  return {
    timedOut,
    error,
    events: recorder.events,
    destroyed: socket.destroyed,
    disconnects: watch.records.length,
    reconnects: watch.records.filter((r) => r.reconnectAt !== 0).length,
    reconnectFailed: watch.failed,
    fresh,
    connected: tunnel.stats().connected,
  };
}

const RESUME_SCENARIOS = { bulkUnderFire, restartVictim } as const;

/** Runs a resume scenario by name (the page and the worker both dispatch through this). */
export function runResumeScenario(name: string, args: unknown): Promise<unknown> {
  const scenario = RESUME_SCENARIOS[name as keyof typeof RESUME_SCENARIOS] as ((args: never) => Promise<unknown>) | undefined;
  if (scenario === undefined) return Promise.reject(new Error(`no resume scenario ${name}`));
  return scenario(args as never);
}
