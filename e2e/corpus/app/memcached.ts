/**
 * memcached (3rd-Eden's, the text protocol), unmodified: SET/GET of strings and JSON,
 * GETS + CAS, ADD of an existing key, INCR, multi-GET, DEL, VERSION and a clean close,
 * against the test's memcached.
 */
import Memcached from 'memcached';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's memcached; `key` is left set to `value` for the test to read from Node. */
export interface MemcachedTarget {
  readonly host: string;
  readonly port: number;
  readonly key: string;
  readonly value: string;
}

/** One callback-style call as a promise. */
function call<T>(start: (callback: (error: Error | undefined, result: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, result) => (error === undefined || error === null ? resolve(result) : reject(error))));
}

async function run(target: MemcachedTarget) {
  const issues: string[] = [];
  const memcached = new Memcached(`${target.host}:${String(target.port)}`, { retries: 0, timeout: 5000 });
  memcached.on('issue', (details) => issues.push(JSON.stringify(details)));
  memcached.on('failure', (details) => issues.push(`failure ${JSON.stringify(details)}`));
  const text = 'héllo ✓ 🚀';
  await call<boolean>((done) => memcached.set('corpus:mc:text', text, 60, done));
  const gotText = await call((done) => memcached.get('corpus:mc:text', done));
  await call<boolean>((done) => memcached.set('corpus:mc:json', { list: [1, 'two', null], n: 3.5 }, 60, done));
  const gotJson = await call((done) => memcached.get('corpus:mc:json', done));
  const gets = await call<Record<string, unknown> & { cas: string }>((done) => memcached.gets('corpus:mc:text', done));
  const casOk = await call<boolean>((done) => memcached.cas('corpus:mc:text', 'swapped', gets.cas, 60, done));
  const casStale = await call<boolean>((done) => memcached.cas('corpus:mc:text', 'again', gets.cas, 60, done));
  const addExisting = await call<boolean>((done) => memcached.add('corpus:mc:text', 'other', 60, done)).catch((error: unknown) => errorData(error).message);
  await call<boolean>((done) => memcached.set('corpus:mc:counter', 10, 60, done));
  const incr = await call((done) => memcached.incr('corpus:mc:counter', 5, done));
  const multi = await call((done) => memcached.getMulti(['corpus:mc:text', 'corpus:mc:counter', 'corpus:mc:none'], done));
  const deleted = await call<boolean>((done) => memcached.del('corpus:mc:text', done));
  const afterDelete = await call((done) => memcached.get('corpus:mc:text', done));
  const version = await call<{ server: string; version: string }[]>((done) => memcached.version(done));
  await call<boolean>((done) => memcached.set(target.key, target.value, 60, done));
  memcached.end();
  return { gotText, gotJson, casOk, casStale, addExisting, incr, multi, deleted, afterDelete: afterDelete ?? null, versionIsString: typeof version[0]?.version === 'string', issues };
}

/** The scenario's result, for the test. */
export type MemcachedResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
