/**
 * The Redis libraries of the corpus (redis, i.e. node-redis), unmodified in Chromium,
 * against one redis-server (requirepass) the test starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedis } from '../fixtures/servers/redis.ts';
import type { RedisResult, RedisTarget } from './app/redis.ts';
import { useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => {
  const redis = await startRedis();
  return { redis, allow: [`127.0.0.1:${String(redis.port)}`], close: () => redis.close() };
});

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
