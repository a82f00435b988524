// Signatures against node:crypto: keys made by Node, signatures checked both ways
// (Node verifies ours, we verify Node's), for Ed25519, ECDSA P-256/384/521 and RSA.
import assert from 'node:assert/strict';
import * as node from 'node:crypto';
import { test } from 'node:test';
import { createPrivateKey, createPublicKey } from './key-object.ts';
import { createSign, createVerify, sign, verify } from './sign.ts';

const message = Buffer.from('exchange hash: the bytes an SSH host key signs');

function pems(type: 'ed25519' | 'ec' | 'rsa', namedCurve?: string): { privatePem: string; publicPem: string; sec1?: string } {
  const options = type === 'ec' ? { namedCurve: namedCurve ?? 'prime256v1' } : type === 'rsa' ? { modulusLength: 2048 } : {};
  const pair = node.generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ...(type === 'ec' ? { sec1: pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString() } : {}),
  };
}

test('ed25519: node verifies our signature, which is byte-identical (deterministic); we verify node\'s', () => {
  const { privatePem, publicPem } = pems('ed25519');
  const ours = sign(null, message, privatePem);
  assert.equal(ours.length, 64);
  assert.ok(node.verify(null, message, publicPem, ours));
  assert.ok(ours.equals(node.sign(null, message, privatePem)));
  assert.equal(verify(null, message, publicPem, node.sign(null, message, privatePem)), true);
  assert.equal(verify(null, Buffer.from('other'), publicPem, ours), false);
});

test('ed25519: the PKCS#8 key ssh2 probes at load time signs and verifies (eddsaSupported)', () => {
  const key = '-----BEGIN PRIVATE KEY-----\r\nMC4CAQAwBQYDK2VwBCIEIHKj+sVa9WcD/q2DJUJaf43Kptc8xYuUQA4bOFj9vC8T\r\n-----END PRIVATE KEY-----';
  const sig = sign(null, Buffer.from('a'), key);
  assert.equal(sig.length, 64);
  assert.equal(verify(null, Buffer.from('a'), key, sig), true);
  assert.ok(sig.equals(node.sign(null, Buffer.from('a'), key)));
});

for (const [curve, digest] of [['prime256v1', 'sha256'], ['secp384r1', 'sha384'], ['secp521r1', 'sha512']] as const) {
  test(`ecdsa ${curve}/${digest}: DER signatures cross-verify with node, from PKCS#8 and SEC1 keys`, () => {
    const { privatePem, publicPem, sec1 } = pems('ec', curve);
    for (const keyPem of [privatePem, sec1 ?? '']) {
      const ours = sign(digest, message, keyPem);
      assert.ok(node.verify(digest, message, publicPem, ours), 'node verifies ours');
    }
    const theirs = node.sign(digest, message, privatePem);
    assert.equal(verify(digest, message, publicPem, theirs), true);
    assert.equal(verify(digest, Buffer.from('other'), publicPem, theirs), false);
    assert.equal(verify(digest, message, publicPem, Buffer.from([0x30, 0x02, 0x01])), false, 'malformed DER is just invalid');
    const p1363 = node.sign(digest, message, { key: privatePem, dsaEncoding: 'ieee-p1363' });
    assert.equal(verify(digest, message, { key: publicPem, dsaEncoding: 'ieee-p1363' }, p1363), true);
  });
}

test('rsa pkcs1 v1.5: sha256/sha512/sha1 signatures are byte-identical to node\'s and verify both ways', () => {
  const { privatePem, publicPem } = pems('rsa');
  for (const digest of ['sha256', 'sha512', 'sha1']) {
    const ours = sign(digest, message, privatePem);
    assert.ok(ours.equals(node.sign(digest, message, privatePem)), `${digest}: same bytes as node`);
    assert.equal(verify(digest, message, publicPem, ours), true);
    assert.equal(verify(digest, Buffer.from('other'), publicPem, ours), false);
  }
  const rsaPem = node.createPrivateKey(privatePem).export({ type: 'pkcs1', format: 'pem' }).toString();
  assert.ok(node.verify('sha256', message, publicPem, sign('sha256', message, rsaPem)), 'PKCS#1 private key PEM');
});

test('createSign/createVerify collect updates as node does', () => {
  const { privatePem, publicPem } = pems('ec');
  const signature = createSign('sha256').update('exchange ').update(Buffer.from('hash')).sign(privatePem);
  assert.ok(node.createVerify('SHA256').update('exchange hash').verify(publicPem, signature));
  assert.equal(createVerify('RSA-SHA256').update('exchange hash').verify(publicPem, signature), true);
  assert.equal(createVerify('sha256').update('exchange hash').verify(createPublicKey(privatePem), signature), true, 'public half of a private key');
});

test('signing with a public key or an x25519 key fails with Node codes', () => {
  const { publicPem } = pems('ed25519');
  assert.throws(() => sign(null, message, publicPem), { code: 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE' });
  const x = node.generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.throws(() => sign(null, message, createPrivateKey(x)), { code: 'ERR_CRYPTO_OPERATION_FAILED' });
  assert.throws(() => createSign('sha3-999'), { code: 'ERR_CRYPTO_INVALID_DIGEST' });
});
