/**
 * Node's `KeyObject` for asymmetric keys (ed25519, x25519, ec on the NIST curves,
 * rsa), with `createPublicKey` / `createPrivateKey` from PEM, DER or another
 * KeyObject, and `export()` to SPKI, PKCS#8, SEC1 or PKCS#1 as DER or PEM.
 */
import type { Buffer } from 'buffer';
import { type BinaryLike, asBuffer, cryptoError, toBytes, unsupported } from './bytes.ts';
import { decodePem, encodePem } from './der.ts';
import {
  type KeyData, fromPkcs1, fromPkcs8, fromSec1, fromSpki, isPrivate, publicPart, toPkcs1, toPkcs8, toSec1, toSpki,
} from './key-data.ts';

/** Node's `asymmetricKeyType` values this shim handles. */
export type AsymmetricKeyType = 'ed25519' | 'x25519' | 'ec' | 'rsa';
/** DER structures a key can be read from or exported to. */
export type KeyEncodingType = 'spki' | 'pkcs8' | 'sec1' | 'pkcs1';
/** `keyObject.export()` options (no JWK, no encryption). */
export interface KeyExportOptions {
  readonly type: KeyEncodingType;
  readonly format: 'der' | 'pem';
}
/** The object form of a key input: `{ key, format, type }`. */
export interface KeyInputObject {
  readonly key: BinaryLike | KeyObject;
  readonly format?: 'pem' | 'der';
  readonly type?: KeyEncodingType;
  readonly encoding?: 'utf8' | 'latin1' | 'ascii' | 'hex' | 'base64';
}
/** What createPublicKey/createPrivateKey, sign and verify accept as a key. */
export type KeyLike = BinaryLike | KeyObject | KeyInputObject;

// KeyObject's material, kept out of the public shape (no `#field` reachable by helpers).
const MATERIAL = new WeakMap<KeyObject, KeyData>();

/** Node's `KeyObject` (asymmetric only). */
export class KeyObject {
  /** 'public' or 'private'. */
  readonly type: 'public' | 'private';

  constructor(data: KeyData) {
    this.type = isPrivate(data) ? 'private' : 'public';
    MATERIAL.set(this, data);
  }

  /** 'ed25519', 'x25519', 'ec' or 'rsa'. */
  get asymmetricKeyType(): AsymmetricKeyType {
    return keyDataOf(this).kind;
  }

  /** `{ namedCurve }` for EC keys, `{ modulusLength, publicExponent }` for RSA, `{}` otherwise. */
  get asymmetricKeyDetails(): { namedCurve?: string; modulusLength?: number; publicExponent?: bigint } {
    const data = keyDataOf(this);
    if (data.kind === 'ec') return { namedCurve: data.curve.name };
    if (data.kind === 'rsa') return { modulusLength: data.rsa.n.toString(2).length, publicExponent: data.rsa.e };
    return {};
  }

  /** The key as DER (Buffer) or PEM (string). */
  export(options: KeyExportOptions & { format: 'pem' }): string;
  export(options: KeyExportOptions & { format: 'der' }): Buffer;
  export(options: KeyExportOptions): Buffer | string {
    const data = keyDataOf(this);
    const der = exportDer(data, options.type, this.type);
    return options.format === 'pem' ? encodePem(pemLabel(data, options.type), der) : asBuffer(der);
  }

  /** Whether both keys hold the same material. */
  equals(other: KeyObject): boolean {
    if (other.type !== this.type) return false;
    const type = this.type === 'public' ? 'spki' : 'pkcs8';
    return asBuffer(exportDer(keyDataOf(this), type, this.type)).equals(asBuffer(exportDer(keyDataOf(other), type, other.type)));
  }
}

