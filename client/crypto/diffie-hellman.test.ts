// Finite-field DH against node:crypto: the MODP groups' primes match Node's, and both
// sides of an exchange (ours and Node's) derive the same padded secret, for a fixed
// group (ssh2's diffie-hellman-group14/16) and a given prime (group exchange).
import assert from 'node:assert/strict';
import * as node from 'node:crypto';
import { test } from 'node:test';
import { createDiffieHellman, createDiffieHellmanGroup, getDiffieHellman } from './diffie-hellman.ts';

for (const group of ['modp2', 'modp14', 'modp16']) {
  test(`${group}: node's prime and generator; secrets agree with node's DiffieHellmanGroup`, () => {
    const ours = createDiffieHellmanGroup(group);
    const theirs = node.getDiffieHellman(group);
    assert.equal(ours.getPrime('hex'), theirs.getPrime('hex'));
    assert.equal(ours.getGenerator('hex'), '02');
    const ourPublic = ours.generateKeys();
    const theirPublic = theirs.generateKeys();
    const secret = ours.computeSecret(theirPublic);
    assert.equal(secret.length, theirs.getPrime().length, 'padded to the prime length, as Node does');
    assert.ok(secret.equals(theirs.computeSecret(ourPublic)));
  });
}

test('createDiffieHellman(prime, generator) as group exchange uses it, both argument styles', () => {
  const theirs = node.getDiffieHellman('modp14');
  const prime = theirs.getPrime();
  for (const ours of [createDiffieHellman(prime, Buffer.from([2])), createDiffieHellman(prime.toString('hex'), 'hex', 2)]) {
    const ourPublic = ours.generateKeys();
    theirs.generateKeys();
    assert.ok(ours.computeSecret(theirs.getPublicKey()).equals(theirs.computeSecret(ourPublic)));
  }
});

test('setPrivateKey then generateKeys gives node\'s public key for the same private key', () => {
  const theirs = node.getDiffieHellman('modp14');
  theirs.generateKeys();
  const ours = getDiffieHellman('modp14');
  ours.setPrivateKey(theirs.getPrivateKey());
  assert.ok((ours.generateKeys()).equals(theirs.getPublicKey()));
});

test('degenerate peer keys and unknown groups are refused; prime generation is unavailable', () => {
  const ours = createDiffieHellmanGroup('modp14');
  ours.generateKeys();
  const p = BigInt(`0x${ours.getPrime('hex') as string}`);
  for (const bad of [0n, 1n, p - 1n, p]) {
    const hex = bad.toString(16);
    assert.throws(() => ours.computeSecret(Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex')), { code: 'ERR_CRYPTO_INVALID_KEYTYPE' });
  }
  assert.throws(() => createDiffieHellmanGroup('modp3'), { code: 'ERR_CRYPTO_UNKNOWN_DH_GROUP' });
  assert.throws(() => createDiffieHellman(2048), { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' });
});
