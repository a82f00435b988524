/**
 * nats (nats.js), unmodified in Chromium, against a nats-server (user and password) the
 * test starts. A responder in Node answers the page's request: the page's messages went
 * through the real server to another client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NatsConnection, StringCodec, connect } from 'nats';
import { startNats } from '../fixtures/servers/nats.ts';
import type { NatsResult, NatsTarget } from './app/nats.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('nats', await startNats()));

test('nats: a wrong password, login, publish/subscribe, request/reply (also to Node), no responders, drain', async () => {
  assert.equal(suite.library('nats').status, 'works');
  const { nats } = suite.servers;
  const node: NatsConnection = await connect({ servers: `127.0.0.1:${String(nats.port)}`, user: nats.user, pass: nats.password });
  const sc = StringCodec();
  const heard: string[] = [];
  node.subscribe('corpus.node', { callback: (_error, msg) => {
    heard.push(sc.decode(msg.data));
    msg.respond(sc.encode(`node heard: ${sc.decode(msg.data)}`));
  } });
  await node.flush();
  try {
    const page = await suite.page('nats');
    const target: NatsTarget = { host: '127.0.0.1', port: nats.port, user: nats.user, password: nats.password, nodeSubject: 'corpus.node' };
    assert.deepEqual(await page.run<NatsResult>(target), {
      wrongPassword: { name: 'NatsError', code: 'AUTHORIZATION_VIOLATION', message: "'Authorization Violation'" },
      received: [['corpus.sensor.temp', '21.5 °C'], ['corpus.sensor.wind', '12 km/h']],
      reply: 'echo: héllo ✓',
      fromNode: 'node heard: from the page ✓',
      noResponders: '503',
      serverInfo: { hasVersion: true, authRequired: true },
      subscriptionsClosed: [true, true],
      isClosed: true,
      closeError: null,
    });
    assert.deepEqual(heard, ['from the page ✓']);
    assert.deepEqual(await page.problems(), []);
  } finally {
    await node.close();
  }
});
