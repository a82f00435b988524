/**
 * The crypto subset against Node's own crypto: same digests, MACs, derived keys and
 * errors (codes) for the same inputs.
 */
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { test } from 'node:test';
import basic, * as crypto from './basic.ts';

const ALGORITHMS = ['md5', 'sha1', 'ripemd160', 'sha224', 'sha256', 'sha384', 'sha512', 'sha512-224', 'sha512-256'];
const INPUTS: readonly (string | Uint8Array)[] = ['', 'abc', 'héllo wörld ✓', new Uint8Array(1000).map((_, i) => i * 7), 'x'.repeat(200)];

test('the default export carries the named exports', () => {
  for (const name of ['createHash', 'createHmac', 'pbkdf2', 'pbkdf2Sync', 'randomBytes', 'randomFillSync', 'randomFill', 'randomUUID', 'randomInt', 'timingSafeEqual', 'getHashes', 'webcrypto', 'subtle'] as const) {
    assert.equal(basic[name], crypto[name], name);
  }
});

test('getHashes() lists what createHash accepts, all known to Node', () => {
  assert.deepEqual(crypto.getHashes(), [...ALGORITHMS].sort());
  for (const name of crypto.getHashes()) assert.ok(nodeCrypto.getHashes().includes(name), name);
});

for (const algorithm of ALGORITHMS) {
  test(`createHash('${algorithm}') digests as node:crypto does`, () => {
    for (const input of INPUTS) {
      const expected = nodeCrypto.createHash(algorithm).update(input).digest();
      assert.deepEqual(crypto.createHash(algorithm).update(input).digest(), expected);
      assert.equal(crypto.createHash(algorithm.toUpperCase()).update(input).digest('hex'), expected.toString('hex'));
      assert.equal(crypto.createHash(algorithm).update(input).digest('base64'), expected.toString('base64'));
    }
  });

  test(`createHmac('${algorithm}') matches node:crypto, string and byte keys`, () => {
    for (const key of ['key', '', 'k'.repeat(300), new Uint8Array([0, 1, 2, 255])]) {
      for (const input of INPUTS) {
        assert.equal(crypto.createHmac(algorithm, key).update(input).digest('hex'), nodeCrypto.createHmac(algorithm, key).update(input).digest('hex'));
      }
    }
  });
}

test('update() takes an input encoding and chains; copy() forks the state', () => {
  const ours = crypto.createHash('sha256').update('6869', 'hex').update('aGk=', 'base64').update(' there', 'latin1');
  const theirs = nodeCrypto.createHash('sha256').update('6869', 'hex').update('aGk=', 'base64').update(' there', 'latin1');
  const fork = ours.copy();
  const theirFork = theirs.copy();
  fork.update('!');
  theirFork.update('!');
  assert.equal(ours.digest('hex'), theirs.digest('hex'));
  assert.equal(fork.digest('base64url'), theirFork.digest('base64url'));
  // A DataView or another typed array hashes its bytes.
  const words = new Uint16Array([1, 2, 3]);
  assert.equal(crypto.createHash('md5').update(new DataView(words.buffer)).digest('hex'), nodeCrypto.createHash('md5').update(new DataView(words.buffer)).digest('hex'));
});

