/**
 * MQTT.js, unmodified, in Chromium over TCP: the e2e/clients/app mqtt page, built by
 * Vite with the sockway plugin, against a Mosquitto broker the test starts, through a
 * gateway that allows that one host:port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../fixtures/chromium.ts';
import { type MosquittoServer, startMosquitto } from '../fixtures/servers/mosquitto.ts';
import type { MqttApp, MqttTarget } from './app/mqtt.ts';
import { type AppPage, type AppServer, type BuiltApp, buildClientApp, kib, openAppPage, removeClientApp, scenarioRunner, serveClientApp } from './client-app.ts';

let broker: MosquittoServer;
let app: BuiltApp;
let server: AppServer;
let browser: Browser;
let page: AppPage;

before(async () => {
  // Assigned one by one, so that after() stops whatever started when another part fails.
  await Promise.all([
    startMosquitto().then((started) => (broker = started)),
    buildClientApp('mqtt').then((built) => (app = built)),
    launchChromium().then((launched) => (browser = launched)),
  ]);
  process.stderr.write(`mqtt page bundle: ${kib(app.jsBytes)} minified, ${kib(app.jsGzip)} gzip\n`);
  server = await serveClientApp(app.outDir, { allow: [`127.0.0.1:${String(broker.port)}`] });
  page = await openAppPage(browser, server.url, 'mqtt');
});

after(async () => {
  await page?.close();
  await browser?.close();
  await server?.close();
  await broker?.close();
  removeClientApp(app);
});

const run = scenarioRunner<MqttApp>(() => page.page, 'mqttApp');
const target = (): MqttTarget => ({ host: broker.host, port: broker.port });

test('MQTT 5 over TCP: subscribe and publish with QoS 1, every PUBACK and every message arrives', async () => {
  const result = await run('publishSubscribe', target(), 6);
  assert.deepEqual(result.granted, [{ topic: 'sensors/+/reading', qos: 1 }]);
  assert.equal(result.acks, 6);
  assert.deepEqual(
    result.received,
    Array.from({ length: 6 }, (_, i) => ({
      topic: `sensors/${i % 2 === 0 ? 'a' : 'b'}/reading`,
      payload: `reading ${String(i)} ✓`,
      qos: 1,
      retain: false,
      userProperties: { seq: String(i) },
    })),
  );
});

test('MQTT 3.1.1: a retained QoS 1 message reaches a later subscriber', async () => {
  assert.deepEqual(await run('retained', target()), { topic: 'status/gateway', payload: 'online', qos: 1, retain: true });
});

test('no uncaught errors and no CSP violation (the page runs without unsafe-eval)', async () => {
  assert.deepEqual(await page.problems(), []);
});
