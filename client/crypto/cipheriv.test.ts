// sockway/crypto ciphers against node:crypto: same bytes for the same key, IV and
// input, fed in chunks of odd sizes so keystream state must carry across update().
import assert from 'node:assert/strict';
import * as node from 'node:crypto';
import { test } from 'node:test';
import { createCipheriv, createDecipheriv, getCiphers } from './cipheriv.ts';

const CHUNKS = [1, 15, 16, 17, 63, 64, 65, 3, 200, 7];

function chunked(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = CHUNKS[i % CHUNKS.length] ?? 1;
    out.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

const input = node.randomBytes(1500);

for (const [algorithm, keyLength, ivLength] of [
  ['aes-128-ctr', 16, 16],
  ['aes-192-ctr', 24, 16],
  ['aes-256-ctr', 32, 16],
  ['chacha20', 32, 16],
] as const) {
  test(`${algorithm}: chunked update() output equals node's, both directions`, () => {
    const key = node.randomBytes(keyLength);
    // A counter near a byte boundary checks the carry into higher counter bytes.
    const iv = node.randomBytes(ivLength);
    if (algorithm === 'chacha20') iv.writeUInt32LE(0xfffffff0 - 100, 0);
    else iv.fill(0xff, 8);
    const expected = Buffer.concat([node.createCipheriv(algorithm, key, iv).update(input)]);
    const cipher = createCipheriv(algorithm, key, iv);
    const actual = Buffer.concat([...chunked(input).map((chunk) => cipher.update(chunk)), cipher.final()]);
    assert.ok(actual.equals(expected), 'ciphertext differs from node:crypto');
    const decipher = createDecipheriv(algorithm, key, iv);
    const back = Buffer.concat(chunked(actual).map((chunk) => decipher.update(chunk)));
    assert.ok(back.equals(input), 'decryption did not restore the input');
  });
}

test('chacha20 as ssh2 uses it: fresh cipher per packet, counter 0 and 1, seqno in the IV', () => {
  const key = node.randomBytes(32);
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(7, 12);
  for (const counter of [0, 1]) {
    iv[0] = counter;
    assert.deepEqual(createCipheriv('chacha20', key, iv).update(Buffer.alloc(32)), node.createCipheriv('chacha20', key, iv).update(Buffer.alloc(32)));
  }
});

for (const [algorithm, keyLength] of [['aes-128-gcm', 16], ['aes-256-gcm', 32]] as const) {
  test(`${algorithm}: ciphertext and tag equal node's; node decrypts ours and we decrypt node's`, () => {
    const key = node.randomBytes(keyLength);
    const iv = node.randomBytes(12);
    const aad = node.randomBytes(4);
    const ours = createCipheriv(algorithm, key, iv).setAAD(aad);
    const ciphertext = Buffer.concat([...chunked(input).map((chunk) => ours.update(chunk)), ours.final()]);
    const tag = ours.getAuthTag();
    const theirs = node.createCipheriv(algorithm, key, iv).setAAD(aad);
    const expected = Buffer.concat([theirs.update(input), theirs.final()]);
    assert.ok(ciphertext.equals(expected), 'ciphertext differs from node:crypto');
    assert.equal(tag.toString('hex'), theirs.getAuthTag().toString('hex'));

    const decipher = createDecipheriv(algorithm, key, iv).setAAD(aad).setAuthTag(tag);
    const plain = Buffer.concat([...chunked(ciphertext).map((chunk) => decipher.update(chunk)), decipher.final()]);
    assert.ok(plain.equals(input), 'decryption did not restore the input');
  });

  test(`${algorithm}: final() throws on a tampered tag, ciphertext or AAD`, () => {
    const key = node.randomBytes(keyLength);
    const iv = node.randomBytes(12);
    const aad = Buffer.from([0, 0, 1, 0]);
    const cipher = node.createCipheriv(algorithm, key, iv).setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(input.subarray(0, 256)), cipher.final()]);
    const tag = cipher.getAuthTag();
    const attempt = (c: Buffer, t: Buffer, a: Buffer): void => {
      const decipher = createDecipheriv(algorithm, key, iv).setAAD(a).setAuthTag(t);
      decipher.update(c);
      decipher.final();
    };
    assert.doesNotThrow(() => attempt(ciphertext, tag, aad));
    const flip = (b: Buffer, i: number): Buffer => {
      const copy = Buffer.from(b);
      copy[i] = (copy[i] ?? 0) ^ 1;
      return copy;
    };
    for (const [c, t, a] of [[ciphertext, flip(tag, 0), aad], [flip(ciphertext, 100), tag, aad], [ciphertext, tag, flip(aad, 3)]] as const) {
      assert.throws(() => attempt(c, t, a), { message: 'Unsupported state or unable to authenticate data' });
    }
  });
}

