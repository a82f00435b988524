/**
 * Key generation and agreement: `generateKeyPairSync` (ed25519, x25519, ec),
 * `diffieHellman` (x25519 and ECDH on KeyObjects) and `createECDH` on the NIST curves.
 * ssh2's curve25519-sha256 and ecdh-sha2-nistp* key exchanges run on these.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import type { Buffer } from 'buffer';
import { type BinaryLike, type BinaryToTextEncoding, asBuffer, cryptoError, encodeOutput, toBytes, unsupported } from './bytes.ts';
import { type CurveInfo, curveByName, fitScalar } from './curves.ts';
import { fromScalar, fromSeed, publicPart } from './key-data.ts';
import { type KeyExportOptions, KeyObject, keyDataOf } from './key-object.ts';

/** Options of `generateKeyPairSync`; with encodings, the keys come back exported. */
export interface KeyPairOptions {
  readonly namedCurve?: string;
  readonly publicKeyEncoding?: KeyExportOptions;
  readonly privateKeyEncoding?: KeyExportOptions;
}

/** A generated pair; KeyObjects unless encodings were asked for. */
export interface KeyPair<Public = KeyObject, Private = KeyObject> {
  readonly publicKey: Public;
  readonly privateKey: Private;
}

function randomScalar(curve: CurveInfo): Uint8Array {
  return curve.curve.utils.randomSecretKey();
}

function exported(key: KeyObject, encoding: KeyExportOptions | undefined): KeyObject | Buffer | string {
  if (encoding === undefined) return key;
  return encoding.format === 'pem' ? key.export({ ...encoding, format: 'pem' }) : key.export({ ...encoding, format: 'der' });
}

/** `crypto.generateKeyPairSync(type, options)` for 'ed25519', 'x25519' and 'ec' (`namedCurve`). */
export function generateKeyPairSync(
  type: 'ed25519' | 'x25519' | 'ec',
  options: KeyPairOptions & { readonly publicKeyEncoding: KeyExportOptions & { format: 'pem' }; readonly privateKeyEncoding: KeyExportOptions & { format: 'pem' } },
): KeyPair<string, string>;
export function generateKeyPairSync(type: 'ed25519' | 'x25519' | 'ec', options?: { readonly namedCurve?: string }): KeyPair;
export function generateKeyPairSync(type: 'ed25519' | 'x25519' | 'ec', options?: KeyPairOptions): KeyPair<KeyObject | Buffer | string, KeyObject | Buffer | string>;
export function generateKeyPairSync(type: 'ed25519' | 'x25519' | 'ec', options: KeyPairOptions = {}): KeyPair<KeyObject | Buffer | string, KeyObject | Buffer | string> {
  let privateKey: KeyObject;
  switch (type) {
    case 'ed25519':
    case 'x25519':
      privateKey = new KeyObject(fromSeed(type, globalThis.crypto.getRandomValues(new Uint8Array(32))));
      break;
    case 'ec': {
      if (options.namedCurve === undefined) throw cryptoError('ERR_INVALID_ARG_TYPE', 'The "options.namedCurve" property must be of type string. Received undefined', TypeError);
      const curve = curveByName(options.namedCurve);
      privateKey = new KeyObject(fromScalar(curve, randomScalar(curve)));
      break;
    }
    default:
      throw unsupported(`generateKeyPairSync('${String(type)}')`);
  }
  const publicKey = new KeyObject(publicPart(keyDataOf(privateKey)));
  return { publicKey: exported(publicKey, options.publicKeyEncoding), privateKey: exported(privateKey, options.privateKeyEncoding) };
}

/** `crypto.generateKeyPair(type, options, callback)`: the synchronous generator, reported asynchronously. */
export function generateKeyPair(
  type: 'ed25519' | 'x25519' | 'ec',
  options: KeyPairOptions | undefined,
  callback: (error: Error | null, publicKey?: KeyObject | Buffer | string, privateKey?: KeyObject | Buffer | string) => void,
): void {
  let pair: KeyPair<KeyObject | Buffer | string, KeyObject | Buffer | string>;
  try {
    pair = generateKeyPairSync(type, options);
  } catch (error) {
    queueMicrotask(() => callback(error as Error));
    return;
  }
  queueMicrotask(() => callback(null, pair.publicKey, pair.privateKey));
}

