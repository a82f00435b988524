/**
 * The key material behind a KeyObject, and its DER forms: SPKI and PKCS#8 for every
 * type, SEC1 for EC private keys, PKCS#1 for RSA. Ed25519/X25519 private keys are
 * the 32-byte seed; EC public keys are uncompressed points.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { copyBytes, cryptoError } from './bytes.ts';
import { type CurveInfo, curveByOid, fitScalar } from './curves.ts';
import {
  Tag, bitStringBytes, children, decodeOne, encode, encodeBitString, encodeUnsigned, expect,
} from './der.ts';
import { fromBigInt, toBigInt } from './bigint.ts';

/** An RSA key; the private fields are present only for private keys. */
export interface RsaParts {
  readonly n: bigint;
  readonly e: bigint;
  readonly private?: { readonly d: bigint; readonly p: bigint; readonly q: bigint; readonly dp: bigint; readonly dq: bigint; readonly qi: bigint };
}

/** Asymmetric key material, public part always present. */
export type KeyData =
  | { readonly kind: 'ed25519' | 'x25519'; readonly publicKey: Uint8Array; readonly seed: Uint8Array | undefined }
  | { readonly kind: 'ec'; readonly curve: CurveInfo; readonly publicKey: Uint8Array; readonly scalar: Uint8Array | undefined }
  | { readonly kind: 'rsa'; readonly rsa: RsaParts };

// DER contents of the algorithm OIDs, hex.
const OID = {
  ed25519: '2b6570',
  x25519: '2b656e',
  ecPublicKey: '2a8648ce3d0201',
  rsaEncryption: '2a864886f70d010101',
} as const;

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const oid = (hexOid: string): Uint8Array => encode(Tag.Oid, Uint8Array.from(hexOid.match(/../g) ?? [], (h) => parseInt(h, 16)));

/** Whether the key holds private material. */
export function isPrivate(data: KeyData): boolean {
  switch (data.kind) {
    case 'ed25519':
    case 'x25519':
      return data.seed !== undefined;
    case 'ec':
      return data.scalar !== undefined;
    case 'rsa':
      return data.rsa.private !== undefined;
    default: {
      const never: never = data;
      return never;
    }
  }
}

/** The public half of a key. */
export function publicPart(data: KeyData): KeyData {
  switch (data.kind) {
    case 'ed25519':
    case 'x25519':
      return { kind: data.kind, publicKey: data.publicKey, seed: undefined };
    case 'ec':
      return { kind: 'ec', curve: data.curve, publicKey: data.publicKey, scalar: undefined };
    case 'rsa':
      return { kind: 'rsa', rsa: { n: data.rsa.n, e: data.rsa.e } };
    default: {
      const never: never = data;
      return never;
    }
  }
}

/** Key material from a 32-byte Ed25519 or X25519 seed. */
export function fromSeed(kind: 'ed25519' | 'x25519', seed: Uint8Array): KeyData {
  if (seed.length !== 32) throw cryptoError('ERR_CRYPTO_INVALID_KEYLEN', `Invalid ${kind} private key length`, RangeError);
  const publicKey = kind === 'ed25519' ? ed25519.getPublicKey(seed) : x25519.getPublicKey(seed);
  return { kind, publicKey, seed: copyBytes(seed) };
}

/** EC key material from a scalar (public point derived). */
export function fromScalar(curve: CurveInfo, scalar: Uint8Array): KeyData {
  const fitted = fitScalar(curve, scalar);
  return { kind: 'ec', curve, publicKey: curve.curve.getPublicKey(fitted, false), scalar: fitted };
}

function ecPublicPoint(curve: CurveInfo, point: Uint8Array): Uint8Array {
  // Normalises compressed points and rejects points off the curve.
  return curve.curve.Point.fromBytes(point).toBytes(false);
}

function rsaPublicFromPkcs1(der: Uint8Array): RsaParts {
  const fields = children(decodeOne(der, Tag.Sequence));
  return { n: toBigInt(expect(fields, 0, Tag.Integer)), e: toBigInt(expect(fields, 1, Tag.Integer)) };
}

function rsaPrivateFromPkcs1(der: Uint8Array): RsaParts {
  const fields = children(decodeOne(der, Tag.Sequence));
  const int = (index: number): bigint => toBigInt(expect(fields, index, Tag.Integer));
  return { n: int(1), e: int(2), private: { d: int(3), p: int(4), q: int(5), dp: int(6), dq: int(7), qi: int(8) } };
}

function ecFromSec1(der: Uint8Array, curveFromAlgorithm: CurveInfo | undefined): KeyData {
  const fields = children(decodeOne(der, Tag.Sequence));
  const scalar = expect(fields, 1, Tag.OctetString);
  const params = fields.find((field) => field.tag === Tag.Context0);
  const curve = curveFromAlgorithm ?? (params === undefined ? undefined : curveByOid(hex(decodeOne(params.value, Tag.Oid))));
  if (curve === undefined) throw cryptoError('ERR_OSSL_EC_MISSING_PARAMETERS', 'EC private key without curve parameters');
  return fromScalar(curve, scalar);
}

