/**
 * MQTT.js, unmodified, in Chromium over TCP: the e2e/clients/app mqtt page, built by
 * Vite with the sockway plugin, against a Mosquitto broker the test starts, through a
 * gateway that allows that one host:port.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMosquitto } from '../fixtures/servers/mosquitto.ts';
import type { MqttApp, MqttTarget } from './app/mqtt.ts';
import { scenarioRunner, useClientApp } from './client-app.ts';

const suite = useClientApp('mqtt', startMosquitto);

const run = scenarioRunner<MqttApp>(() => suite.page.page, 'mqttApp');
const target = (): MqttTarget => ({ host: suite.server.host, port: suite.server.port });

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
  assert.deepEqual(await suite.page.problems(), []);
});
