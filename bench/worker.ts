/**
 * The client process of one contender. Forked once per bench run by run.ts with
 * a JSON `WorkerInit` in argv[2]; it starts the contender (which starts its own
 * relay/gateway process), preflights it, then answers run.ts's IPC requests one
 * at a time. Processes stay up across repetitions on purpose: a fresh Node
 * process on this VM needs ~0.5 GiB of traffic before throughput stops climbing
 * (JIT, heap sizing), so fresh-per-run processes would measure warm-up.
 */
import type { ContenderInstance, Target } from './lib/contender.ts';
import { measureAll, preflight, type MeasureOptions, type RunResult } from './lib/measure.ts';
import { isContenderName, loadContender } from './contenders/index.ts';

/** What run.ts passes in argv[2]. */
export interface WorkerInit {
  contender: string;
  target: Target;
  options: MeasureOptions;
}

/** run.ts → worker. */
export type WorkerRequest = { type: 'measure' } | { type: 'stop' };

/** worker → run.ts: exactly one `ready` or `failure` after start, then one reply per request. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; result: RunResult }
  | { type: 'stopped' }
  | { type: 'failure'; message: string };

function send(message: WorkerReply): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else {
      console.log(JSON.stringify(message));
      resolve();
    }
  });
}

const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

async function fail(err: unknown, instance: ContenderInstance | undefined): Promise<never> {
  await send({ type: 'failure', message: describe(err) });
  await instance?.close().catch(() => {});
  process.exit(1);
}

async function main(): Promise<void> {
  const init = JSON.parse(process.argv[2] ?? '') as WorkerInit;
  if (!isContenderName(init.contender)) throw new Error(`unknown contender ${init.contender}`);
  const contender = await loadContender(init.contender);
  const instance = await contender.start(init.target);
  try {
    await preflight(instance);
  } catch (err) {
    return fail(err, instance);
  }
  // The parent going away (crash, Ctrl-C) must not leave relays behind.
  process.on('disconnect', () => {
    void instance.close().finally(() => process.exit(1));
  });
  let busy = Promise.resolve();
  process.on('message', (message: WorkerRequest) => {
    busy = busy.then(async () => {
      if (message.type === 'stop') {
        await instance.close();
        await send({ type: 'stopped' });
        process.exit(0);
      }
      try {
        await send({ type: 'result', result: await measureAll(instance, init.options) });
      } catch (err) {
        await fail(err, instance);
      }
    });
  });
  await send({ type: 'ready' });
}

main().catch((err: unknown) => fail(err, undefined));
