/**
 * `sockway/crypto` (full): the basic set (basic.ts: hashes, HMAC, PBKDF2, random) plus
 * the synchronous crypto SSH clients such as ssh2 need, on @noble/curves and
 * @noble/ciphers: AES-CTR/GCM/CBC and ChaCha20 ciphers with streaming state, Ed25519 /
 * ECDSA (P-256/384/521) / RSA PKCS#1 v1.5 signatures, X25519, ECDH and finite-field
 * Diffie-Hellman key agreement, KeyObjects from PEM/DER. Opt in with `sockway({ crypto: 'full' })`.
 */
import basic from './basic.ts';
import { createCipheriv, createDecipheriv, getCiphers } from './cipheriv.ts';
import { getCurves } from './curves.ts';
import { createDiffieHellman, createDiffieHellmanGroup, getDiffieHellman } from './diffie-hellman.ts';
import { createECDH, diffieHellman, generateKeyPair, generateKeyPairSync } from './key-agreement.ts';
import { KeyObject, createPrivateKey, createPublicKey } from './key-object.ts';
import { createSign, createVerify, sign, verify } from './sign.ts';

export * from './basic.ts';
export { Cipheriv, Decipheriv, createCipheriv, createDecipheriv, getCiphers } from './cipheriv.ts';
export { getCurves } from './curves.ts';
export { DiffieHellman, createDiffieHellman, createDiffieHellmanGroup, getDiffieHellman } from './diffie-hellman.ts';
export { ECDH, createECDH, diffieHellman, generateKeyPair, generateKeyPairSync } from './key-agreement.ts';
export { KeyObject, createPrivateKey, createPublicKey } from './key-object.ts';
export { Sign, Verify, createSign, createVerify, sign, verify } from './sign.ts';

const crypto = {
  ...basic,
  createCipheriv, createDecipheriv, getCiphers, getCurves, createECDH, diffieHellman, generateKeyPair, generateKeyPairSync,
  KeyObject, createPrivateKey, createPublicKey, createSign, createVerify, sign, verify,
  createDiffieHellman, createDiffieHellmanGroup, getDiffieHellman,
};
export default crypto;
