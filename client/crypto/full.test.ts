// The surface ssh2 1.17 takes from require('crypto') (destructured at load time in
// lib/client.js, lib/keygen.js, lib/protocol/{crypto,kex,keyParser,constants}.js):
// each name must be a function, as a named export and on the default export, and
// ssh2's capability probes must come out true.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import crypto, * as named from './full.ts';

const SSH2_USES = [
  'createCipheriv', 'createDecipheriv', 'createDiffieHellman', 'createDiffieHellmanGroup', 'createECDH', 'createHash',
  'createHmac', 'createPublicKey', 'createSign', 'createVerify', 'diffieHellman', 'generateKeyPair', 'generateKeyPairSync',
  'getCiphers', 'getCurves', 'getHashes', 'randomBytes', 'randomFillSync', 'sign', 'timingSafeEqual', 'verify',
] as const;

test('every crypto function ssh2 destructures exists, named and on the default export', () => {
  const namedExports = named as unknown as Record<string, unknown>;
  const defaults = crypto as unknown as Record<string, unknown>;
  for (const name of SSH2_USES) {
    assert.equal(typeof namedExports[name], 'function', `named export ${name}`);
    assert.equal(defaults[name], namedExports[name], `default export ${name}`);
  }
});

test('the basic set is re-exported (pbkdf2Sync, randomUUID, webcrypto)', () => {
  assert.equal(typeof named.pbkdf2Sync, 'function');
  assert.equal(typeof crypto.randomUUID, 'function');
  assert.equal(named.webcrypto, globalThis.crypto);
});

test("ssh2's probes: curve25519Supported, and the ciphers and MACs it filters by name", () => {
  // lib/protocol/constants.js: curve25519Supported.
  assert.ok(typeof crypto.diffieHellman === 'function' && typeof crypto.generateKeyPairSync === 'function' && typeof crypto.createPublicKey === 'function');
  for (const cipher of ['aes-128-gcm', 'aes-256-gcm', 'aes-128-ctr', 'aes-192-ctr', 'aes-256-ctr', 'chacha20']) assert.ok(crypto.getCiphers().includes(cipher), cipher);
  for (const hash of ['sha1', 'sha256', 'sha512']) assert.ok(crypto.getHashes().includes(hash), hash);
});


test('generateKeyPair reports through its callback', async () => {
  const keys = await new Promise<unknown[]>((resolve, reject) => {
    crypto.generateKeyPair('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } }, (error, publicKey, privateKey) => (error ? reject(error) : resolve([publicKey, privateKey])));
  });
  assert.deepEqual(keys.map((key) => (key as Uint8Array).length), [44, 48]);
});
