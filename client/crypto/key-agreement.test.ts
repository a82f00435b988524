// Key agreement and KeyObjects against node:crypto: x25519 as ssh2's curve25519-sha256
// does it (SPKI DER round trip), ECDH on the NIST curves, and key export formats.
import assert from 'node:assert/strict';
import * as node from 'node:crypto';
import { test } from 'node:test';
import { createECDH, diffieHellman, generateKeyPairSync } from './key-agreement.ts';
import { createPrivateKey, createPublicKey } from './key-object.ts';

test('x25519: our shared secret equals node\'s diffieHellman, keys exchanged as SPKI DER (as ssh2 does)', () => {
  const ours = generateKeyPairSync('x25519');
  const theirs = node.generateKeyPairSync('x25519');
  const ourRaw = ours.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const theirSpki = theirs.publicKey.export({ type: 'spki', format: 'der' });
  const secret = diffieHellman({ privateKey: ours.privateKey, publicKey: createPublicKey({ key: theirSpki, type: 'spki', format: 'der' }) });
  const expected = node.diffieHellman({
    privateKey: theirs.privateKey,
    publicKey: node.createPublicKey({ key: Buffer.concat([theirSpki.subarray(0, -32), ourRaw]), type: 'spki', format: 'der' }),
  });
  assert.equal(secret.length, 32);
  assert.ok(secret.equals(expected), 'both sides derive the same secret');
});

test('x25519: a low-order peer key (all zeros) is rejected, as by OpenSSL', () => {
  const ours = generateKeyPairSync('x25519');
  const spki = Buffer.concat([ours.publicKey.export({ type: 'spki', format: 'der' }).subarray(0, -32), Buffer.alloc(32)]);
  assert.throws(() => diffieHellman({ privateKey: ours.privateKey, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) }));
});

for (const curve of ['prime256v1', 'secp384r1', 'secp521r1']) {
  test(`createECDH(${curve}): same secret as node's ECDH; setPrivateKey derives node's public key`, () => {
    const ours = createECDH(curve);
    const theirs = node.createECDH(curve);
    const ourPublic = ours.generateKeys();
    const theirPublic = theirs.generateKeys();
    assert.ok(ours.computeSecret(theirPublic).equals(theirs.computeSecret(ourPublic)));
    const copy = createECDH(curve);
    copy.setPrivateKey(theirs.getPrivateKey());
    assert.ok(copy.getPublicKey().equals(theirs.getPublicKey()));
    assert.equal(ours.getPublicKey('hex', 'compressed'), node.ECDH.convertKey(ourPublic, curve, undefined, 'hex', 'compressed'));
    assert.throws(() => ours.computeSecret(Buffer.from([4, 1, 2, 3])), { code: 'ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY' });
  });
}

test('KeyObject export: DER/PEM byte-identical to node for ed25519, x25519 and ec (spki, pkcs8, sec1)', () => {
  const cases = [
    node.generateKeyPairSync('ed25519'),
    node.generateKeyPairSync('x25519'),
    node.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
    node.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
  ];
  for (const pair of cases) {
    const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ours = createPrivateKey(pkcs8);
    assert.equal(ours.type, 'private');
    assert.equal(ours.asymmetricKeyType, pair.privateKey.asymmetricKeyType);
    assert.equal(ours.export({ type: 'pkcs8', format: 'pem' }), pkcs8);
    assert.ok(createPublicKey(ours).export({ type: 'spki', format: 'der' }).equals(pair.publicKey.export({ type: 'spki', format: 'der' })));
    if (pair.privateKey.asymmetricKeyType === 'ec') {
      const sec1 = pair.privateKey.export({ type: 'sec1', format: 'der' });
      assert.ok(ours.export({ type: 'sec1', format: 'der' }).equals(sec1));
      assert.equal(ours.asymmetricKeyDetails.namedCurve, pair.privateKey.asymmetricKeyDetails?.namedCurve);
    }
  }
});

test('KeyObject export: rsa spki/pkcs8/pkcs1 byte-identical to node', () => {
  const pair = node.generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ours = createPrivateKey(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  for (const [type, key] of [['pkcs8', pair.privateKey], ['pkcs1', pair.privateKey]] as const) {
    assert.ok(ours.export({ type, format: 'der' }).equals(key.export({ type, format: 'der' })), type);
  }
  assert.ok(createPublicKey(ours).export({ type: 'spki', format: 'der' }).equals(pair.publicKey.export({ type: 'spki', format: 'der' })));
  assert.equal(ours.asymmetricKeyDetails.modulusLength, 1024);
});

test('generateKeyPairSync with encodings returns PEM node can read', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  assert.equal(typeof publicKey, 'string');
  assert.equal(node.createPublicKey(publicKey).asymmetricKeyType, 'ed25519');
  const signature = node.sign(null, Buffer.from('x'), privateKey);
  assert.ok(node.verify(null, Buffer.from('x'), publicKey, signature));
});

test('bad key input: no PEM, wrong type, public where private is needed', () => {
  assert.throws(() => createPublicKey('not a key'), { code: 'ERR_OSSL_PEM_NO_START_LINE' });
  const pub = node.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.throws(() => createPrivateKey(pub), { code: 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE' });
  assert.throws(() => createPublicKey(pub).export({ type: 'pkcs8', format: 'der' }), { code: 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS' });
});
