/**
 * amqplib, unmodified in Chromium, against a RabbitMQ node (user and password) the test
 * starts. The page leaves a message in a queue; Node reads it from the broker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import amqp from 'amqplib';
import { startRabbitmq } from '../fixtures/servers/rabbitmq.ts';
import type { AmqplibResult, AmqplibTarget } from './app/amqplib.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => {
  const started = performance.now();
  const rabbitmq = await startRabbitmq();
  process.stderr.write(`RabbitMQ started in ${(performance.now() - started).toFixed(0)} ms\n`);
  return oneServer('rabbitmq', rabbitmq);
});

test('amqplib: a wrong password, queues, publish and consume with ack, a confirm channel, a channel error, close; the message is in RabbitMQ', async () => {
  assert.equal(suite.library('amqplib').status, 'works');
  const { rabbitmq } = suite.servers;
  const page = await suite.page('amqplib');
  const target: AmqplibTarget = { host: '127.0.0.1', port: rabbitmq.port, user: rabbitmq.user, password: rabbitmq.password, keptQueue: 'corpus.kept', keptMessage: 'from the page ✓' };
  const result = await page.run<AmqplibResult>(target);
  assert.deepEqual(result, {
    wrongPassword: 'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."',
    queue: 'corpus.work',
    consumed: [
      { text: 'héllo ✓', contentType: 'text/plain', redelivered: false },
      { binaryEqual: true, contentType: 'application/octet-stream', redelivered: false },
    ],
    afterAck: 0,
    acked: 'acked',
    keptCount: 1,
    channelError: "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'corpus.work' in vhost '/': received 'true' but current is 'false'\"".split(';')[0],
    errors: [`channel: Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'corpus.work' in vhost '/': received 'true' but current is 'false'"`],
  });
  // The broker holds the page's message: Node gets it.
  const connection = await amqp.connect(`amqp://${encodeURIComponent(rabbitmq.user)}:${encodeURIComponent(rabbitmq.password)}@127.0.0.1:${String(rabbitmq.port)}`);
  try {
    const channel = await connection.createChannel();
    const message = await channel.get(target.keptQueue, { noAck: true });
    assert.ok(message !== false, 'the kept message is in the queue');
    assert.equal(message.content.toString('utf8'), target.keptMessage);
    assert.equal(message.fields.routingKey, 'kept.page');
  } finally {
    await connection.close();
  }
  assert.deepEqual(await page.problems(), []);
});