/** Parses a SubjectPublicKeyInfo. */
export function fromSpki(der: Uint8Array): KeyData {
  const fields = children(decodeOne(der, Tag.Sequence));
  const algorithm = children(expect(fields, 0, Tag.Sequence));
  const key = bitStringBytes(expect(fields, 1, Tag.BitString));
  const algorithmOid = hex(expect(algorithm, 0, Tag.Oid));
  switch (algorithmOid) {
    case OID.ed25519:
    case OID.x25519:
      if (key.length !== 32) throw cryptoError('ERR_OSSL_ASN1_WRONG_TAG', 'Malformed key: bad public key length');
      return { kind: algorithmOid === OID.ed25519 ? 'ed25519' : 'x25519', publicKey: copyBytes(key), seed: undefined };
    case OID.ecPublicKey: {
      const curve = curveByOid(hex(expect(algorithm, 1, Tag.Oid)));
      return { kind: 'ec', curve, publicKey: ecPublicPoint(curve, key), scalar: undefined };
    }
    case OID.rsaEncryption:
      return { kind: 'rsa', rsa: rsaPublicFromPkcs1(key) };
    default:
      throw cryptoError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `Unsupported public key algorithm (OID ${algorithmOid}) in sockway/crypto`);
  }
}

/** Parses a PKCS#8 PrivateKeyInfo. */
export function fromPkcs8(der: Uint8Array): KeyData {
  const fields = children(decodeOne(der, Tag.Sequence));
  const algorithm = children(expect(fields, 1, Tag.Sequence));
  const privateKey = expect(fields, 2, Tag.OctetString);
  const algorithmOid = hex(expect(algorithm, 0, Tag.Oid));
  switch (algorithmOid) {
    case OID.ed25519:
    case OID.x25519:
      return fromSeed(algorithmOid === OID.ed25519 ? 'ed25519' : 'x25519', decodeOne(privateKey, Tag.OctetString));
    case OID.ecPublicKey:
      return ecFromSec1(privateKey, curveByOid(hex(expect(algorithm, 1, Tag.Oid))));
    case OID.rsaEncryption:
      return { kind: 'rsa', rsa: rsaPrivateFromPkcs1(privateKey) };
    default:
      throw cryptoError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `Unsupported private key algorithm (OID ${algorithmOid}) in sockway/crypto`);
  }
}

/** Parses a SEC1 ECPrivateKey. */
export function fromSec1(der: Uint8Array): KeyData {
  return ecFromSec1(der, undefined);
}

/** Parses a PKCS#1 RSA key. */
export function fromPkcs1(der: Uint8Array, isPrivateKey: boolean): KeyData {
  return { kind: 'rsa', rsa: isPrivateKey ? rsaPrivateFromPkcs1(der) : rsaPublicFromPkcs1(der) };
}

function algorithmIdentifier(data: KeyData): Uint8Array {
  switch (data.kind) {
    case 'ed25519':
    case 'x25519':
      return encode(Tag.Sequence, oid(OID[data.kind]));
    case 'ec':
      return encode(Tag.Sequence, oid(OID.ecPublicKey), oid(data.curve.oid));
    case 'rsa':
      return encode(Tag.Sequence, oid(OID.rsaEncryption), encode(Tag.Null));
    default: {
      const never: never = data;
      return never;
    }
  }
}

function rsaPkcs1(rsa: RsaParts, withPrivate: boolean): Uint8Array {
  const int = (value: bigint): Uint8Array => encodeUnsigned(fromBigInt(value));
  if (!withPrivate || rsa.private === undefined) return encode(Tag.Sequence, int(rsa.n), int(rsa.e));
  const k = rsa.private;
  return encode(Tag.Sequence, int(0n), int(rsa.n), int(rsa.e), int(k.d), int(k.p), int(k.q), int(k.dp), int(k.dq), int(k.qi));
}

/** SubjectPublicKeyInfo DER. */
export function toSpki(data: KeyData): Uint8Array {
  const key = data.kind === 'rsa' ? rsaPkcs1(data.rsa, false) : data.publicKey;
  return encode(Tag.Sequence, algorithmIdentifier(data), encodeBitString(key));
}

/** SEC1 ECPrivateKey DER; `withParameters` false inside PKCS#8, as OpenSSL writes it. */
export function toSec1(data: KeyData & { kind: 'ec' }, withParameters = true): Uint8Array {
  if (data.scalar === undefined) throw cryptoError('ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type public, expected private.', TypeError);
  return encode(
    Tag.Sequence,
    encode(Tag.Integer, Uint8Array.of(1)),
    encode(Tag.OctetString, data.scalar),
    ...(withParameters ? [encode(Tag.Context0, oid(data.curve.oid))] : []),
    encode(Tag.Context1, encodeBitString(data.publicKey)),
  );
}

/** PKCS#8 PrivateKeyInfo DER. */
export function toPkcs8(data: KeyData): Uint8Array {
  let privateKey: Uint8Array;
  switch (data.kind) {
    case 'ed25519':
    case 'x25519':
      if (data.seed === undefined) throw cryptoError('ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type public, expected private.', TypeError);
      privateKey = encode(Tag.OctetString, data.seed);
      break;
    case 'ec':
      privateKey = toSec1(data, false);
      break;
    case 'rsa':
      privateKey = rsaPkcs1(data.rsa, true);
      break;
    default: {
      const never: never = data;
      return never;
    }
  }
  return encode(Tag.Sequence, encode(Tag.Integer, Uint8Array.of(0)), algorithmIdentifier(data), encode(Tag.OctetString, privateKey));
}

/** PKCS#1 DER of an RSA key (RSAPublicKey or RSAPrivateKey). */
export function toPkcs1(data: KeyData & { kind: 'rsa' }, withPrivate: boolean): Uint8Array {
  return rsaPkcs1(data.rsa, withPrivate);
}
