/**
 * One client process = one contender × one repetition (fresh process each time,
 * as in protocol-design.md §5). Forked by run.ts with a JSON job in argv[2];
 * answers with one IPC message and exits.
 */
import type { Target } from './lib/contender.ts';
import { measureAll, preflight, type MeasureOptions, type RunResult } from './lib/measure.ts';
import { isContenderName, loadContender } from './contenders/index.ts';

/** What run.ts asks a worker to do. */
export interface WorkerJob {
  kind: 'preflight' | 'measure';
  contender: string;
  target: Target;
  options: MeasureOptions;
}

/** What a worker answers. */
export type WorkerReply = { type: 'result'; result: RunResult | null } | { type: 'failure'; message: string };

async function main(): Promise<RunResult | null> {
  const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
  if (!isContenderName(job.contender)) throw new Error(`unknown contender ${job.contender}`);
  const contender = await loadContender(job.contender);
  const instance = await contender.start(job.target);
  try {
    if (job.kind === 'preflight') {
      await preflight(instance);
      return null;
    }
    return await measureAll(instance, job.options);
  } finally {
    await instance.close();
  }
}

function reply(message: WorkerReply, code: number): void {
  if (process.send) process.send(message, () => process.exit(code));
  else {
    console.log(JSON.stringify(message));
    process.exit(code);
  }
}

main().then(
  (result) => reply({ type: 'result', result }, 0),
  (err: unknown) => reply({ type: 'failure', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 1),
);
