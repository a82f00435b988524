/**
 * `npm run bench:load`: many sessions of many streams against one gateway CLI, then against
 * three behind nginx (bench/load/). Prints a Markdown table and writes
 * bench/results/load-latest.json. It is a benchmark, not a test (bench/load.test.ts runs
 * it at a tiny size so it cannot rot).
 *
 * Flags: --sessions N (1000), --streams N (10 per session), --stream-kib N (64: echoed
 * through every stream), --clients N (2 client processes), --in-flight N (64 opens at once
 * per client process), --target single|nginx|both (both), --instances N (3, behind nginx),
 * --out FILE (bench/results/load-latest.json; '-' writes none).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSingleGateway, type StartDeployment } from './load/deployment.ts';
import { nginxFleet } from './load/nginx-fleet.ts';
import { capacity, formatCapacity, formatLoadReport, runLoad, type LoadOptions, type LoadResult } from './load/run-load.ts';

const DEFAULT_OUT = fileURLToPath(new URL('./results/load-latest.json', import.meta.url));

function count(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} ${raw}: expected a whole number >= ${min}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      streams: { type: 'string' },
      'stream-kib': { type: 'string' },
      clients: { type: 'string' },
      'in-flight': { type: 'string' },
      target: { type: 'string' },
      instances: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const options: LoadOptions = {
    sessions: count('sessions', values.sessions, 1000, 1),
    streams: count('streams', values.streams, 10, 1),
    streamBytes: count('stream-kib', values['stream-kib'], 64, 0) * 1024,
    clients: count('clients', values.clients, 2, 1),
    inFlight: count('in-flight', values['in-flight'], 64, 1),
    phaseTimeoutMs: 300_000,
  };
  const instances = count('instances', values.instances, 3, 1);
  const target = values.target ?? 'both';
  const targets: [string, StartDeployment][] = [];
  if (target === 'single' || target === 'both') targets.push(['single', startSingleGateway]);
  if (target === 'nginx' || target === 'both') targets.push(['nginx', nginxFleet(instances)]);
  if (targets.length === 0) throw new Error(`--target ${target}: expected single, nginx or both`);

  const load = os.loadavg()[0] ?? 0;
  if (load > 0.5) console.error(`warning: load average ${load.toFixed(2)} before start; other work will skew the figures`);
  const results: LoadResult[] = [];
  for (const [name, start] of targets) {
    console.error(`\n${name}: ${options.sessions} sessions × ${options.streams} streams, ${options.streamBytes / 1024} KiB echoed per stream, ${options.clients} client processes`);
    const result = await runLoad(options, start, (line) => console.error(`  ${line}`));
    results.push(result);
    if (result.errors > 0) console.error(`  ${result.errors} errors, e.g.:\n    ${result.errorSamples.join('\n    ')}`);
  }

  const cpus = os.cpus();
  const environment = { node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)), loadavgAtStart: load };
  console.log(`\n### sockway load test (${environment.node}, ${environment.cpus} × ${environment.cpuModel}; clients, echo server and gateways on one host)\n`);
  console.log(formatLoadReport(results));
  console.log(`\nCapacity (gateway RSS above the idle processes, gateway CPU alone; with several instances, all of them together):\n`);
  console.log(formatCapacity(results));
  const out = values.out ?? DEFAULT_OUT;
  if (out !== '-') {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), environment, results: results.map((result) => ({ ...result, capacity: capacity(result) })) }, null, 2)}\n`);
    console.error(`\nwrote ${out}`);
  }
  if (results.some((result) => result.errors > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`\nbench:load FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
