/**
 * The memcached libraries of the corpus (memjs: binary protocol; memcached: text
 * protocol), unmodified in Chromium, against one memcached the test starts. Each page
 * leaves a key set; the test reads it from Node (the value really is in the server).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import memjs from 'memjs';
import { startMemcached } from '../fixtures/servers/memcached.ts';
import type { MemcachedResult, MemcachedTarget } from './app/memcached.ts';
import type { MemjsResult, MemjsTarget } from './app/memjs.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('memcached', await startMemcached()));

/** The value of `key` as Node reads it (memjs in Node). */
async function readFromNode(key: string): Promise<string | undefined> {
  const client = memjs.Client.create(`127.0.0.1:${String(suite.servers.memcached.port)}`, { retries: 0 });
  try {
    return (await client.get(key)).value?.toString('utf8');
  } finally {
    client.close();
  }
}

test('memjs: SET/GET text and binary, ADD, INCREMENT, DELETE, STATS, close; the value is in memcached', async () => {
  assert.equal(suite.library('memjs').status, 'works');
  const page = await suite.page('memjs');
  const target: MemjsTarget = { host: '127.0.0.1', port: suite.servers.memcached.port, key: 'corpus:memjs:kept', value: 'from the page ✓' };
  assert.deepEqual(await page.run<MemjsResult>(target), {
    gotText: 'héllo ✓ 🚀',
    binary: { isBuffer: true, equal: true },
    addExisting: false,
    counter: [10, 15],
    deleted: true,
    afterDelete: null,
    statsHasVersion: true,
  });
  assert.equal(await readFromNode(target.key), target.value);
  assert.deepEqual(await page.problems(), []);
});

test('memcached: SET/GET strings and JSON, GETS/CAS, ADD, INCR, multi-GET, DEL, VERSION, end; the value is in memcached', async () => {
  assert.equal(suite.library('memcached').status, 'works');
  const page = await suite.page('memcached');
  const target: MemcachedTarget = { host: '127.0.0.1', port: suite.servers.memcached.port, key: 'corpus:mc:kept', value: 'from the page ✓' };
  assert.deepEqual(await page.run<MemcachedResult>(target), {
    gotText: 'héllo ✓ 🚀',
    gotJson: { list: [1, 'two', null], n: 3.5 },
    casOk: true,
    casStale: false,
    addExisting: 'Item is not stored', // as in Node: ADD of an existing key is an error
    incr: 15,
    multi: { 'corpus:mc:text': 'swapped', 'corpus:mc:counter': 15 },
    deleted: true,
    afterDelete: null,
    versionIsString: true,
    issues: [],
  });
  assert.equal(await readFromNode(target.key), target.value);
  assert.deepEqual(await page.problems(), []);
});