/** `crypto.diffieHellman({ privateKey, publicKey })` for x25519 and EC KeyObjects. */
export function diffieHellman(options: { readonly privateKey: KeyObject; readonly publicKey: KeyObject }): Buffer {
  const priv = keyDataOf(options.privateKey);
  const pub = keyDataOf(options.publicKey);
  if (priv.kind === 'x25519' && pub.kind === 'x25519' && priv.seed !== undefined) {
    // noble rejects low-order peer keys (an all-zero secret), as OpenSSL does.
    return asBuffer(x25519.getSharedSecret(priv.seed, pub.publicKey));
  }
  if (priv.kind === 'ec' && pub.kind === 'ec' && priv.scalar !== undefined && priv.curve === pub.curve) {
    return asBuffer(priv.curve.curve.getSharedSecret(priv.scalar, pub.publicKey, true).subarray(1));
  }
  throw cryptoError('ERR_CRYPTO_INCOMPATIBLE_KEY', 'Incompatible key types for Diffie-Hellman: x25519 with x25519, or ec with ec on one curve');
}

type PointFormat = 'uncompressed' | 'compressed';

/** Node's `ECDH` on prime256v1, secp384r1 and secp521r1. */
export class ECDH {
  readonly #curve: CurveInfo;
  #scalar: Uint8Array | undefined;

  constructor(curveName: string) {
    this.#curve = curveByName(curveName);
  }

  /** Makes a new private key; returns the public key. */
  generateKeys(): Buffer;
  generateKeys(encoding: BinaryToTextEncoding, format?: PointFormat): string;
  generateKeys(encoding?: BinaryToTextEncoding, format?: PointFormat): Buffer | string {
    this.#scalar = randomScalar(this.#curve);
    return encodeOutput(this.#publicKey(format), encoding);
  }

  /** The shared secret (the x coordinate) with a peer's public point. */
  computeSecret(otherPublicKey: BinaryLike, inputEncoding?: BinaryToTextEncoding): Buffer;
  computeSecret(otherPublicKey: BinaryLike, inputEncoding: BinaryToTextEncoding | undefined, outputEncoding: BinaryToTextEncoding): string;
  computeSecret(otherPublicKey: BinaryLike, inputEncoding?: BinaryToTextEncoding, outputEncoding?: BinaryToTextEncoding): Buffer | string {
    const scalar = this.#requireScalar();
    let shared: Uint8Array;
    try {
      shared = this.#curve.curve.getSharedSecret(scalar, toBytes(otherPublicKey, inputEncoding), true);
    } catch {
      throw cryptoError('ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY', 'Public key is not valid for specified curve');
    }
    return encodeOutput(shared.subarray(1), outputEncoding);
  }

  /** The public point. */
  getPublicKey(): Buffer;
  getPublicKey(encoding: BinaryToTextEncoding | null, format?: PointFormat): Buffer | string;
  getPublicKey(encoding?: BinaryToTextEncoding | null, format?: PointFormat): Buffer | string {
    return encodeOutput(this.#publicKey(format), encoding ?? undefined);
  }

  /** The private scalar. */
  getPrivateKey(): Buffer;
  getPrivateKey(encoding: BinaryToTextEncoding): string;
  getPrivateKey(encoding?: BinaryToTextEncoding): Buffer | string {
    return encodeOutput(this.#requireScalar(), encoding);
  }

  /** Sets the private scalar (the public point follows). */
  setPrivateKey(privateKey: BinaryLike, encoding?: BinaryToTextEncoding): void {
    const scalar = fitScalar(this.#curve, toBytes(privateKey, encoding));
    if (!this.#curve.curve.utils.isValidSecretKey(scalar)) throw cryptoError('ERR_CRYPTO_INVALID_KEYTYPE', 'Private key is not valid for specified curve.');
    this.#scalar = scalar;
  }

  #requireScalar(): Uint8Array {
    if (this.#scalar === undefined) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Failed to get ECDH private key: call generateKeys() or setPrivateKey() first');
    return this.#scalar;
  }

  #publicKey(format: PointFormat | undefined): Uint8Array {
    return this.#curve.curve.getPublicKey(this.#requireScalar(), format === 'compressed');
  }
}

/** `crypto.createECDH(curveName)`. */
export function createECDH(curveName: string): ECDH {
  return new ECDH(curveName);
}
