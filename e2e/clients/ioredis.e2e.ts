/**
 * ioredis, unmodified, in Chromium: the e2e/clients/app ioredis page, built by Vite
 * with the sockway plugin, against a redis-server the test starts (requirepass),
 * through a gateway that allows that one host:port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../fixtures/chromium.ts';
import { type RedisServer, startRedis } from '../fixtures/servers/redis.ts';
import type { RedisApp, RedisTarget } from './app/ioredis.ts';
import { type AppPage, type AppServer, type BuiltApp, buildClientApp, kib, openAppPage, removeClientApp, scenarioRunner, serveClientApp } from './client-app.ts';

let redis: RedisServer;
let app: BuiltApp;
let server: AppServer;
let browser: Browser;
let page: AppPage;

before(async () => {
  // Assigned one by one, so that after() stops whatever started when another part fails.
  await Promise.all([
    startRedis().then((started) => (redis = started)),
    buildClientApp('ioredis').then((built) => (app = built)),
    launchChromium().then((launched) => (browser = launched)),
  ]);
  process.stderr.write(`ioredis page bundle: ${kib(app.jsBytes)} minified, ${kib(app.jsGzip)} gzip\n`);
  server = await serveClientApp(app.outDir, { allow: [`127.0.0.1:${String(redis.port)}`] });
  page = await openAppPage(browser, server.url, 'ioredis');
});

after(async () => {
  await page?.close();
  await browser?.close();
  await server?.close();
  await redis?.close();
  removeClientApp(app);
});

const run = scenarioRunner<RedisApp>(() => page.page, 'redisApp');
const target = (): RedisTarget => ({ host: redis.host, port: redis.port, password: redis.password });

test('the build names no Node built-in as externalized for the browser', () => {
  assert.deepEqual(app.warnings.filter((warning) => /externalized for browser compatibility/.test(warning)), []);
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
  assert.deepEqual(await page.problems(), []);
});
