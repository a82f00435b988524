/**
 * ioredis, unmodified, in a page: each scenario is what an app would write, run by
 * e2e/clients/ioredis.e2e.ts through page.evaluate(). Results are plain data.
 */
import { Buffer } from 'buffer';
import { Redis } from 'ioredis';

/** Where to connect and the password (from the test's Redis fixture). */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

// No retries: a failure should fail the scenario, not loop.
const connect = (target: RedisTarget): Redis => new Redis({ ...target, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });

async function withRedis<T>(target: RedisTarget, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = connect(target);
  await redis.connect();
  try {
    return await run(redis);
  } finally {
    await redis.quit();
  }
}

const app = {
  /** AUTH with the password, PING; a wrong password: its error. */
  async auth(target: RedisTarget): Promise<{ ping: string; wrongPassword: string; noPassword: string }> {
    const ping = await withRedis(target, (redis) => redis.ping());
    // As in Node: connect() rejects with 'Connection is closed.', the server's reply comes as an 'error' event.
    const failure = async (password: string): Promise<string> => {
      const redis = connect({ ...target, password });
      const errors: string[] = [];
      redis.on('error', (error: Error) => errors.push(error.message));
      try {
        await redis.connect();
        return `connected, PING says ${await redis.ping()}`;
      } catch (error) {
        return `${(error as Error).message} / ${errors.join(' / ')}`;
      } finally {
        redis.disconnect();
      }
    };
    return { ping, wrongPassword: await failure('not the password'), noPassword: await failure('') };
  },

  /** SET a Buffer of all 256 byte values (and a string with multi-byte characters), GET them back. */
  async binary(target: RedisTarget): Promise<Record<string, unknown>> {
    return withRedis(target, async (redis) => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await redis.set('binary', bytes);
      const back = await redis.getBuffer('binary');
      await redis.set('text', 'héllo ✓ 🚀');
      return {
        isBuffer: Buffer.isBuffer(back),
        length: back?.length,
        equal: back !== null && back.equals(bytes),
        strlen: await redis.strlen('binary'),
        text: await redis.get('text'),
        textBytes: await redis.strlen('text'),
      };
    });
  },

  /** A pipeline: one write of several commands, replies in order. */
  async pipeline(target: RedisTarget): Promise<unknown> {
    return withRedis(target, async (redis) => {
      await redis.del('counter', 'list');
      return redis.pipeline().set('counter', 10).incrby('counter', 5).get('counter').rpush('list', 'a', 'b', 'c').lrange('list', 0, -1).exec();
    });
  },

  /** MULTI/EXEC: queued commands applied together; a WATCHed key changed elsewhere aborts it. */
  async multi(target: RedisTarget): Promise<{ committed: unknown; aborted: unknown }> {
    return withRedis(target, async (redis) => {
      await redis.del('account');
      const committed = await redis.multi().set('account', 100).decrby('account', 30).get('account').exec();
      await redis.watch('account');
      await withRedis(target, (other) => other.set('account', 0));
      const aborted = await redis.multi().decrby('account', 30).exec();
      return { committed, aborted };
    });
  },

  /** A Lua command defined with defineCommand, run with EVALSHA (then EVAL on NOSCRIPT). */
  async lua(target: RedisTarget): Promise<{ first: unknown; second: unknown; stored: string | null }> {
    return withRedis(target, async (redis) => {
      redis.defineCommand('setAndDouble', {
        numberOfKeys: 1,
        lua: "redis.call('SET', KEYS[1], ARGV[1]); return tonumber(ARGV[1]) * 2",
      });
      const custom = redis as Redis & { setAndDouble(key: string, value: number): Promise<number> };
      const first = await custom.setAndDouble('lua-key', 21);
      const second = await custom.setAndDouble('lua-key', 50);
      return { first, second, stored: await redis.get('lua-key') };
    });
  },

  /** SUBSCRIBE on one connection (and PSUBSCRIBE), PUBLISH from another. */
  async pubsub(target: RedisTarget): Promise<{ messages: string[][]; receivers: number[] }> {
    const subscriber = connect(target);
    await subscriber.connect();
    try {
      const messages: string[][] = [];
      const done = new Promise<void>((resolve) => {
        const record = (entry: string[]): void => {
          messages.push(entry);
          if (messages.length === 4) resolve();
        };
        subscriber.on('message', (channel: string, message: string) => record(['message', channel, message]));
        subscriber.on('pmessage', (pattern: string, channel: string, message: string) => record(['pmessage', pattern, channel, message]));
      });
      await subscriber.subscribe('news');
      await subscriber.psubscribe('sensor.*');
      const receivers = await withRedis(target, async (publisher) => [
        await publisher.publish('news', 'hello'),
        await publisher.publish('sensor.temperature', '21.5'),
        await publisher.publish('news', 'ünïcode ✓'),
        await publisher.publish('sensor.humidity', '40'),
      ]);
      await done;
      return { messages, receivers };
    } finally {
      subscriber.disconnect();
    }
  },
};

/** The scenarios, on globalThis for page.evaluate(). */
export type RedisApp = typeof app;
(globalThis as unknown as { redisApp: RedisApp }).redisApp = app;
document.getElementById('status')!.textContent = 'ready';