test('errors carry Node codes: finalized hash, unknown digest, bad arguments', () => {
  const hash = crypto.createHash('sha1');
  hash.digest();
  assert.throws(() => hash.digest(), { code: 'ERR_CRYPTO_HASH_FINALIZED', message: 'Digest already called' });
  assert.throws(() => hash.update('x'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
  assert.throws(() => hash.copy(), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
  assert.throws(() => crypto.createHash('nope'), { message: 'Digest method not supported' });
  assert.throws(() => crypto.createHmac('nope', 'k'), { name: 'TypeError', code: 'ERR_CRYPTO_INVALID_DIGEST', message: 'Invalid digest: nope' });
  assert.throws(() => crypto.pbkdf2Sync('p', 's', 1, 8, 'nope'), { code: 'ERR_CRYPTO_INVALID_DIGEST' });
  assert.throws(() => crypto.pbkdf2Sync('p', 's', 0, 8, 'sha1'), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => crypto.createHash('md5').update(42 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => crypto.randomBytes(-1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => crypto.randomInt(5, 2), { code: 'ERR_OUT_OF_RANGE', message: 'The value of "max" is out of range. It must be greater than the value of "min" (5). Received 2' });
  assert.throws(() => crypto.timingSafeEqual(new Uint8Array(1), new Uint8Array(2)), { name: 'RangeError', code: 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH' });
});

test('a second Hmac digest is empty, as in Node', () => {
  const ours = crypto.createHmac('sha256', 'k');
  const theirs = nodeCrypto.createHmac('sha256', 'k');
  assert.equal(ours.digest('hex'), theirs.digest('hex'));
  assert.equal(ours.digest('hex'), theirs.digest('hex'));
  assert.equal(ours.digest('hex'), '');
});

test('pbkdf2Sync and pbkdf2 derive the keys node:crypto does (SCRAM-SHA-256 uses sha256)', async () => {
  for (const [digest, iterations, keylen] of [['sha256', 4096, 32], ['sha1', 1, 20], ['sha512', 10, 100], ['md5', 3, 0]] as const) {
    const expected = nodeCrypto.pbkdf2Sync('pencil', Buffer.from('salt\u0000bytes'), iterations, keylen, digest);
    assert.deepEqual(crypto.pbkdf2Sync('pencil', Buffer.from('salt\u0000bytes'), iterations, keylen, digest), expected, digest);
    const viaCallback = await new Promise<Buffer | undefined>((resolve, reject) => {
      crypto.pbkdf2('pencil', Buffer.from('salt\u0000bytes'), iterations, keylen, digest, (error, key) => (error ? reject(error) : resolve(key)));
    });
    assert.deepEqual(viaCallback, expected, `${digest} (callback)`);
  }
});

test('randomBytes, sync and with a callback; large sizes are filled past the 64 KiB getRandomValues limit', async () => {
  const bytes = crypto.randomBytes(200_000);
  assert.ok(Buffer.isBuffer(bytes));
  assert.equal(bytes.length, 200_000);
  // The last 64 KiB chunk is random too: all-zero 4 KiB at the end is (practically) impossible.
  assert.notDeepEqual(bytes.subarray(-4096), Buffer.alloc(4096));
  let sync = true;
  const later = await new Promise<Buffer>((resolve, reject) => {
    crypto.randomBytes(16, (error, value) => (error ? reject(error) : resolve(value)));
    sync = false;
  });
  assert.equal(sync, false, 'the callback runs on a later task');
  assert.equal(later.length, 16);
});

test('randomFillSync / randomFill fill exactly the requested range', async () => {
  const buffer = new Uint8Array(64);
  crypto.randomFillSync(buffer, 16, 32);
  assert.deepEqual(buffer.subarray(0, 16), new Uint8Array(16));
  assert.deepEqual(buffer.subarray(48), new Uint8Array(16));
  assert.notDeepEqual(buffer.subarray(16, 48), new Uint8Array(32));
  const other = new Uint32Array(8);
  const filled = await new Promise<Uint32Array>((resolve) => crypto.randomFill(other, 4, (_error, value) => resolve(value)));
  assert.equal(filled, other);
  assert.deepEqual(new Uint8Array(other.buffer, 0, 4), new Uint8Array(4));
  assert.throws(() => crypto.randomFillSync(new Uint8Array(4), 5), { code: 'ERR_OUT_OF_RANGE' });
});

test('randomUUID is a version 4 UUID; randomInt stays in range and hits every value', async () => {
  const uuid = crypto.randomUUID();
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(crypto.randomUUID(), uuid);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const value = crypto.randomInt(-3, 3);
    assert.ok(value >= -3 && value < 3, String(value));
    seen.add(value);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2]);
  assert.ok(crypto.randomInt(10) < 10);
  const viaCallback = await new Promise<number>((resolve) => crypto.randomInt(5, 6, (_error, value) => resolve(value)));
  assert.equal(viaCallback, 5);
});

test('timingSafeEqual compares bytes', () => {
  assert.equal(crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')), true);
  assert.equal(crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')), false);
  assert.equal(crypto.timingSafeEqual(new Uint16Array([1]), new Uint8Array([1, 0])), true);
});

test('webcrypto and subtle are the platform ones', () => {
  assert.equal(crypto.webcrypto, globalThis.crypto);
  assert.equal(crypto.subtle, globalThis.crypto.subtle);
  const array = new Uint8Array(8);
  assert.equal(crypto.getRandomValues(array), array);
});
