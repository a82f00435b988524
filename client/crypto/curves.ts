/** Node's NIST curve names, their DER OIDs and @noble/curves implementations. */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { cryptoError } from './bytes.ts';

/** A named curve as Node's KeyObject reports it (`asymmetricKeyDetails.namedCurve`). */
export type NamedCurve = 'prime256v1' | 'secp384r1' | 'secp521r1';

/** One NIST curve: its OID (DER contents, hex), field size in bytes, implementation and ECDSA digest. */
export interface CurveInfo {
  readonly name: NamedCurve;
  readonly oid: string;
  readonly fieldBytes: number;
  readonly curve: ECDSA;
  /** The digest SSH pairs with the curve (ecdsa-sha2-nistp256 → sha256, ...). */
  readonly digest: string;
}

const CURVES: readonly CurveInfo[] = [
  { name: 'prime256v1', oid: '2a8648ce3d030107', fieldBytes: 32, curve: p256, digest: 'sha256' },
  { name: 'secp384r1', oid: '2b81040022', fieldBytes: 48, curve: p384, digest: 'sha384' },
  { name: 'secp521r1', oid: '2b81040023', fieldBytes: 66, curve: p521, digest: 'sha512' },
];

const ALIASES: Readonly<Record<string, NamedCurve>> = {
  prime256v1: 'prime256v1',
  secp256r1: 'prime256v1',
  'p-256': 'prime256v1',
  secp384r1: 'secp384r1',
  'p-384': 'secp384r1',
  secp521r1: 'secp521r1',
  'p-521': 'secp521r1',
};

/** The curve Node calls `name` (aliases such as 'P-256' accepted). */
export function curveByName(name: string): CurveInfo {
  const canonical = ALIASES[name.toLowerCase()];
  const info = CURVES.find((curve) => curve.name === canonical);
  if (info === undefined) throw cryptoError('ERR_CRYPTO_INVALID_CURVE', `Invalid EC curve name ${name}`, TypeError);
  return info;
}

/** The curve with this OID (hex of the DER contents). */
export function curveByOid(oid: string): CurveInfo {
  const info = CURVES.find((curve) => curve.oid === oid);
  if (info === undefined) throw cryptoError('ERR_OSSL_EC_UNKNOWN_GROUP', `Unsupported EC curve OID ${oid}`);
  return info;
}

/** `crypto.getCurves()`. */
export function getCurves(): string[] {
  return CURVES.map((curve) => curve.name);
}

/** A secret scalar left-padded (or stripped of mpint zero bytes) to the field size. */
export function fitScalar(info: CurveInfo, scalar: Uint8Array): Uint8Array {
  let start = 0;
  while (scalar.length - start > info.fieldBytes && scalar[start] === 0) start++;
  const trimmed = scalar.subarray(start);
  if (trimmed.length > info.fieldBytes) throw cryptoError('ERR_CRYPTO_INVALID_KEYLEN', 'Invalid EC private key length', RangeError);
  const out = new Uint8Array(info.fieldBytes);
  out.set(trimmed, info.fieldBytes - trimmed.length);
  return out;
}
