/**
 * The Redis libraries of the corpus (redis, i.e. node-redis; bullmq, on ioredis),
 * unmodified in Chromium, against one redis-server (requirepass) the test starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis } from '../fixtures/servers/redis.ts';
import type { BullmqResult, BullmqTarget } from './app/bullmq.ts';
import type { RedisResult, RedisTarget } from './app/redis.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('redis', await startRedis()));

const target = (): RedisTarget => ({ host: '127.0.0.1', port: suite.servers.redis.port, password: suite.servers.redis.password });

test('redis (node-redis): AUTH, strings, binary, MULTI, hashes, pub/sub, close', async () => {
  assert.equal(suite.library('redis').status, 'works');
  const page = await suite.page('redis');
  const result = await page.run<RedisResult>(target());
  assert.deepEqual(result, {
    wrongPassword: 'WRONGPASS invalid username-password pair or user is disabled.',
    ping: 'PONG',
    text: 'héllo ✓ 🚀',
    binary: { isBuffer: true, equal: true },
    multi: ['OK', 15, '15'],
    hash: { a: '1', b: 'two' },
    receivers: [1, 1],
    messages: [['corpus:news', 'hello ✓'], ['corpus:sensor.temp', '21.5']],
    isOpen: [false, false],
    errors: [],
  });
  assert.deepEqual(await page.problems(), []);
});

test('bullmq: a Queue adds jobs, a Worker in the page runs them (one retried), QueueEvents sees them; the results are in Redis', async () => {
  assert.equal(suite.library('bullmq').status, 'works');
  const page = await suite.page('bullmq');
  const result = await page.run<BullmqResult>({ ...target(), queue: 'corpus' } satisfies BullmqTarget);
  assert.deepEqual(result, {
    returnValues: [{ sum: 3, text: 'add ✓' }, { sum: 42, text: 'add ✓' }, { sum: 10, text: 'flaky ✓' }],
    completedEvents: ['one', 'three', 'two'],
    attempts: ['add#0', 'add#0', 'flaky#0', 'flaky#1'],
    failed: ['flaky: first attempt fails'],
    counts: { completed: 3, failed: 0, waiting: 0, active: 0 },
    errors: [],
  });
  const redis = new Redis({ ...target(), lazyConnect: true });
  try {
    await redis.connect();
    assert.equal(await redis.hget('bull:corpus:two', 'returnvalue'), JSON.stringify({ sum: 42, text: 'add ✓' }), 'the job and its result are in Redis');
  } finally {
    await redis.quit();
  }
  assert.deepEqual(await page.problems(), []);
});
