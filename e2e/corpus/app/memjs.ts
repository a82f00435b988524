/**
 * memjs (the binary protocol), unmodified: SET/GET of text and binary values, ADD of an
 * existing key, INCREMENT, DELETE, STATS, and a clean close, against the test's memcached.
 */
import { Buffer } from 'buffer';
import memjs from 'memjs';
import { exposeCorpus } from './corpus-page.ts';

/** The test's memcached; `key` is left set to `value` for the test to read from Node. */
export interface MemjsTarget {
  readonly host: string;
  readonly port: number;
  readonly key: string;
  readonly value: string;
}

async function run(target: MemjsTarget) {
  const client = memjs.Client.create(`${target.host}:${String(target.port)}`, { retries: 0, timeout: 5 });
  const text = 'héllo ✓ 🚀';
  await client.set('corpus:memjs:text', text, {});
  const gotText = (await client.get('corpus:memjs:text')).value?.toString('utf8');
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await client.set('corpus:memjs:binary', bytes, {});
  const gotBytes = (await client.get('corpus:memjs:binary')).value;
  const addExisting = await client.add('corpus:memjs:text', 'other', {});
  const counter = [
    await client.increment('corpus:memjs:counter', 5, { initial: 10 }),
    await client.increment('corpus:memjs:counter', 5, {}),
  ].map((result) => result.value);
  const deleted = await client.delete('corpus:memjs:text');
  const afterDelete = (await client.get('corpus:memjs:text')).value;
  const stats = await new Promise<Record<string, string>>((resolve, reject) =>
    client.stats((error, _server, values) => (error === null ? resolve(values) : reject(error))),
  );
  await client.set(target.key, target.value, {});
  client.close();
  return {
    gotText,
    binary: { isBuffer: Buffer.isBuffer(gotBytes), equal: gotBytes !== null && gotBytes.equals(bytes) },
    addExisting,
    counter,
    deleted,
    afterDelete,
    statsHasVersion: typeof stats['version'] === 'string',
  };
}

/** The scenario's result, for the test. */
export type MemjsResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
