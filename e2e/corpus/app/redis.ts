/**
 * redis (node-redis), unmodified: AUTH, strings, binary values, MULTI, pub/sub between
 * two connections, and a clean close, against the test's redis-server.
 */
import { Buffer } from 'buffer';
import { RESP_TYPES, createClient } from 'redis';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's Redis. */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

// No reconnects: a failure should fail the scenario, not loop.
const client = (target: RedisTarget, password = target.password) =>
  createClient({ socket: { host: target.host, port: target.port, reconnectStrategy: false }, password });

async function run(target: RedisTarget) {
  const wrong = client(target, 'not the password');
  wrong.on('error', () => {});
  const wrongPassword = await wrong.connect().then(
    () => 'connected',
    (error: unknown) => errorData(error).message,
  );

  const redis = client(target);
  const errors: string[] = [];
  redis.on('error', (error: Error) => errors.push(error.message));
  await redis.connect();
  const ping = await redis.ping();
  await redis.set('corpus:redis:text', 'héllo ✓ 🚀');
  const text = await redis.get('corpus:redis:text');
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await redis.set('corpus:redis:binary', bytes);
  const back = await redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get('corpus:redis:binary');
  const multi = await redis.multi().set('corpus:redis:counter', '10').incrBy('corpus:redis:counter', 5).get('corpus:redis:counter').exec();
  await redis.hSet('corpus:redis:hash', { a: '1', b: 'two' });
  const hash = await redis.hGetAll('corpus:redis:hash');

  const subscriber = redis.duplicate();
  subscriber.on('error', (error: Error) => errors.push(`subscriber: ${error.message}`));
  await subscriber.connect();
  const messages: string[][] = [];
  let resolveReceived: () => void = () => {};
  const received = new Promise<void>((resolve) => (resolveReceived = resolve));
  const listener = (message: string, channel: string): void => {
    messages.push([channel, message]);
    if (messages.length === 2) resolveReceived();
  };
  // Each resolves once the server acknowledged the subscription.
  await subscriber.subscribe('corpus:news', listener);
  await subscriber.pSubscribe('corpus:sensor.*', listener);
  const receivers = [await redis.publish('corpus:news', 'hello ✓'), await redis.publish('corpus:sensor.temp', '21.5')];
  await received;
  await subscriber.close();
  await redis.close();
  return {
    wrongPassword,
    ping,
    text,
    binary: { isBuffer: Buffer.isBuffer(back), equal: Buffer.isBuffer(back) && back.equals(bytes) },
    multi,
    hash: { ...hash },
    receivers,
    messages,
    isOpen: [redis.isOpen, subscriber.isOpen],
    errors,
  };
}

/** The scenario's result, for the test. */
export type RedisResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
