/**
 * ioredis, unmodified, in Chromium: the e2e/clients/app ioredis page, built by Vite
 * with the sockway plugin, against a redis-server the test starts (requirepass),
 * through a gateway that allows that one host:port.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRedis } from '../fixtures/servers/redis.ts';
import type { RedisApp, RedisTarget } from './app/ioredis.ts';
import { scenarioRunner, useClientApp } from './client-app.ts';

const suite = useClientApp('ioredis', startRedis);

const run = scenarioRunner<RedisApp>(() => suite.page.page, 'redisApp');
const target = (): RedisTarget => ({ host: suite.server.host, port: suite.server.port, password: suite.server.password });

test('the build names no Node built-in as externalized for the browser', () => {
  assert.deepEqual(suite.app.warnings.filter((warning) => /externalized for browser compatibility/.test(warning)), []);
});

test('AUTH with requirepass; a wrong or missing password is refused', async () => {
  const result = await run('auth', target());
  assert.equal(result.ping, 'PONG');
  assert.match(result.wrongPassword, /^Connection is closed\. \/ WRONGPASS invalid username-password pair/);
  assert.match(result.noPassword, /^Connection is closed\. \/ NOAUTH /);
});

test('SET/GET of a Buffer holding all 256 byte values, and of a multi-byte string', async () => {
  assert.deepEqual(await run('binary', target()), { isBuffer: true, length: 256, equal: true, strlen: 256, text: 'héllo ✓ 🚀', textBytes: 15 });
});

test('a pipeline: replies in order', async () => {
  assert.deepEqual(await run('pipeline', target()), [
    [null, 'OK'],
    [null, 15],
    [null, '15'],
    [null, 3],
    [null, ['a', 'b', 'c']],
  ]);
});

test('MULTI/EXEC commits; WATCH on a key changed by another connection aborts (null)', async () => {
  assert.deepEqual(await run('multi', target()), {
    committed: [
      [null, 'OK'],
      [null, 70],
      [null, '70'],
    ],
    aborted: null,
  });
});

test('a Lua command via defineCommand', async () => {
  assert.deepEqual(await run('lua', target()), { first: 42, second: 100, stored: '50' });
});

test('pub/sub: SUBSCRIBE and PSUBSCRIBE get what another connection PUBLISHes', async () => {
  const result = await run('pubsub', target());
  assert.deepEqual(result.receivers, [1, 1, 1, 1]);
  assert.deepEqual(result.messages, [
    ['message', 'news', 'hello'],
    ['pmessage', 'sensor.*', 'sensor.temperature', '21.5'],
    ['message', 'news', 'ünïcode ✓'],
    ['pmessage', 'sensor.*', 'sensor.humidity', '40'],
  ]);
});

test('no uncaught errors and no CSP violation (the page runs without unsafe-eval)', async () => {
  assert.deepEqual(await suite.page.problems(), []);
});
