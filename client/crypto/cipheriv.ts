/**
 * `createCipheriv` / `createDecipheriv` for the ciphers SSH uses: aes-{128,192,256}-ctr,
 * aes-{128,192,256}-gcm, OpenSSL's raw 'chacha20' (ssh2 builds
 * chacha20-poly1305@openssh.com from it) and aes-{128,192,256}-cbc (legacy servers,
 * encrypted PEM/PuTTY keys). State carries across update() calls as in Node; the
 * objects are not Transform streams.
 */
import type { Buffer } from 'buffer';
import { type BinaryLike, type Encoding, cryptoError, encodeOutput, toBytes } from './bytes.ts';
import { CbcState } from './cbc.ts';
import { GCM_IV_LENGTH, GcmState } from './gcm.ts';
import { type KeystreamXor, aesCtrKeystream, chacha20Keystream } from './keystream.ts';

type Mode = 'ctr' | 'gcm' | 'chacha20' | 'cbc';

interface CipherSpec {
  readonly mode: Mode;
  readonly keyLength: number;
  readonly ivLength: number;
}

const CIPHERS: Readonly<Record<string, CipherSpec>> = {
  'aes-128-ctr': { mode: 'ctr', keyLength: 16, ivLength: 16 },
  'aes-192-ctr': { mode: 'ctr', keyLength: 24, ivLength: 16 },
  'aes-256-ctr': { mode: 'ctr', keyLength: 32, ivLength: 16 },
  'aes-128-gcm': { mode: 'gcm', keyLength: 16, ivLength: GCM_IV_LENGTH },
  'aes-192-gcm': { mode: 'gcm', keyLength: 24, ivLength: GCM_IV_LENGTH },
  'aes-256-gcm': { mode: 'gcm', keyLength: 32, ivLength: GCM_IV_LENGTH },
  chacha20: { mode: 'chacha20', keyLength: 32, ivLength: 16 },
  'aes-128-cbc': { mode: 'cbc', keyLength: 16, ivLength: 16 },
  'aes-192-cbc': { mode: 'cbc', keyLength: 24, ivLength: 16 },
  'aes-256-cbc': { mode: 'cbc', keyLength: 32, ivLength: 16 },
};

/** `crypto.getCiphers()`: ssh2 offers only the SSH ciphers whose OpenSSL name is listed. */
export function getCiphers(): string[] {
  return Object.keys(CIPHERS);
}

/** Bytes in, bytes out: what update()/final() do for one cipher mode. */
type Engine =
  | { readonly kind: 'stream'; readonly stream: KeystreamXor }
  | { readonly kind: 'gcm'; readonly gcm: GcmState }
  | { readonly kind: 'cbc'; readonly cbc: CbcState };

function createEngine(algorithm: string, key: BinaryLike, iv: BinaryLike | null, encrypting: boolean): Engine {
  const spec = CIPHERS[algorithm.toLowerCase()];
  if (spec === undefined) throw cryptoError('ERR_CRYPTO_UNKNOWN_CIPHER', 'Unknown cipher');
  const keyBytes = toBytes(key);
  if (keyBytes.length !== spec.keyLength) throw cryptoError('ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length', RangeError);
  const ivBytes = iv === null ? new Uint8Array(0) : toBytes(iv);
  if (ivBytes.length !== spec.ivLength) throw cryptoError('ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector', TypeError);
  switch (spec.mode) {
    case 'ctr':
      return { kind: 'stream', stream: aesCtrKeystream(keyBytes, ivBytes) };
    case 'chacha20':
      return { kind: 'stream', stream: chacha20Keystream(keyBytes, ivBytes) };
    case 'gcm':
      return { kind: 'gcm', gcm: new GcmState(keyBytes, ivBytes, encrypting) };
    case 'cbc':
      return { kind: 'cbc', cbc: new CbcState(keyBytes, ivBytes, encrypting) };
    default: {
      const never: never = spec.mode;
      throw new Error(`unreachable cipher mode ${String(never)}`);
    }
  }
}