for (const [algorithm, keyLength] of [['aes-128-cbc', 16], ['aes-192-cbc', 24], ['aes-256-cbc', 32]] as const) {
  test(`${algorithm}: chunked output equals node's with and without auto padding; padding errors as OpenSSL's`, () => {
    const key = node.randomBytes(keyLength);
    const iv = node.randomBytes(16);
    for (const [size, autoPadding] of [[1500, true], [1488, true], [1488, false], [0, true]] as const) {
      const data = input.subarray(0, size);
      const theirs = node.createCipheriv(algorithm, key, iv).setAutoPadding(autoPadding);
      const expected = Buffer.concat([theirs.update(data), theirs.final()]);
      const ours = createCipheriv(algorithm, key, iv).setAutoPadding(autoPadding);
      const parts = chunked(data).map((chunk) => ours.update(chunk));
      const actual = Buffer.concat([...parts, ours.final()]);
      assert.ok(actual.equals(expected), `encrypt ${size} bytes, autoPadding ${String(autoPadding)}`);
      const decipher = createDecipheriv(algorithm, key, iv).setAutoPadding(autoPadding);
      const back = Buffer.concat([...chunked(actual).map((chunk) => decipher.update(chunk)), decipher.final()]);
      assert.ok(back.equals(data), `decrypt ${size} bytes, autoPadding ${String(autoPadding)}`);
    }
    // Held back like OpenSSL: a decipher that unpads returns the last block only from final().
    const twoBlocks = node.createCipheriv(algorithm, key, iv).setAutoPadding(false).update(input.subarray(0, 32));
    assert.equal(createDecipheriv(algorithm, key, iv).update(twoBlocks).length, 16);
    assert.equal(createDecipheriv(algorithm, key, iv).setAutoPadding(false).update(twoBlocks).length, 32);
    const badPadding = createDecipheriv(algorithm, key, iv);
    badPadding.update(twoBlocks);
    assert.throws(() => badPadding.final(), { code: 'ERR_OSSL_BAD_DECRYPT' });
    const partial = createCipheriv(algorithm, key, iv).setAutoPadding(false);
    partial.update(input.subarray(0, 20));
    assert.throws(() => partial.final(), { code: 'ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH' });
  });
}

test('getCiphers lists what ssh2 checks for, by OpenSSL name', () => {
  for (const name of ['aes-128-ctr', 'aes-192-ctr', 'aes-256-ctr', 'aes-128-gcm', 'aes-256-gcm', 'chacha20', 'aes-128-cbc', 'aes-256-cbc']) {
    assert.ok(getCiphers().includes(name), name);
    assert.ok(node.getCiphers().includes(name), `node knows ${name}`);
  }
});

test('bad algorithm, key and IV lengths fail with Node error codes', () => {
  assert.throws(() => createCipheriv('des-ede3-cbc', Buffer.alloc(24), Buffer.alloc(8)), { code: 'ERR_CRYPTO_UNKNOWN_CIPHER' });
  assert.throws(() => createCipheriv('aes-128-ctr', Buffer.alloc(15), Buffer.alloc(16)), { code: 'ERR_CRYPTO_INVALID_KEYLEN' });
  assert.throws(() => createCipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(16)), { code: 'ERR_CRYPTO_INVALID_IV' });
  assert.throws(() => createCipheriv('aes-128-ctr', Buffer.alloc(16), Buffer.alloc(16)).setAAD(Buffer.alloc(1)), { code: 'ERR_CRYPTO_INVALID_STATE' });
});

test('update() takes strings with encodings and returns strings in the output encoding', () => {
  const key = Buffer.alloc(16, 1);
  const iv = Buffer.alloc(16, 2);
  const expected = node.createCipheriv('aes-128-ctr', key, iv).update('héllo', 'utf8', 'hex');
  assert.equal(createCipheriv('aes-128-ctr', key, iv).update('héllo', 'utf8', 'hex'), expected);
});
