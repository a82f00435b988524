/**
 * Runs one attack class of the abuse suite: a fresh gateway CLI with default settings,
 * the well-behaved client (abuse-probe.ts) measuring throughout, the attack for a bounded
 * time, then the checks every class shares:
 *
 * - the well-behaved client's echo p99 < 250 ms, every new session < 1 s, no failure;
 * - the gateway's peak RSS (VmRSS every 100 ms, and VmHWM) under the class's bound;
 * - once the attacker is gone, its descriptors back near the baseline (no leak);
 * - no error-level log line (a hostile client is not a gateway error);
 * - SIGTERM shuts it down cleanly within SHUTDOWN_MS;
 *
 * plus whatever the attack itself reports (e.g. sessions held beyond a limit).
 * Figures go to t.diagnostic and, when ABUSE_REPORT names a file, one JSON line there.
 */
import { setMaxListeners } from 'node:events';
import { appendFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { TestContext } from 'node:test';
import { type CliGateway, type CliGatewayOptions, GATEWAY_FD_LIMIT, startCliGateway } from './abuse-gateway.ts';
import { type ProbeReport, startProbe } from './abuse-probe.ts';

// Above this machine's noise floor, far below an attack's effect: on an idle 2-vCPU host
// the zero-credit class's victim echo p99 ranged 44-134 ms with the code of before this
// change as after it (100 ms failed now and then), while the unfixed findings measured
// 274-4149 ms (BEFORE.md), and each of them under 250 ms also broke another bound.
export const ECHO_P99_BOUND_MS = 250;
export const NEW_SESSION_BOUND_MS = 1_000;
/** Descriptors the gateway may hold above its baseline once the attacker left. */
export const FD_SLACK = 16;
/** How long the descriptors get to return to the baseline. */
const SETTLE_MS = 10_000;
/** The well-behaved client keeps measuring this long after the attacker left (lasting damage). */
const AFTER_MS = 1_000;
const SHUTDOWN_MS = 5_000;
/** An attack must return this long after its signal aborted. */
const ATTACK_EXIT_MS = 30_000;
const MIB = 1024 * 1024;

/** What an attack gets. */
export interface AttackContext {
  /** The gateway's WebSocket URL. */
  readonly url: string;
  readonly gateway: CliGateway;
  /** Aborts when the class's time is up: the attack then leaves and releases everything. */
  readonly signal: AbortSignal;
  /** Records a figure of the attack (how many sessions it held, streams it lost…). */
  note(key: string, value: number | string): void;
  /** Records a failed expectation of the attack itself (the class fails). */
  fail(problem: string): void;
}

/** A class ready to run: the gateway's flags and the attack. */
export interface PreparedAttack extends Omit<CliGatewayOptions, 'args'> {
  /** Rules and targets, e.g. ['--allow', '127.0.0.1:1234']. */
  readonly args: readonly string[];
  /** Runs until ctx.signal aborts (or finishes earlier), then leaves. */
  attack(ctx: AttackContext): Promise<void>;
}

/** One attack class. */
export interface AbuseClass {
  /** Test title, citing the finding of issue 12 it reproduces. */
  readonly title: string;
  /** Bound on the gateway's peak RSS, MiB. */
  readonly rssBoundMiB: number;
  /** How long the attack runs, ms. */
  readonly durationMs: number;
  /**
   * The attacker leaves its sessions detached (resumable, within the grace period), so the
   * gateway rightly keeps their sockets after it left: descriptors are not expected back.
   */
  readonly keepsDetachedSessions?: boolean;
  /** Starts the class's targets (torn down by t.after) and returns the gateway's flags and the attack. */
  prepare(t: TestContext): Promise<PreparedAttack>;
}

/** The figures of one run, as recorded in gateway/abuse/BEFORE.md. */
export interface AbuseFigures {
  readonly title: string;
  readonly echoes: number;
  readonly echoP50: number;
  readonly echoP99: number;
  readonly echoMax: number;
  readonly sessions: number;
  readonly sessionMax: number;
  readonly failures: number;
  readonly firstFailures: readonly string[];
  readonly peakRssMiB: number;
  readonly rssBoundMiB: number;
  readonly baselineFds: number;
  readonly peakFds: number;
  readonly fdsAfter: number;
  readonly errorLogs: number;
  readonly shutdownMs: number;
  readonly notes: Readonly<Record<string, number | string>>;
  readonly problems: readonly string[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (polling every 100 ms) until `condition` holds or `ms` passed; returns whether it held. */
async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * The attackers and the destinations they use run in this process; in a deployment they
 * are other machines, not rivals for the gateway's CPU. On this 2-core machine they run at
 * a lower priority than the gateway and the well-behaved client, so that what is measured
 * is how the gateway shares its own time. (Raising the children back needs root: without
 * it all run at the lower priority, as equals, and the figures say so.)
 */
const ATTACKER_NICE = 10;

function prioritize(pids: readonly number[]): 'gateway first' | 'equal' {
  try {
    if (getPriority() < ATTACKER_NICE) setPriority(ATTACKER_NICE);
    for (const pid of pids) setPriority(pid, 0);
    return 'gateway first';
  } catch {
    return 'equal';
  }
}

/** Runs `cls` and fails `t` with every problem found, figures included. */
export async function runAbuseClass(t: TestContext, cls: AbuseClass): Promise<AbuseFigures> {
  const probe = await startProbe();
  t.after(() => probe.kill());
  const prepared = await cls.prepare(t);
  const gateway = await startCliGateway({
    ...prepared,
    args: ['--allow', `localhost:${probe.echoPort}`, '--allow', `127.0.0.1:${probe.echoPort}`, ...prepared.args],
  });
  t.after(() => gateway.stop(1_000));
  const priority = prioritize([probe.pid, gateway.pid]);
  await probe.start(gateway.url, 'localhost');
  // Sampled with the well-behaved client connected: it is part of the baseline.
  const baselineFds = gateway.fds();

  const problems: string[] = [];
  const notes: Record<string, number | string> = { priority };
  const controller = new AbortController();
  // Every paced step of an attack listens to the signal.
  setMaxListeners(0, controller.signal);
  const attack = prepared.attack({
    url: gateway.url,
    gateway,
    signal: controller.signal,
    note: (key, value) => {
      notes[key] = value;
    },
    fail: (problem) => {
      problems.push(problem);
    },
  }).catch((error: unknown) => {
    problems.push(`the attack threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  });
  const timer = setTimeout(() => controller.abort(), cls.durationMs);
  let stuck: NodeJS.Timeout | undefined;
  const finished = await Promise.race([attack.then(() => true), new Promise<false>((resolve) => {
    stuck = setTimeout(() => resolve(false), cls.durationMs + ATTACK_EXIT_MS);
  })]);
  clearTimeout(stuck);
  clearTimeout(timer);
  controller.abort();
  if (!finished) problems.push('the attack did not finish (it must return once its signal aborts)');
  await sleep(AFTER_MS);
  const report: ProbeReport = await probe.stop();

  const settled = cls.keepsDetachedSessions === true || await eventually(() => gateway.fds() <= baselineFds + FD_SLACK, SETTLE_MS);
  const fdsAfter = gateway.fds();
  const peakRss = Math.max(gateway.peakRss(), gateway.hwm());
  const peakFds = gateway.peakFds();
  const shutdown = await gateway.stop(SHUTDOWN_MS * 2);

  const figures: AbuseFigures = {
    title: cls.title,
    echoes: report.echoes.length,
    echoP50: percentile(report.echoes, 50),
    echoP99: percentile(report.echoes, 99),
    echoMax: Math.max(0, ...report.echoes),
    sessions: report.sessions.length,
    sessionMax: Math.max(0, ...report.sessions),
    failures: report.failureCount,
    firstFailures: report.failures.slice(0, 5),
    peakRssMiB: Math.round(peakRss / MIB),
    rssBoundMiB: cls.rssBoundMiB,
    baselineFds,
    peakFds,
    fdsAfter,
    errorLogs: gateway.errorCount(),
    shutdownMs: shutdown.killed ? -1 : shutdown.ms,
    notes,
    problems,
  };

  if (report.echoes.length === 0) problems.push('the well-behaved client measured no echo');
  if (figures.echoP99 >= ECHO_P99_BOUND_MS) problems.push(`echo p99 ${figures.echoP99} ms (bound ${ECHO_P99_BOUND_MS} ms; p50 ${figures.echoP50}, max ${figures.echoMax})`);
  if (figures.sessionMax >= NEW_SESSION_BOUND_MS) problems.push(`slowest new session ${figures.sessionMax} ms (bound ${NEW_SESSION_BOUND_MS} ms)`);
  if (report.failureCount > 0) problems.push(`${report.failureCount} failures of the well-behaved client, first: ${report.failures.join(' | ')}`);
  if (peakRss >= cls.rssBoundMiB * MIB) problems.push(`gateway peak RSS ${figures.peakRssMiB} MiB (bound ${cls.rssBoundMiB} MiB)`);
  if (!settled) problems.push(`descriptors did not return to the baseline: ${fdsAfter} open ${SETTLE_MS / 1000} s after the attacker left, baseline ${baselineFds} (peak ${peakFds}, limit ${GATEWAY_FD_LIMIT})`);
  if (gateway.errorCount() > 0) problems.push(`${gateway.errorCount()} error-level log lines, first: ${gateway.errorLines.slice(0, 2).join(' | ')}`);
  if (shutdown.killed || shutdown.exitCode !== 0 || shutdown.ms > SHUTDOWN_MS) {
    problems.push(shutdown.killed ? `SIGTERM did not stop the gateway within ${SHUTDOWN_MS * 2} ms (SIGKILLed)` : `SIGTERM: exit code ${shutdown.exitCode} after ${shutdown.ms} ms`);
  }

  const summary = `echo p50/p99/max ${figures.echoP50}/${figures.echoP99}/${figures.echoMax} ms over ${figures.echoes}; new session max ${figures.sessionMax} ms over ${figures.sessions}; `
    + `${figures.failures} failures; peak RSS ${figures.peakRssMiB} MiB (bound ${cls.rssBoundMiB}); fds ${baselineFds} → peak ${peakFds} → ${fdsAfter}; `
    + `${figures.errorLogs} error logs; shutdown ${figures.shutdownMs} ms; notes ${JSON.stringify(notes)}`;
  t.diagnostic(summary);
  const reportFile = process.env['ABUSE_REPORT'];
  if (reportFile !== undefined && reportFile !== '') appendFileSync(reportFile, `${JSON.stringify(figures)}\n`);
  if (problems.length > 0) throw new Error(`${cls.title}: the gateway did not stay available:\n- ${problems.join('\n- ')}\n(${summary})`);
  return figures;
}
