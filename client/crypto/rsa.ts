/**
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) over bigint: what ssh-rsa, rsa-sha2-256 and
 * rsa-sha2-512 signatures are. Signing uses the CRT; verification is public and
 * needs no constant time. Not for encryption (no padding oracles to worry about).
 */
import { Buffer } from 'buffer';
import { concatBytes, cryptoError } from './bytes.ts';
import { byteLength, modPow, toBigInt, toFixedBytes } from './bigint.ts';
import { digestFor } from './digests.ts';
import type { RsaParts } from './key-data.ts';

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1).
const DIGEST_INFO: Readonly<Record<string, string>> = {
  md5: '3020300c06082a864886f70d020505000410',
  sha1: '3021300906052b0e03021a05000414',
  sha224: '302d300d06096086480165030402040500041c',
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** EMSA-PKCS1-v1_5 encoding of `data`'s digest, `length` bytes long. */
function encodeMessage(algorithm: string, data: Uint8Array, length: number): Uint8Array {
  const name = algorithm.toLowerCase().replace(/^rsa-/, '');
  const prefix = DIGEST_INFO[name];
  if (prefix === undefined) throw cryptoError('ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${algorithm}`, TypeError);
  const digestInfo = concatBytes([Buffer.from(prefix, 'hex'), digestFor(name)(data)]);
  if (length < digestInfo.length + 11) throw cryptoError('ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY', 'digest too big for rsa key');
  const padding = new Uint8Array(length - digestInfo.length - 3).fill(0xff);
  return concatBytes([Uint8Array.of(0, 1), padding, Uint8Array.of(0), digestInfo]);
}

/** An RSASSA-PKCS1-v1_5 signature of `data` with digest `algorithm`. */
export function rsaSign(key: RsaParts, algorithm: string, data: Uint8Array): Uint8Array {
  const k = key.private;
  if (k === undefined) throw cryptoError('ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type public, expected private.', TypeError);
  const length = byteLength(key.n);
  const m = toBigInt(encodeMessage(algorithm, data, length));
  // CRT: s = m^d mod n from the two half-size exponentiations.
  const s1 = modPow(m, k.dp, k.p);
  const s2 = modPow(m, k.dq, k.q);
  const h = (k.qi * ((s1 - s2) % k.p + k.p)) % k.p;
  const s = s2 + h * k.q;
  if (modPow(s, key.e, key.n) !== m) throw cryptoError('ERR_OSSL_RSA_INTERNAL_ERROR', 'RSA signature self-check failed');
  return toFixedBytes(s, length);
}

/** Whether `signature` is a valid RSASSA-PKCS1-v1_5 signature of `data`. */
export function rsaVerify(key: RsaParts, algorithm: string, data: Uint8Array, signature: Uint8Array): boolean {
  const length = byteLength(key.n);
  if (signature.length !== length) return false;
  const s = toBigInt(signature);
  if (s >= key.n) return false;
  const expected = encodeMessage(algorithm, data, length);
  return Buffer.from(toFixedBytes(modPow(s, key.e, key.n), length)).equals(Buffer.from(expected));
}
