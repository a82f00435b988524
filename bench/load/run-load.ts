/**
 * The load test itself (`npm run bench:load` runs it through bench/load.ts): an echo
 * server, a deployment (one gateway, or several behind nginx), and client processes that
 * open `sessions` sessions of `streams` streams each, then echo a known volume through all
 * of them. Between phases every gateway is probed (probe.ts: RSS after a full GC, CPU time).
 */
import { type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { quantile } from '../lib/stats.ts';
import { forkNode, forkServer } from '../lib/processes.ts';
import { gatewayFiles, processCpuSeconds, type Deployment, type StartDeployment } from './deployment.ts';
import type { ProbeReply } from './probe.ts';
import type { ClientInit, ClientReply, Phase, PhaseReport } from './protocol.ts';

const ECHO = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
const CLIENT = fileURLToPath(new URL('./client.ts', import.meta.url));
const MIB = 1024 * 1024;

/** A load test's size. */
export interface LoadOptions {
  readonly sessions: number;
  readonly streams: number;
  /** Bytes each stream echoes in the traffic phase. */
  readonly streamBytes: number;
  /** Client processes the sessions are spread over. */
  readonly clients: number;
  /** Opens in flight at once per client process. */
  readonly inFlight: number;
  /** A phase fails after this long. */
  readonly phaseTimeoutMs: number;
}

/** The gateways' memory at one point: summed over instances, and each. */
export interface MemoryPoint {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly perInstanceRss: readonly number[];
}

/** What one load test measured. */
export interface LoadResult {
  readonly deployment: string;
  readonly instances: number;
  readonly options: LoadOptions;
  readonly sessionsOpened: number;
  readonly streamsOpened: number;
  /** Every error: clients' (streams, echoes, dropped WebSockets) plus gateway error log lines. */
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Gateway memory after a full GC: started and idle, with every session (one stream each), with every stream, after the traffic, after the close. */
  readonly memory: { readonly idle: MemoryPoint; readonly sessions: MemoryPoint; readonly streams: MemoryPoint; readonly traffic: MemoryPoint; readonly closed: MemoryPoint };
  /** Gateway RSS per session (WebSocket + session, its streams apart) and per stream (TCP socket + stream) before any traffic, bytes. */
  readonly rssPerSession: number;
  readonly rssPerStream: number | null;
  /**
   * Gateway RSS per stream once every stream moved data (after GC): what a busy stream costs,
   * read buffers and socket buffers touched ((after traffic − with sessions) / streams, the sessions' first streams included).
   */
  readonly rssPerActiveStream: number;
  /** Sessions set up per second (WebSocket, handshake, first OPEN), all clients together. */
  readonly sessionsPerSecond: number;
  /** Gateway CPU ms per session set up (WebSocket upgrade, handshake, its first stream), all instances. */
  readonly gatewayCpuMsPerSession: number;
  /** Gateway CPU ms per stream opened on an established session (OPEN, TCP connect, OPEN_OK). */
  readonly gatewayCpuMsPerOpen: number | null;
  /** Session set-up latency: WebSocket + handshake + first OPEN → 'connect', ms. */
  readonly sessionSetupMs: { readonly p50: number; readonly p99: number };
  /** Stream open latency on an established session: OPEN → 'connect', ms. */
  readonly openMs: { readonly p50: number; readonly p99: number } | null;
  /** Payload bytes through the gateways, both directions (each echoed byte counts twice: up and down). */
  readonly relayedBytes: number;
  readonly trafficSeconds: number;
  /** Relayed MB/s (10^6 bytes) during the traffic phase. */
  readonly relayedMBps: number;
  /** Gateway CPU seconds (all instances) per GB (10^9 bytes) relayed, during the traffic phase. */
  readonly gatewayCpuSecondsPerGB: number;
  /** The balancer's (nginx's) CPU seconds per GB relayed (clock ticks: 10 ms steps); null without one. */
  readonly balancerCpuSecondsPerGB: number | null;
  /** The client processes' and the echo server's CPU seconds per GB relayed: who else the traffic phase waited for. */
  readonly clientCpuSecondsPerGB: number;
  readonly echoCpuSecondsPerGB: number;
  readonly durationSeconds: number;
}

/** Logs progress (stderr in the CLI, nothing in the test). */
export type Log = (line: string) => void;

/** One client process: a request answered per phase. */
class ClientProcess {
  readonly #child: ChildProcess;
  readonly #replies: ClientReply[] = [];
  #waiting: ((reply: ClientReply) => void) | undefined;
  #exit: string | undefined;

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  constructor(init: ClientInit) {
    // A WebSocket each, plus stdio and slack.
    this.#child = forkNode(CLIENT, [JSON.stringify(init)], { nofile: init.sessions + 256 });
    this.#child.on('message', (reply: ClientReply) => this.#deliver(reply));
    this.#child.once('exit', (code, signal) => {
      this.#exit = `client ${init.index} exited (code ${code}, signal ${signal})`;
      this.#deliver({ type: 'failure', message: this.#exit });
    });
  }

  #deliver(reply: ClientReply): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting === undefined) this.#replies.push(reply);
    else waiting(reply);
  }

  async next(timeoutMs: number, what: string): Promise<ClientReply> {
    const queued = this.#replies.shift();
    if (queued !== undefined) return queued;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      this.#waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
  }

  async phase(phase: Phase, timeoutMs: number): Promise<PhaseReport> {
    if (this.#exit !== undefined) throw new Error(this.#exit);
    const reply = this.next(timeoutMs, phase);
    this.#child.send({ type: 'phase', phase });
    const answer = await reply;
    if (answer.type !== 'phase') throw new Error(`${phase} failed: ${answer.type === 'failure' ? answer.message : answer.type}`);
    return answer.report;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
  }
}

