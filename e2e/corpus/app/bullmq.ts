/**
 * bullmq, unmodified: a Queue adds jobs, a Worker in the same page processes them (its
 * blocking BZPOPMIN / Lua scripts on ioredis), one job fails and is retried, QueueEvents
 * sees the completions, and everything closes; against the test's redis-server.
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { exposeCorpus } from './corpus-page.ts';

/** The test's Redis, and the queue's name (the test reads the jobs back from Node). */
export interface BullmqTarget {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly queue: string;
}

async function run(target: BullmqTarget) {
  // bullmq's workers need maxRetriesPerRequest: null (blocking commands); no reconnects in a test.
  const connection = { host: target.host, port: target.port, password: target.password, maxRetriesPerRequest: null, retryStrategy: () => null };
  const errors: string[] = [];
  const queue = new Queue(target.queue, { connection });
  const events = new QueueEvents(target.queue, { connection });
  queue.on('error', (error) => errors.push(`queue: ${error.message}`));
  events.on('error', (error) => errors.push(`events: ${error.message}`));
  await events.waitUntilReady();

  const completedEvents: string[] = [];
  const allDone = new Promise<void>((resolve) => {
    events.on('completed', ({ jobId }) => {
      completedEvents.push(jobId);
      if (completedEvents.length === 3) resolve();
    });
  });
  const attempts: string[] = [];
  const worker = new Worker(
    target.queue,
    async (job) => {
      attempts.push(`${job.name}#${String(job.attemptsMade)}`);
      if (job.name === 'flaky' && job.attemptsMade === 0) throw new Error('first attempt fails');
      return { sum: (job.data as { a: number; b: number }).a + (job.data as { a: number; b: number }).b, text: `${job.name} ✓` };
    },
    { connection, concurrency: 1 },
  );
  worker.on('error', (error) => errors.push(`worker: ${error.message}`));
  const failed: string[] = [];
  worker.on('failed', (job, error) => failed.push(`${job?.name ?? '?'}: ${error.message}`));

  const jobs = [
    await queue.add('add', { a: 1, b: 2 }, { jobId: 'one' }),
    await queue.add('add', { a: 40, b: 2 }, { jobId: 'two' }),
    await queue.add('flaky', { a: 5, b: 5 }, { jobId: 'three', attempts: 2 }),
  ];
  await allDone;
  const returnValues = await Promise.all(jobs.map(async (job) => (await queue.getJob(job.id!))?.returnvalue as unknown));
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
  await worker.close();
  await events.close();
  await queue.close();
  return { returnValues, completedEvents: completedEvents.sort(), attempts, failed, counts, errors };
}

/** The scenario's result, for the test. */
export type BullmqResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