function exportDer(data: KeyData, type: KeyEncodingType, keyType: 'public' | 'private'): Uint8Array {
  if (type === 'spki' && keyType === 'public') return toSpki(data);
  if (type === 'pkcs8' && keyType === 'private') return toPkcs8(data);
  if (type === 'sec1' && keyType === 'private' && data.kind === 'ec') return toSec1(data);
  if (type === 'pkcs1' && data.kind === 'rsa') return toPkcs1(data, keyType === 'private');
  throw cryptoError('ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', `The selected key encoding ${type} can only be used for matching ${keyType} keys.`, TypeError);
}

function pemLabel(data: KeyData, type: KeyEncodingType): string {
  switch (type) {
    case 'spki':
      return 'PUBLIC KEY';
    case 'pkcs8':
      return 'PRIVATE KEY';
    case 'sec1':
      return 'EC PRIVATE KEY';
    case 'pkcs1':
      return data.kind === 'rsa' && data.rsa.private !== undefined ? 'RSA PRIVATE KEY' : 'RSA PUBLIC KEY';
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** The material of a KeyObject made by this module. */
export function keyDataOf(key: KeyObject): KeyData {
  const data = MATERIAL.get(key);
  if (data === undefined) throw cryptoError('ERR_INVALID_ARG_TYPE', 'The "key" argument must be a KeyObject created by sockway/crypto', TypeError);
  return data;
}

function fromPem(text: string): KeyData {
  const block = decodePem(text);
  if (block === undefined) throw cryptoError('ERR_OSSL_PEM_NO_START_LINE', 'error:0480006C:PEM routines::no start line');
  switch (block.label) {
    case 'PUBLIC KEY':
      return fromSpki(block.der);
    case 'PRIVATE KEY':
      return fromPkcs8(block.der);
    case 'EC PRIVATE KEY':
      return fromSec1(block.der);
    case 'RSA PRIVATE KEY':
      return fromPkcs1(block.der, true);
    case 'RSA PUBLIC KEY':
      return fromPkcs1(block.der, false);
    default:
      throw unsupported(`PEM "${block.label}"`);
  }
}

function fromDer(der: Uint8Array, type: KeyEncodingType | undefined, wantPrivate: boolean): KeyData {
  switch (type ?? (wantPrivate ? 'pkcs8' : 'spki')) {
    case 'spki':
      return fromSpki(der);
    case 'pkcs8':
      return fromPkcs8(der);
    case 'sec1':
      return fromSec1(der);
    case 'pkcs1':
      return fromPkcs1(der, wantPrivate);
    default:
      throw cryptoError('ERR_INVALID_ARG_VALUE', `The property 'key.type' is invalid. Received ${String(type)}`, TypeError);
  }
}

/** Key material from any accepted key input; private material only when `wantPrivate`. */
export function toKeyData(input: KeyLike, wantPrivate: boolean): KeyData {
  let data: KeyData;
  if (input instanceof KeyObject) {
    data = keyDataOf(input);
  } else if (typeof input === 'string' || ArrayBuffer.isView(input)) {
    data = fromPem(typeof input === 'string' ? input : asBuffer(toBytes(input)).toString('latin1'));
  } else if (input.key instanceof KeyObject) {
    data = keyDataOf(input.key);
  } else if (input.format === 'der') {
    data = fromDer(toBytes(input.key, input.encoding), input.type, wantPrivate);
  } else {
    const key = input.key;
    data = fromPem(typeof key === 'string' ? key : asBuffer(toBytes(key)).toString('latin1'));
  }
  if (wantPrivate && !isPrivate(data)) throw cryptoError('ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', 'Invalid key object type public, expected private.', TypeError);
  return wantPrivate ? data : publicPart(data);
}

/** `crypto.createPublicKey(key)`: from a public key, or the public half of a private one. */
export function createPublicKey(key: KeyLike): KeyObject {
  return new KeyObject(toKeyData(key, false));
}

/** `crypto.createPrivateKey(key)`. */
export function createPrivateKey(key: KeyLike): KeyObject {
  return new KeyObject(toKeyData(key, true));
}