function engineUpdate(engine: Engine, input: Uint8Array): Uint8Array {
  switch (engine.kind) {
    case 'stream':
      return engine.stream.xor(input);
    case 'gcm':
      return engine.gcm.update(input);
    case 'cbc':
      return engine.cbc.update(input);
    default: {
      const never: never = engine;
      return never;
    }
  }
}

function engineFinal(engine: Engine): Uint8Array {
  switch (engine.kind) {
    case 'stream':
      return new Uint8Array(0);
    case 'gcm':
      return engine.gcm.final();
    case 'cbc':
      return engine.cbc.final();
    default: {
      const never: never = engine;
      return never;
    }
  }
}

/** Shared surface of Node's Cipher and Decipher. */
class CipherBase {
  readonly #engine: Engine;
  #finished = false;

  constructor(algorithm: string, key: BinaryLike, iv: BinaryLike | null, encrypting: boolean) {
    this.#engine = createEngine(algorithm, key, iv, encrypting);
  }

  /** Transforms `data`; returns the output so far (CBC holds back a partial block). */
  update(data: BinaryLike, inputEncoding?: Encoding): Buffer;
  update(data: BinaryLike, inputEncoding: Encoding | undefined, outputEncoding: Encoding): string;
  update(data: BinaryLike, inputEncoding?: Encoding, outputEncoding?: Encoding): Buffer | string {
    if (this.#finished) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation update');
    const input = toBytes(data, inputEncoding);
    return encodeOutput(engineUpdate(this.#engine, input), outputEncoding);
  }

  /** Ends the operation: CBC padding, or computes (cipher) / checks (decipher) the GCM tag. */
  final(): Buffer;
  final(outputEncoding: Encoding): string;
  final(outputEncoding?: Encoding): Buffer | string {
    if (this.#finished) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation final');
    this.#finished = true;
    return encodeOutput(engineFinal(this.#engine), outputEncoding);
  }

  /** PKCS#7 padding on or off (CBC; the stream and AEAD modes never pad). */
  setAutoPadding(autoPadding = true): this {
    if (this.#engine.kind === 'cbc') this.#engine.cbc.setAutoPadding(autoPadding);
    return this;
  }

  /** Additional authenticated data (GCM only), before the first update(). */
  setAAD(buffer: ArrayBufferView, _options?: { plaintextLength?: number }): this {
    this.#gcm('setAAD').setAAD(toBytes(buffer));
    return this;
  }

  protected gcmState(operation: string): GcmState {
    return this.#gcm(operation);
  }

  #gcm(operation: string): GcmState {
    if (this.#engine.kind !== 'gcm') throw cryptoError('ERR_CRYPTO_INVALID_STATE', `Invalid state for operation ${operation}`);
    return this.#engine.gcm;
  }
}

/** Node's `Cipher` (from createCipheriv). */
export class Cipheriv extends CipherBase {
  /** The GCM tag, after final(). */
  getAuthTag(): Buffer {
    return encodeOutput(this.gcmState('getAuthTag').getAuthTag(), undefined) as Buffer;
  }
}

/** Node's `Decipher` (from createDecipheriv). */
export class Decipheriv extends CipherBase {
  /** The expected GCM tag, checked by final(). */
  setAuthTag(buffer: ArrayBufferView): this {
    this.gcmState('setAuthTag').setAuthTag(toBytes(buffer));
    return this;
  }
}

/** `crypto.createCipheriv(algorithm, key, iv)`. */
export function createCipheriv(algorithm: string, key: BinaryLike, iv: BinaryLike | null): Cipheriv {
  return new Cipheriv(algorithm, key, iv, true);
}

/** `crypto.createDecipheriv(algorithm, key, iv)`. */
export function createDecipheriv(algorithm: string, key: BinaryLike, iv: BinaryLike | null): Decipheriv {
  return new Decipheriv(algorithm, key, iv, false);
}
