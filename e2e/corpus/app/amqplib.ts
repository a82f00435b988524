/**
 * amqplib (the promise API), unmodified: a wrong password, then connect, assertQueue,
 * sendToQueue, consume with ack, a confirm channel's publish, an exchange binding, and a
 * clean close, against the test's RabbitMQ. One message is left in a queue for the test
 * to read from Node (the broker really holds it).
 */
import { Buffer } from 'buffer';
import amqp from 'amqplib';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's RabbitMQ; `keptQueue` gets `keptMessage`, left for the test. */
export interface AmqplibTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly keptQueue: string;
  readonly keptMessage: string;
}

async function run(target: AmqplibTarget) {
  const url = (password: string) => `amqp://${encodeURIComponent(target.user)}:${encodeURIComponent(password)}@${target.host}:${String(target.port)}`;
  const wrongPassword = await amqp.connect(url('not the password')).then(
    async (connection) => {
      await connection.close();
      return 'connected';
    },
    (error: unknown) => errorData(error).message,
  );

  const connection = await amqp.connect(url(target.password));
  const errors: string[] = [];
  connection.on('error', (error: Error) => errors.push(error.message));
  const channel = await connection.createChannel();
  // The channel that the broker closes below (406) emits 'error' too.
  channel.on('error', (error: Error) => errors.push(`channel: ${error.message.split(';')[0] ?? ''}`));
  const queue = await channel.assertQueue('corpus.work', { durable: false, autoDelete: false });
  await channel.purgeQueue(queue.queue);
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  channel.sendToQueue(queue.queue, Buffer.from('héllo ✓'), { contentType: 'text/plain', headers: { 'x-corpus': 'one' } });
  channel.sendToQueue(queue.queue, bytes, { contentType: 'application/octet-stream' });
  const consumed: { text?: string; binaryEqual?: boolean; contentType: string | undefined; redelivered: boolean }[] = [];
  let resolveConsumed: () => void = () => {};
  const allConsumed = new Promise<void>((resolve) => (resolveConsumed = resolve));
  await channel.prefetch(1);
  const { consumerTag } = await channel.consume(queue.queue, (message) => {
    if (message === null) return;
    const { contentType } = message.properties as { contentType?: string };
    consumed.push(
      contentType === 'text/plain'
        ? { text: message.content.toString('utf8'), contentType, redelivered: message.fields.redelivered }
        : { binaryEqual: message.content.equals(bytes), contentType, redelivered: message.fields.redelivered },
    );
    channel.ack(message);
    if (consumed.length === 2) resolveConsumed();
  });
  await allConsumed;
  await channel.cancel(consumerTag);
  const afterAck = await channel.checkQueue(queue.queue);

  // A topic exchange routed to a queue, published on a confirm channel: the broker acks it.
  const confirm = await connection.createConfirmChannel();
  await confirm.assertExchange('corpus.topic', 'topic', { durable: false });
  const kept = await confirm.assertQueue(target.keptQueue, { durable: false, autoDelete: false });
  await confirm.purgeQueue(kept.queue);
  await confirm.bindQueue(kept.queue, 'corpus.topic', 'kept.#');
  const acked = await new Promise<string>((resolve) => {
    confirm.publish('corpus.topic', 'kept.page', Buffer.from(target.keptMessage), { persistent: false }, (error: unknown) => resolve(error === null || error === undefined ? 'acked' : 'nacked'));
  });
  await confirm.waitForConfirms();
  const keptCount = (await confirm.checkQueue(kept.queue)).messageCount;
  // Declaring an existing queue with other arguments: the broker closes the channel (406).
  const channelError = await channel.assertQueue(queue.queue, { durable: true }).then(
    () => 'declared',
    (error: unknown) => errorData(error).message.split(';')[0] ?? '',
  );
  await confirm.close();
  await connection.close();
  return { wrongPassword, queue: queue.queue, consumed, afterAck: afterAck.messageCount, acked, keptCount, channelError, errors };
}

/** The scenario's result, for the test. */
export type AmqplibResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
