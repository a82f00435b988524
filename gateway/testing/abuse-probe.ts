/**
 * The abuse suite's well-behaved client (abuse-probe-main.ts) as seen from the test: fork
 * it, learn its echo server's port, start it against a gateway, stop it and read what it
 * measured.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { bundled } from './abuse-build.ts';

/** What the probe measured, all times in ms. */
export interface ProbeReport {
  /** Echo round trips, measured from the moment each was due. */
  readonly echoes: readonly number[];
  /** New sessions: WebSocket + HELLO → WELCOME + OPEN → OPENED, from the moment each was due. */
  readonly sessions: readonly number[];
  /** The first failures, timestamped; failureCount counts all of them. */
  readonly failures: readonly string[];
  readonly failureCount: number;
}

/** Parent → probe. */
export type ProbeCommand =
  | { readonly type: 'start'; readonly url: string; readonly host: string; readonly port: number }
  | { readonly type: 'stop' };

/** Probe → parent. */
export type ProbeMessage =
  | { readonly type: 'echo-port'; readonly port: number }
  | { readonly type: 'started' }
  | { readonly type: 'start-failed'; readonly error: string }
  | { readonly type: 'report'; readonly report: ProbeReport };

export interface Probe {
  /** The well-behaved client's process. */
  readonly pid: number;
  /** Port of the probe's echo server (dual-stack, so both 127.0.0.1 and localhost reach it). */
  readonly echoPort: number;
  /** Starts measuring against `url`; the streams go to host:echoPort. Resolves once a first session worked. */
  start(url: string, host: string): Promise<void>;
  /** Stops measuring; resolves with the measurements. */
  stop(): Promise<ProbeReport>;
  /** Kills the process (idempotent). */
  kill(): void;
}

function nextMessage<T extends ProbeMessage['type']>(child: ChildProcess, ...types: T[]): Promise<Extract<ProbeMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ProbeMessage): void => {
      if (!(types as string[]).includes(message.type)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<ProbeMessage, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`the probe exited (${code}) before sending ${types.join(' or ')}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Forks the well-behaved client and waits for its echo server. */
export async function startProbe(): Promise<Probe> {
  const child = fork(bundled(new URL('./abuse-probe-main.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port: echoPort } = await nextMessage(child, 'echo-port');
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return {
    echoPort,
    pid: child.pid ?? 0,
    async start(url, host) {
      const started = nextMessage(child, 'started', 'start-failed');
      child.send({ type: 'start', url, host, port: echoPort } satisfies ProbeCommand);
      const message = await started;
      if (message.type === 'start-failed') throw new Error(`the well-behaved client could not start: ${message.error}`);
    },
    async stop() {
      const report = nextMessage(child, 'report');
      child.send({ type: 'stop' } satisfies ProbeCommand);
      const { report: measured } = await report;
      if (child.exitCode === null) await once(child, 'exit');
      return measured;
    },
    kill,
  };
}
