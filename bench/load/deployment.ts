/**
 * What the load test runs against: a Deployment is a WebSocket URL and the gateway
 * processes behind it. The orchestrator only sees this interface, so the target is
 * swappable: one gateway CLI (startSingleGateway) or several behind a balancer
 * (nginx-fleet.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { forkServer, REPO_ROOT, runnable, type ChildHandle } from '../lib/processes.ts';
import type { ProbeReply, ProbeRequest } from './probe.ts';

const PROBE = fileURLToPath(new URL('./probe.ts', import.meta.url));
const MAX_ERROR_LINES_KEPT = 10;

/** The echo server the streams go to. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/** What the whole deployment must carry at once. */
export interface Sizing {
  readonly sessions: number;
  /** Streams per session. */
  readonly streams: number;
}

/** One gateway CLI process, started with the probe preloaded. */
export interface GatewayInstance {
  readonly pid: number;
  readonly port: number;
  /** Its memory (after two full collections when `gc`) and CPU time. */
  probe(gc: boolean): Promise<ProbeReply>;
  /** Error-level log lines (the gateway runs --quiet: it logs nothing else) and anything unstructured. */
  errorCount(): number;
  errorLines(): readonly string[];
  stop(): Promise<void>;
}

/** Gateways behind one URL. */
export interface Deployment {
  /** For the report, e.g. 'single' or 'nginx-3'. */
  readonly name: string;
  /** The WebSocket URL clients use. */
  readonly url: string;
  readonly instances: readonly GatewayInstance[];
  /** What sits between clients and gateways (a balancer), and the CPU seconds it used so far; null when nothing does. */
  readonly balancer: { readonly name: string; cpuSeconds(): number } | null;
  stop(): Promise<void>;
}

/** Starts a deployment for `sizing` whose gateways allow `target`. */
export type StartDeployment = (target: Target, sizing: Sizing) => Promise<Deployment>;

/**
 * The gateway flags for a load test: every limit a thousand sessions from one address
 * (127.0.0.1) would hit raised to fit `sizing` — sessions, sessions per client, HTTP
 * connections, TCP sockets (all and per client), and no cap on upgrades in flight per
 * address. One place, so it can become a --config file (issue 15, item 1) in one edit.
 */
export function gatewayArgs(target: Target, sizing: Sizing): string[] {
  const sessions = sizing.sessions + 64;
  // The last eighth of --max-tcp-sockets is a reserve for clients holding fewer than 16 (fd-budget.ts): all our streams come from one client.
  const sockets = Math.ceil(((sizing.sessions * sizing.streams) * 8) / 7) + 64;
  // The limits go through a configuration file, as an operator raising them would write it.
  const config = join(mkdtempSync(join(tmpdir(), 'sockway-load-')), 'gateway.yaml');
  writeFileSync(config, [
    '# bench:load: every page comes from 127.0.0.1, so per-client limits are the global ones',
    'quiet: true',
    `maxSessions: ${sessions}`,
    `maxSessionsPerClient: ${sessions}`,
    `maxConnections: ${sessions}`,
    'maxPendingConnectionsPerAddress: 0',
    `maxTcpSockets: ${sockets}`,
    `maxTcpSocketsPerClient: ${sockets}`,
    '',
  ].join('\n'));
  return ['--config', config, '--port', '0', '--host', '127.0.0.1', '--allow', `${target.host}:${target.port}`];
}

/** Open files a gateway needs for `sizing`: a WebSocket per session, a TCP socket per stream, headroom (fd-budget.ts keeps a tenth). */
export function gatewayFiles(sizing: Sizing): number {
  const needed = sizing.sessions * (1 + sizing.streams);
  return Math.ceil(needed * 1.3) + 256;
}

/** Starts the gateway CLI (gateway/main.ts, bundled) with the probe preloaded and `args`. */
export async function startGateway(args: readonly string[], nofile: number): Promise<GatewayInstance> {
  const execArgv = ['--expose-gc', '--import', pathToFileURL(runnable(PROBE)).href];
  const handle: ChildHandle & { port: number } = await forkServer(`${REPO_ROOT}gateway/main.ts`, args, 30_000, { execArgv, nofile });
  const child: ChildProcess = handle.child;
  const pid = child.pid;
  if (pid === undefined) throw new Error('the gateway has no pid');
  let errors = 0;
  const errorLines: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    errors += 1;
    if (errorLines.length < MAX_ERROR_LINES_KEPT) errorLines.push(line.slice(0, 500));
  });
  // One probe at a time; replies come in order.
  let chain: Promise<unknown> = Promise.resolve();
  const probe = (gc: boolean): Promise<ProbeReply> => {
    const reply = chain.then(
      () =>
        new Promise<ProbeReply>((resolve, reject) => {
          const onMessage = (message: unknown): void => {
            if ((message as Partial<ProbeReply> | null)?.type !== 'probe') return;
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(message as ProbeReply);
          };
          const onExit = (): void => {
            child.off('message', onMessage);
            reject(new Error(`the gateway (pid ${pid}) exited:\n${handle.output()}`));
          };
          child.on('message', onMessage);
          child.once('exit', onExit);
          const request: ProbeRequest = { type: 'probe', gc };
          child.send(request);
        }),
    );
    chain = reply.catch(() => {});
    return reply;
  };
  return { pid, port: handle.port, probe, errorCount: () => errors, errorLines: () => errorLines, stop: () => handle.stop() };
}

/** One gateway CLI process; clients connect to it directly. */
export const startSingleGateway: StartDeployment = async (target, sizing) => {
  const gateway = await startGateway(gatewayArgs(target, sizing), gatewayFiles(sizing));
  return {
    name: 'single',
    url: `ws://127.0.0.1:${gateway.port}/`,
    instances: [gateway],
    balancer: null,
    stop: () => gateway.stop(),
  };
};

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** CPU seconds (user + system) of `pid` and its children's live threads, from /proc; 0 once gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The pids of a process's children (Linux 3.5+). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