async function memory(deployment: Deployment): Promise<MemoryPoint> {
  const replies: ProbeReply[] = await Promise.all(deployment.instances.map((instance) => instance.probe(true)));
  const sum = (key: 'rss' | 'heapUsed' | 'external'): number => replies.reduce((total, reply) => total + reply[key], 0);
  return { rss: sum('rss'), heapUsed: sum('heapUsed'), external: sum('external'), perInstanceRss: replies.map((reply) => reply.rss) };
}

async function cpuSeconds(deployment: Deployment): Promise<number> {
  const replies = await Promise.all(deployment.instances.map((instance) => instance.probe(false)));
  return replies.reduce((total, reply) => total + reply.cpuMicros, 0) / 1e6;
}

function percentiles(values: readonly number[]): { p50: number; p99: number } {
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
}

/** Splits `total` into `parts` near-equal whole shares. */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Runs one load test against the deployment `start` gives. */
export async function runLoad(options: LoadOptions, start: StartDeployment, log: Log = () => {}): Promise<LoadResult> {
  const started = Date.now();
  const sizing = { sessions: options.sessions, streams: options.streams };
  const echo = await forkServer(ECHO, [], 15_000, { nofile: gatewayFiles(sizing) });
  let deployment: Deployment | undefined;
  const clients: ClientProcess[] = [];
  try {
    const target = { host: '127.0.0.1', port: echo.port };
    deployment = await start(target, sizing);
    log(`${deployment.name}: ${deployment.instances.length} gateway(s) behind ${deployment.url}`);
    const counts = shares(options.sessions, Math.min(options.clients, options.sessions));
    counts.forEach((sessions, index) => {
      clients.push(new ClientProcess({ url: deployment!.url, sessions, streams: options.streams, target, inFlight: options.inFlight, streamBytes: options.streamBytes, index }));
    });
    for (const client of clients) {
      const reply = await client.next(30_000, 'client start');
      if (reply.type !== 'ready') throw new Error(`client start failed: ${reply.type === 'failure' ? reply.message : reply.type}`);
    }

    const reports = new Map<Phase, PhaseReport[]>();
    const phase = async (name: Phase): Promise<PhaseReport[]> => {
      const list = await Promise.all(clients.map((client) => client.phase(name, options.phaseTimeoutMs)));
      reports.set(name, list);
      const ms = Math.max(...list.map((report) => report.ms));
      const errors = list.reduce((sum, report) => sum + report.errorCount, 0);
      log(`${name}: ${(ms / 1000).toFixed(1)} s${errors === 0 ? '' : `, ${errors} errors`}`);
      return list;
    };
    const seconds = (list: readonly PhaseReport[]): number => Math.max(...list.map((report) => report.ms)) / 1000;

    const idle = await memory(deployment);
    const cpuIdle = await cpuSeconds(deployment);
    const sessionsPhase = await phase('sessions');
    const cpuSessions = await cpuSeconds(deployment);
    const withSessions = await memory(deployment);
    const cpuStreamsBefore = await cpuSeconds(deployment);
    const streamsPhase = options.streams > 1 ? await phase('streams') : [];
    const cpuStreams = await cpuSeconds(deployment);
    const withStreams = await memory(deployment);
    const cpuBefore = await cpuSeconds(deployment);
    const balancerBefore = deployment.balancer?.cpuSeconds() ?? 0;
    const othersCpu = (): { clients: number; echo: number } => ({
      clients: clients.reduce((sum, client) => sum + processCpuSeconds(client.pid), 0),
      echo: processCpuSeconds(echo.child.pid ?? 0),
    });
    const othersBefore = othersCpu();
    const trafficPhase = await phase('traffic');
    const cpuAfter = await cpuSeconds(deployment);
    const balancerAfter = deployment.balancer?.cpuSeconds() ?? 0;
    const othersAfter = othersCpu();
    const afterTraffic = await memory(deployment);
    await phase('close');
    await Promise.all(clients.map((client) => client.stop()));
    const closed = await memory(deployment);

    const sessionLatencies = sessionsPhase.flatMap((report) => report.latenciesMs);
    const openLatencies = streamsPhase.flatMap((report) => report.latenciesMs);
    const streamsOpened = sessionLatencies.length + openLatencies.length;
    const relayedBytes = trafficPhase.reduce((sum, report) => sum + report.bytes, 0);
    const trafficSeconds = seconds(trafficPhase);
    const GB = relayedBytes / 1e9;
    // Each session was measured with its first stream; the later streams tell what one costs.
    const extraStreams = openLatencies.length;
    const rssPerStream = extraStreams === 0 ? null : (withStreams.rss - withSessions.rss) / extraStreams;
    const rssPerSession = (withSessions.rss - idle.rss) / Math.max(1, sessionLatencies.length) - (rssPerStream ?? 0);
    const errorSamples = [...reports.values()].flat().flatMap((report) => report.errors);
    for (const instance of deployment.instances) errorSamples.push(...instance.errorLines().map((line) => `gateway ${instance.pid}: ${line}`));
    const errors =
      [...reports.values()].flat().reduce((sum, report) => sum + report.errorCount, 0) +
      deployment.instances.reduce((sum, instance) => sum + instance.errorCount(), 0);
    return {
      deployment: deployment.name,
      instances: deployment.instances.length,
      options,
      sessionsOpened: sessionLatencies.length,
      streamsOpened,
      errors,
      errorSamples: errorSamples.slice(0, 20),
      memory: { idle, sessions: withSessions, streams: withStreams, traffic: afterTraffic, closed },
      rssPerSession,
      rssPerStream,
      rssPerActiveStream: (afterTraffic.rss - idle.rss - rssPerSession * sessionLatencies.length) / Math.max(1, streamsOpened),
      sessionsPerSecond: sessionLatencies.length / seconds(sessionsPhase),
      gatewayCpuMsPerSession: ((cpuSessions - cpuIdle) * 1000) / Math.max(1, sessionLatencies.length),
      gatewayCpuMsPerOpen: openLatencies.length === 0 ? null : ((cpuStreams - cpuStreamsBefore) * 1000) / openLatencies.length,
      sessionSetupMs: percentiles(sessionLatencies),
      openMs: openLatencies.length === 0 ? null : percentiles(openLatencies),
      relayedBytes,
      trafficSeconds,
      relayedMBps: relayedBytes / 1e6 / trafficSeconds,
      gatewayCpuSecondsPerGB: (cpuAfter - cpuBefore) / GB,
      balancerCpuSecondsPerGB: deployment.balancer === null ? null : (balancerAfter - balancerBefore) / GB,
      clientCpuSecondsPerGB: (othersAfter.clients - othersBefore.clients) / GB,
      echoCpuSecondsPerGB: (othersAfter.echo - othersBefore.echo) / GB,
      durationSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await deployment?.stop();
    await echo.stop();
  }
}

/** Capacity of one gateway instance derived from a result: per GiB of RAM and per core. */
export interface Capacity {
  /** Sessions of `streams` streams that fit in 1 GiB above the idle process, streams idle / streams that moved data. */
  readonly sessionsPerGiBIdle: number;
  readonly sessionsPerGiBActive: number;
  readonly streamsPerGiBActive: number;
  /** Per core (one second of CPU): sessions set up, streams opened, MB relayed (both ways). */
  readonly sessionSetupsPerCoreSecond: number;
  readonly opensPerCoreSecond: number | null;
  readonly relayedMBPerCoreSecond: number;
}

export function capacity(result: LoadResult): Capacity {
  const GiB = 1024 * MIB;
  const streams = result.options.streams;
  const idleStream = result.rssPerStream ?? result.rssPerActiveStream;
  return {
    sessionsPerGiBIdle: GiB / (result.rssPerSession + streams * idleStream),
    sessionsPerGiBActive: GiB / (result.rssPerSession + streams * result.rssPerActiveStream),
    streamsPerGiBActive: (GiB / (result.rssPerSession + streams * result.rssPerActiveStream)) * streams,
    sessionSetupsPerCoreSecond: 1000 / result.gatewayCpuMsPerSession,
    opensPerCoreSecond: result.gatewayCpuMsPerOpen === null ? null : 1000 / result.gatewayCpuMsPerOpen,
    relayedMBPerCoreSecond: 1000 / result.gatewayCpuSecondsPerGB,
  };
}

/** The capacity-planning table (docs/deployment.md's), one column per result. */
export function formatCapacity(results: readonly LoadResult[]): string {
  const round = (value: number | null): string => (value === null || !Number.isFinite(value) ? 'n/a' : value >= 1000 ? (Math.round(value / 100) * 100).toLocaleString('en-US') : value.toFixed(0));
  const rows: [string, (c: Capacity, r: LoadResult) => string][] = [
    ['sessions per GiB, streams idle', (c, r) => `${round(c.sessionsPerGiBIdle)} (× ${r.options.streams} streams)`],
    ['sessions per GiB, every stream has moved data', (c) => `${round(c.sessionsPerGiBActive)} (${round(c.streamsPerGiBActive)} streams)`],
    ['sessions set up per core-second', (c) => round(c.sessionSetupsPerCoreSecond)],
    ['streams opened per core-second', (c) => round(c.opensPerCoreSecond)],
    ['MB relayed per core-second (both ways)', (c) => round(c.relayedMBPerCoreSecond)],
  ];
  const lines = [`| gateway capacity | ${results.map((r) => r.deployment).join(' | ')} |`, `|---|${results.map(() => '---:').join('|')}|`];
  for (const [label, cell] of rows) lines.push(`| ${label} | ${results.map((result) => cell(capacity(result), result)).join(' | ')} |`);
  return lines.join('\n');
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
const kib = (bytes: number | null): string => (bytes === null ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`);
const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** The Markdown table: one column per result. */
export function formatLoadReport(results: readonly LoadResult[]): string {
  const rows: [string, (r: LoadResult) => string][] = [
    ['sessions × streams', (r) => `${r.sessionsOpened} × ${r.options.streams} (${r.streamsOpened} streams)`],
    ['errors', (r) => String(r.errors)],
    ['gateway RSS idle → sessions → streams', (r) => `${mib(r.memory.idle.rss)} → ${mib(r.memory.sessions.rss)} → ${mib(r.memory.streams.rss)}`],
    ['gateway RSS after traffic → after close', (r) => `${mib(r.memory.traffic.rss)} → ${mib(r.memory.closed.rss)}`],
    ['RSS per session (its streams apart)', (r) => kib(r.rssPerSession)],
    ['RSS per stream, before any traffic', (r) => kib(r.rssPerStream)],
    ['RSS per stream once it moved data', (r) => kib(r.rssPerActiveStream)],
    ['sessions set up per second', (r) => r.sessionsPerSecond.toFixed(0)],
    ['gateway CPU ms per session set up / per stream opened', (r) => `${r.gatewayCpuMsPerSession.toFixed(2)} / ${r.gatewayCpuMsPerOpen === null ? 'n/a' : r.gatewayCpuMsPerOpen.toFixed(2)}`],
    ['session set-up p50 / p99 ms', (r) => `${ms(r.sessionSetupMs.p50)} / ${ms(r.sessionSetupMs.p99)}`],
    ['stream open (OPEN → connect) p50 / p99 ms', (r) => (r.openMs === null ? 'n/a' : `${ms(r.openMs.p50)} / ${ms(r.openMs.p99)}`)],
    ['relayed (both ways)', (r) => `${(r.relayedBytes / 1e9).toFixed(2)} GB in ${r.trafficSeconds.toFixed(1)} s (${r.relayedMBps.toFixed(0)} MB/s)`],
    ['gateway CPU s per GB relayed', (r) => r.gatewayCpuSecondsPerGB.toFixed(2)],
    ['nginx CPU s per GB relayed', (r) => (r.balancerCpuSecondsPerGB === null ? 'n/a' : r.balancerCpuSecondsPerGB.toFixed(2))],
    ['clients / echo server CPU s per GB', (r) => `${r.clientCpuSecondsPerGB.toFixed(2)} / ${r.echoCpuSecondsPerGB.toFixed(2)}`],
  ];
  const lines = [`| | ${results.map((r) => `${r.deployment} (${r.instances} gateway${r.instances === 1 ? '' : 's'})`).join(' | ')} |`, `|---|${results.map(() => '---:').join('|')}|`];
  for (const [label, cell] of rows) lines.push(`| ${label} | ${results.map(cell).join(' | ')} |`);
  return lines.join('\n');
}
