/**
 * `sign` / `verify` and `createSign` / `createVerify` for Ed25519, ECDSA on the NIST
 * curves (DER or IEEE P1363 signatures) and RSASSA-PKCS1-v1_5.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Buffer } from 'buffer';
import { type BinaryLike, type BinaryToTextEncoding, type Encoding, asBuffer, concatBytes, copyBytes, cryptoError, encodeOutput, toBytes } from './bytes.ts';
import { digestFor } from './digests.ts';
import { type KeyInputObject, type KeyLike, toKeyData } from './key-object.ts';
import { rsaSign, rsaVerify } from './rsa.ts';

/** A key for sign/verify, optionally with Node's `dsaEncoding` for ECDSA. */
export type SignKey = KeyLike | (KeyInputObject & { readonly dsaEncoding?: 'der' | 'ieee-p1363' });

function dsaEncodingOf(key: SignKey): 'der' | 'compact' {
  const encoding = typeof key === 'object' && !ArrayBuffer.isView(key) && 'dsaEncoding' in key ? key.dsaEncoding : undefined;
  return encoding === 'ieee-p1363' ? 'compact' : 'der';
}

/** `crypto.sign(algorithm, data, key)`: algorithm is null for Ed25519, a digest name otherwise. */
export function sign(algorithm: string | null | undefined, data: ArrayBufferView, key: SignKey): Buffer {
  const material = toKeyData(key, true);
  const bytes = toBytes(data);
  switch (material.kind) {
    case 'ed25519':
      return asBuffer(ed25519.sign(bytes, material.seed ?? new Uint8Array(0)));
    case 'ec': {
      const digest = digestFor(algorithm ?? 'sha256')(bytes);
      return asBuffer(material.curve.curve.sign(digest, material.scalar ?? new Uint8Array(0), { prehash: false, format: dsaEncodingOf(key) }));
    }
    case 'rsa':
      return asBuffer(rsaSign(material.rsa, algorithm ?? 'sha256', bytes));
    case 'x25519':
      throw cryptoError('ERR_CRYPTO_OPERATION_FAILED', 'x25519 keys cannot sign');
    default: {
      const never: never = material;
      return never;
    }
  }
}

/** `crypto.verify(algorithm, data, key, signature)`: false for any invalid signature. */
export function verify(algorithm: string | null | undefined, data: ArrayBufferView, key: SignKey, signature: ArrayBufferView): boolean {
  const material = toKeyData(key, false);
  const bytes = toBytes(data);
  const sig = toBytes(signature);
  try {
    switch (material.kind) {
      case 'ed25519':
        return ed25519.verify(sig, bytes, material.publicKey);
      case 'ec': {
        const digest = digestFor(algorithm ?? 'sha256')(bytes);
        // lowS false: OpenSSL and OpenSSH do not normalise S.
        return material.curve.curve.verify(sig, digest, material.publicKey, { prehash: false, lowS: false, format: dsaEncodingOf(key) });
      }
      case 'rsa':
        return rsaVerify(material.rsa, algorithm ?? 'sha256', bytes, sig);
      case 'x25519':
        throw cryptoError('ERR_CRYPTO_OPERATION_FAILED', 'x25519 keys cannot verify');
      default: {
        const never: never = material;
        return never;
      }
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_CRYPTO_OPERATION_FAILED' || (error as { code?: unknown }).code === 'ERR_CRYPTO_INVALID_DIGEST') throw error;
    return false; // malformed signatures are invalid, as in OpenSSL
  }
}

/** Collects data for createSign/createVerify. */
class Collector {
  protected readonly algorithm: string;
  readonly #chunks: Uint8Array[] = [];

  constructor(algorithm: string) {
    digestFor(algorithm); // Node rejects unknown digests here, not at sign time
    this.algorithm = algorithm;
  }

  /** Adds data to sign or verify. */
  update(data: BinaryLike, inputEncoding?: Encoding): this {
    this.#chunks.push(copyBytes(toBytes(data, inputEncoding)));
    return this;
  }

  protected data(): Uint8Array {
    return concatBytes(this.#chunks);
  }
}

/** Node's `Sign`. */
export class Sign extends Collector {
  /** The signature as a Buffer, or a string in `outputEncoding`. */
  sign(key: SignKey): Buffer;
  sign(key: SignKey, outputEncoding: BinaryToTextEncoding): string;
  sign(key: SignKey, outputEncoding?: BinaryToTextEncoding): Buffer | string {
    return encodeOutput(sign(this.algorithm, this.data(), key), outputEncoding);
  }
}

/** Node's `Verify`. */
export class Verify extends Collector {
  /** Whether `signature` signs the collected data. */
  verify(key: SignKey, signature: BinaryLike, signatureEncoding?: BinaryToTextEncoding): boolean {
    return verify(this.algorithm, this.data(), key, toBytes(signature, signatureEncoding));
  }
}

/** `crypto.createSign(algorithm)`. */
export function createSign(algorithm: string): Sign {
  return new Sign(algorithm);
}

/** `crypto.createVerify(algorithm)`. */
export function createVerify(algorithm: string): Verify {
  return new Verify(algorithm);
}

