/**
 * The client-library app under `vite dev`, with sockway installed from its tarball (as
 * users get it) into a copy of the app: pg, ioredis and MQTT.js are pre-bundled by Vite's
 * dependency optimizer, where `net`, `tls` and `dns` must stay sockway's (one instance with
 * the app), and the other built-ins must be the plugin's shims. One scenario per library
 * against the real servers; the full suites run on the build.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type ViteDevServer, createServer } from 'vite';
import { type Gateway, createGateway } from '../../gateway/index.ts';
import { launchChromium } from '../fixtures/chromium.ts';
import { type MosquittoServer, startMosquitto } from '../fixtures/servers/mosquitto.ts';
import { type PostgresServer, startPostgres } from '../fixtures/servers/postgres.ts';
import { type RedisServer, startRedis } from '../fixtures/servers/redis.ts';
import { installApp, removeApp } from '../fixtures/installed-package.ts';
import type { RedisApp } from './app/ioredis.ts';
import type { MqttApp } from './app/mqtt.ts';
import type { PgApp } from './app/pg.ts';
import { APP_ROOT, type AppPage, type ClientEntry, openAppPage, scenarioRunner } from './client-app.ts';

let postgres: PostgresServer;
let redis: RedisServer;
let broker: MosquittoServer;
let browser: Browser;
let vite: ViteDevServer;
let gateway: Gateway;
let url: string;
let app: string;
let cacheDir: string;

before(async () => {
  // Assigned one by one, so that after() stops whatever started when another part fails.
  await Promise.all([
    startPostgres().then((started) => (postgres = started)),
    startRedis().then((started) => (redis = started)),
    startMosquitto().then((started) => (broker = started)),
    launchChromium().then((launched) => (browser = launched)),
    // The app's libraries linked from the repository; sockway from its tarball.
    Promise.resolve().then(() => (app = installApp(APP_ROOT, { link: ['pg', 'ioredis', 'mqtt', 'vite'] }))),
  ]);
  cacheDir = join(app, '.vite');
  const { sockway } = (await import(pathToFileURL(join(app, 'node_modules', 'sockway', 'dist', 'vite', 'index.js')).href)) as typeof import('../../vite/index.ts');
  delete process.env['NODE_ENV'];
  vite = await createServer({
    configFile: false,
    root: app,
    cacheDir,
    logLevel: 'warn',
    plugins: [sockway({ gateway: '/sockway' })],
    // All three pages' dependencies in one optimizer run, before the first request.
    optimizeDeps: { entries: ['pg.html', 'ioredis.html', 'mqtt.html'] },
    server: { host: '127.0.0.1', port: 0, hmr: false },
  });
  await vite.listen();
  const httpServer = vite.httpServer;
  if (httpServer === null) throw new Error('vite dev server without an HTTP server');
  // The gateway on the dev server itself, at the plugin's '/sockway'.
  gateway = createGateway({ path: '/sockway', allow: [`127.0.0.1:${String(postgres.port)}`, `127.0.0.1:${String(redis.port)}`, `127.0.0.1:${String(broker.port)}`] });
  gateway.attach(httpServer as http.Server); // plain HTTP/1.1: no https option given
  url = `http://127.0.0.1:${String((httpServer.address() as AddressInfo).port)}/`;
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  await vite?.close();
  await Promise.all([postgres?.close(), redis?.close(), broker?.close()]);
  if (app) removeApp(app);
});

async function withPage<T>(entry: ClientEntry, run: (page: AppPage) => Promise<T>): Promise<T> {
  const page = await openAppPage(browser, url, entry);
  try {
    const result = await run(page);
    assert.deepEqual(await page.problems(), []);
    return result;
  } finally {
    await page.close();
  }
}

test('pg, pre-bundled: SCRAM login, typed rows, and TLS', async () => {
  await withPage('pg', async (page) => {
    const run = scenarioRunner<PgApp>(() => page.page, 'pgApp');
    const base = { host: postgres.host, port: postgres.port, database: postgres.database, ...postgres.scram };
    assert.deepEqual((await run('login', base)).user, 'scram_user');
    const row = await run('types', base);
    assert.equal(row['at'], '2024-02-29T12:34:56.789Z');
    assert.deepEqual(row['tags'], ['a', 'b,c', 'd"e']);
    const tls = await run('login', { ...base, ca: postgres.ca });
    assert.equal(tls.ssl, true);
  });
});

test('ioredis, pre-bundled: AUTH, binary values, a pipeline', async () => {
  await withPage('ioredis', async (page) => {
    const run = scenarioRunner<RedisApp>(() => page.page, 'redisApp');
    const target = { host: redis.host, port: redis.port, password: redis.password };
    assert.equal((await run('auth', target)).ping, 'PONG');
    assert.equal((await run('binary', target))['equal'], true);
    assert.deepEqual(await run('pipeline', target), [[null, 'OK'], [null, 15], [null, '15'], [null, 3], [null, ['a', 'b', 'c']]]);
  });
});

test('MQTT.js, pre-bundled: QoS 1 publish/subscribe over TCP', async () => {
  await withPage('mqtt', async (page) => {
    const run = scenarioRunner<MqttApp>(() => page.page, 'mqttApp');
    const result = await run('publishSubscribe', { host: broker.host, port: broker.port }, 2);
    assert.equal(result.acks, 2);
    assert.deepEqual(result.received.map((message) => [message.payload, message.qos]), [['reading 0 ✓', 1], ['reading 1 ✓', 1]]);
  });
});

test('the pre-bundles hold the shims but no copy of sockway (net/tls/dns stay imports of the app\'s instance)', () => {
  const deps = join(cacheDir, 'deps');
  const files = readdirSync(deps).filter((file) => file.endsWith('.js'));
  assert.ok(files.includes('pg.js') && files.includes('ioredis.js'), `pg and ioredis were pre-bundled: ${files.join(', ')}`);
  const all = files.map((file) => readFileSync(join(deps, file), 'utf8')).join('\n');
  for (const file of files) assert.doesNotMatch(readFileSync(join(deps, file), 'utf8'), /SOCKWAY_ERR_/, `${file} contains sockway's client`);
  assert.match(all, /ERR_CRYPTO_HASH_FINALIZED/, "pg's crypto is sockway's crypto subset");
  assert.match(all, /a native addon; not available in a browser/, 'pg-native is a missing module');
  assert.doesNotMatch(all, /has been externalized for browser compatibility/, "no built-in is left to Vite's empty stub");
});
