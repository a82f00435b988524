/**
 * `npm run bench`: compares every contender in the same run, interleaved.
 *
 * Process layout (2-core machine, so no two busy parties share an event loop):
 *   run.ts (idle orchestrator) ── forks ──> server.ts  (TCP target: sink/source/echo)
 *                              └─ forks ──> worker.ts  (client, one per contender)
 *                                             └─ starts the contender's relay/gateway process
 * All of them live for the whole run (see worker.ts for why not fresh per run).
 * Only one contender moves bytes at a time; the others sit idle.
 *
 * Each worker preflights its contender (echo integrity, upload, download) before
 * anything is timed. Then BENCH_WARMUP_RUNS unrecorded rounds and BENCH_RUNS
 * recorded rounds; round r runs every contender once, starting at contender
 * r mod n (round-robin, rotated so no contender always goes first or last).
 * Any failure aborts the run with exit code 1.
 *
 * Env: BENCH_RUNS (5), BENCH_WARMUP_RUNS (1), BENCH_MIB (256), BENCH_CHUNK_KIB (64),
 * BENCH_RTT_ITERS (5000), BENCH_RTT_WARMUP (500), BENCH_STREAMS (100),
 * BENCH_STREAM_MIB (4), BENCH_SKIP (comma list of contenders), BENCH_CELL_TIMEOUT_S (600).
 *
 * Duration: a round moves 2 × BENCH_MIB + BENCH_STREAMS × BENCH_STREAM_MIB
 * (912 MiB by default) per contender, plus 5,500 round trips. websockify
 * (python, ~150 MB/s upstream) is the slowest; the default run is a few minutes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { readConfig, type BenchConfig } from './lib/config.ts';
import type { Target } from './lib/contender.ts';
import type { MeasureOptions, RunResult } from './lib/measure.ts';
import { forkServer } from './lib/processes.ts';
import { formatReport, ratioRecord, summarizeRuns, type ContenderSummary } from './lib/report.ts';
import { WorkerHandle } from './lib/worker-handle.ts';
import { CONTENDER_NAMES, type ContenderName } from './contenders/index.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

function selectContenders(config: BenchConfig): ContenderName[] {
  const unknown = config.skip.filter((name) => !(CONTENDER_NAMES as string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_SKIP: unknown contender(s) ${unknown.join(', ')}; known: ${CONTENDER_NAMES.join(', ')}`);
  const names = CONTENDER_NAMES.filter((name) => !config.skip.includes(name));
  if (names.length === 0) throw new Error('BENCH_SKIP skips every contender');
  return names;
}

function environment(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  let bufferutil = 'not loadable';
  try {
    require('bufferutil');
    bufferutil = process.env['WS_NO_BUFFER_UTIL'] ? 'disabled by WS_NO_BUFFER_UTIL' : 'loaded';
  } catch {}
  let websockify = 'not installed';
  try {
    websockify = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'websockify'], { encoding: 'utf8' });
  } catch {}
  const wsVersion = (JSON.parse(readFileSync(require.resolve('ws/package.json'), 'utf8')) as { version: string }).version;
  return {
    node: process.version,
    ws: wsVersion,
    bufferutil,
    websockify,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main(): Promise<void> {
  const config = readConfig();
  const names = selectContenders(config);
  const options: MeasureOptions = {
    bulkBytes: config.bulkBytes,
    chunkBytes: config.chunkBytes,
    rttIterations: config.rttIterations,
    rttWarmup: config.rttWarmup,
    streams: config.streams,
    streamBytes: config.streamBytes,
  };
  const env = environment();
  const MiB = 1024 * 1024;
  console.error(
    `sockway bench: ${names.join(', ')}${config.skip.length ? ` (skipped: ${config.skip.join(', ')})` : ''}; ` +
      `${config.runs} runs (+${config.warmupRuns} warm-up); bulk ${config.bulkBytes / MiB} MiB in ${config.chunkBytes / 1024} KiB writes; ` +
      `RTT ${config.rttIterations} (+${config.rttWarmup}); ${config.streams} × ${config.streamBytes / MiB} MiB; ` +
      `bufferutil ${String(env['bufferutil'])}; load ${String(env['loadavgAtStart'])}`,
  );

  const load = os.loadavg()[0] ?? 0;
  if (load > 0.5) console.error(`warning: load average ${load.toFixed(2)} before start; other work will skew the figures`);
  const started = Date.now();
  const server = await forkServer(SERVER, [String(config.chunkBytes)]);
  const target: Target = { host: '127.0.0.1', port: server.port };
  const workers = new Map<ContenderName, WorkerHandle>();
  const runs = new Map<ContenderName, RunResult[]>(names.map((name) => [name, []]));
  const order: ContenderName[][] = [];
  try {
    for (const name of names) {
      workers.set(name, await WorkerHandle.start({ contender: name, target, options }, 60_000));
      console.error(`preflight ok: ${name}`);
    }
    const rounds = config.warmupRuns + config.runs;
    for (let round = 0; round < rounds; round++) {
      const warmup = round < config.warmupRuns;
      const rotated = names.map((_, i) => names[(i + round) % names.length] as ContenderName);
      if (!warmup) order.push(rotated);
      for (const name of rotated) {
        const t0 = Date.now();
        const worker = workers.get(name);
        if (worker === undefined) throw new Error(`no worker for ${name}`);
        const result = await worker.measure(config.cellTimeoutMs);
        if (!warmup) runs.get(name)?.push(result);
        const label = warmup ? `warm-up ${round + 1}/${config.warmupRuns}` : `run ${round - config.warmupRuns + 1}/${config.runs}`;
        console.error(
          `[${label}] ${name.padEnd(10)} up ${fmt(result.upMBps)} MB/s, down ${fmt(result.downMBps)} MB/s, ` +
            `RTT ${fmt(result.rttMedianUs)}/${fmt(result.rttP99Us)} µs, ${config.streams}× ${fmt(result.multiMBps)} MB/s ` +
            `(${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }
    }
  } finally {
    await Promise.all([...workers.values()].map((worker) => worker.stop()));
    await server.stop();
  }

  const summaries: Record<string, ContenderSummary> = {};
  for (const [name, list] of runs) summaries[name] = summarizeRuns(list);
  const columns = [...CONTENDER_NAMES]; // skipped ones show as "skipped"
  const report = formatReport(columns, summaries, config.streams);
  const seconds = (Date.now() - started) / 1000;

  console.log(
    `\n### sockway bench (${config.runs} runs each after ${config.warmupRuns} warm-up, interleaved; ${config.bulkBytes / MiB} MiB bulk, ` +
      `${config.streams} × ${config.streamBytes / MiB} MiB; ${String(env['node'])}, ${String(env['cpus'])} CPUs; ${seconds.toFixed(0)} s)\n`,
  );
  console.log(report);

  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const record = {
    generatedAt: new Date().toISOString(),
    durationSeconds: Number(seconds.toFixed(1)),
    config: { ...config, bulkMiB: config.bulkBytes / MiB, streamMiB: config.streamBytes / MiB },
    environment: { ...env, loadavgAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
    units: { throughput: 'MB/s = 10^6 bytes/s, payload only', rtt: 'µs' },
    order,
    contenders: Object.fromEntries(columns.map((name) => [name, summaries[name] ?? 'skipped'])),
    ratios: ratioRecord(summaries),
  };
  writeFileSync(RESULTS, `${JSON.stringify(record, null, 2)}\n`);
  console.error(`\nwrote ${RESULTS}`);
}

main().catch((err: unknown) => {
  console.error(`\nbench FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
