/**
 * The gateway CLI (gateway/main.ts, bundled) as the abuse suite runs it: a child process
 * with default settings and only the rules it is given, watched from outside through
 * /proc: resident memory (VmRSS every 100 ms, VmHWM), open descriptors, and its log
 * lines on stderr (counted by event; error-level lines kept).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { bundled } from './abuse-build.ts';

/**
 * RLIMIT_NOFILE the gateway runs with (soft and hard: Node raises the soft limit to the
 * hard one). Lower than this machine's 20,000 so that descriptor exhaustion is reachable
 * within a class's time box, and by an attacker whose own process has the same limit.
 */
export const GATEWAY_FD_LIMIT = 8192;

const SAMPLE_MS = 100;
const MAX_ERROR_LINES_KEPT = 10;

export interface CliGatewayOptions {
  /** Flags after the bundled main.ts (rules, --dns-server…); --port 0 and --host 127.0.0.1 are added. */
  readonly args: readonly string[];
  /**
   * A shell prefix run before the gateway, in the same process (it must end with the gateway
   * exec'd): e.g. a bind mount of /etc/resolv.conf inside `unshare -m`.
   */
  readonly setup?: string;
  /** Run under `unshare --mount` (for setup that mounts). */
  readonly mountNamespace?: boolean;
}

export interface CliGateway {
  readonly pid: number;
  readonly url: string;
  /** Log lines seen so far, by event. */
  readonly events: ReadonlyMap<string, number>;
  /** Error-level log lines (the first few) and how many there were. */
  readonly errorLines: readonly string[];
  errorCount(): number;
  /** Largest VmRSS sampled, in bytes. */
  peakRss(): number;
  /** VmHWM (the kernel's peak RSS) now, in bytes; 0 once the process is gone. */
  hwm(): number;
  /** Open descriptors now (0 once the process is gone). */
  fds(): number;
  /** Largest descriptor count sampled. */
  peakFds(): number;
  /** SIGTERM (graceful: GOAWAY, drain); resolves with how it ended. SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<{ readonly exitCode: number | null; readonly ms: number; readonly killed: boolean }>;
  /** The last stderr lines, for error messages. */
  tail(): string;
}

function statusField(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Starts the gateway CLI on 127.0.0.1:0; resolves once it printed where it listens. */
export async function startCliGateway(options: CliGatewayOptions): Promise<CliGateway> {
  const main = bundled(new URL('../main.ts', import.meta.url));
  // ABUSE_GATEWAY_PROFILE=dir: the gateway writes a V8 CPU profile there when it exits (to see where an attack's time goes).
  const profile = process.env['ABUSE_GATEWAY_PROFILE'];
  const gatewayArgs = [...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]), main, '--port', '0', '--host', '127.0.0.1', ...options.args];
  // `exec` keeps one pid from the shell to the gateway, so /proc/<pid> is the gateway's.
  const script = `${options.setup ?? ''}\nulimit -n ${GATEWAY_FD_LIMIT} && exec "$0" "$@"`;
  const command = options.mountNamespace === true ? ['unshare', '--mount', 'sh', '-c', script] : ['sh', '-c', script];
  const child: ChildProcess = spawn(command[0] as string, [...command.slice(1), process.execPath, ...gatewayArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command.join(' ')}`);

  const events = new Map<string, number>();
  const errorLines: string[] = [];
  let errors = 0;
  const tailLines: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    tailLines.push(line);
    if (tailLines.length > 20) tailLines.shift();
    let entry: { level?: unknown; event?: unknown };
    try {
      entry = JSON.parse(line) as { level?: unknown; event?: unknown };
    } catch {
      // Not a log entry (a stack trace, a crash): the worst kind of error line.
      entry = { level: 'error', event: 'unstructured' };
    }
    const event = typeof entry.event === 'string' ? entry.event : 'unknown';
    events.set(event, (events.get(event) ?? 0) + 1);
    if (entry.level === 'error') {
      errors += 1;
      if (errorLines.length < MAX_ERROR_LINES_KEPT) errorLines.push(line.slice(0, 500));
    }
  });

  const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([
    once(stdout, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the gateway exited (${String(code)}) before listening: ${tailLines.join('\n')}`);
    }),
    // Spawning failed (e.g. no unshare(1)): a clear failure, never a skip.
    once(child, 'error').then(([error]) => {
      throw new Error(`cannot run ${command.join(' ')}: ${String(error)}`);
    }),
  ])) as [string];
  const match = /^sockway gateway listening on (ws:\/\/\S+)$/.exec(line);
  if (match === null) throw new Error(`unexpected first stdout line of the gateway: ${line}`);

  let peakRss = 0;
  let peakFds = 0;
  let tick = 0;
  const sample = (): void => {
    peakRss = Math.max(peakRss, statusField(pid, 'VmRSS'));
    // Listing thousands of descriptors costs more than reading status: every 5th sample.
    if (tick++ % 5 === 0) peakFds = Math.max(peakFds, fdCount(pid));
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  void exited.then(() => clearInterval(sampler));

  return {
    pid,
    url: match[1] as string,
    events,
    errorLines,
    errorCount: () => errors,
    peakRss: () => Math.max(peakRss, statusField(pid, 'VmRSS')),
    hwm: () => statusField(pid, 'VmHWM'),
    fds: () => fdCount(pid),
    peakFds: () => Math.max(peakFds, fdCount(pid)),
    async stop(graceMs) {
      const startedAt = Date.now();
      if (child.exitCode !== null || child.signalCode !== null) return { exitCode: child.exitCode, ms: 0, killed: false };
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs);
      const [exitCode] = await exited;
      clearTimeout(timer);
      return { exitCode, ms: Date.now() - startedAt, killed };
    },
    tail: () => tailLines.join('\n'),
  };
}
