/**
 * `crypto` for a page, the subset Node database and messaging clients use (pg's SCRAM
 * and MD5 auth, ioredis, mqtt): synchronous hashes, HMAC and PBKDF2 from `@noble/hashes`,
 * random values from `crypto.getRandomValues`. The `sockway/vite` plugin aliases
 * `crypto` / `node:crypto` here by default; `sockway/crypto` (full.ts) adds ciphers,
 * signatures and key exchange on top of it.
 *
 * Not here: Hash/Hmac as streams (update/digest only), KeyObject, scrypt, hkdf.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { md5, ripemd160, sha1 } from '@noble/hashes/legacy.js';
import { pbkdf2 as noblePbkdf2, pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import type { CHash, Hash as NobleHash } from '@noble/hashes/utils.js';
import { Buffer } from 'buffer';

/** Bytes Node accepts as data or key; strings are decoded with the given encoding (utf8 by default). */
export type BinaryLike = string | ArrayBufferView;
/** Encodings of a digest or an input string (those `Buffer` supports). */
export type Encoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'utf8' | 'utf-8' | 'ascii' | 'ucs2' | 'ucs-2' | 'utf16le' | 'utf-16le';

// Whichever typings 'buffer' resolves to (npm buffer's or @types/node's), their encoding type.
type BufferEncoding = NonNullable<Parameters<Buffer['toString']>[0]>;
type ErrorClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;
type CodedError = Error & { code: string };

function nodeError(Class: ErrorClass, code: string, message: string): CodedError {
  const error = new Class(message) as CodedError;
  error.code = code;
  return error;
}

// Node's names (getHashes()), lower case; lookups are case-insensitive as in OpenSSL.
const HASHES: Readonly<Record<string, CHash>> = {
  md5,
  sha1,
  ripemd160,
  sha224,
  sha256,
  sha384,
  sha512,
  'sha512-224': sha512_224,
  'sha512-256': sha512_256,
};
const ALIASES: Readonly<Record<string, string>> = { 'rsa-md5': 'md5', 'rsa-sha1': 'sha1', 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512', rmd160: 'ripemd160', 'ripemd-160': 'ripemd160' };

function hashFunction(algorithm: unknown): CHash | undefined {
  if (typeof algorithm !== 'string') return undefined;
  const name = algorithm.toLowerCase();
  return HASHES[ALIASES[name] ?? name];
}

function toBytes(data: unknown, encoding: string | undefined, name: string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, (encoding ?? 'utf8') as BufferEncoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`);
}

function output(bytes: Uint8Array, encoding: string | undefined): Buffer | string {
  const buffer = Buffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  return encoding === undefined || encoding === 'buffer' ? buffer : buffer.toString(encoding as BufferEncoding);
}

/** What Hash and Hmac share: a noble state taking update() until a digest finalizes it. */
abstract class RunningDigest {
  #state: NobleHash<unknown> | null;

  constructor(state: NobleHash<unknown>) {
    this.#state = state;
  }

  /** Adds data (a string is decoded with `inputEncoding`, utf8 by default). */
  update(data: BinaryLike, inputEncoding?: Encoding): this {
    this.liveState().update(toBytes(data, inputEncoding, 'data'));
    return this;
  }

  /** The state, or ERR_CRYPTO_HASH_FINALIZED once digested. */
  protected liveState(): NobleHash<unknown> {
    if (this.#state === null) throw nodeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    return this.#state;
  }

  /** The digest's bytes (null when already finalized); no state is left after. */
  protected finalize(): Uint8Array | null {
    const state = this.#state;
    this.#state = null;
    return state === null ? null : state.digest();
  }
}

/** A running digest: Node's Hash (update/digest/copy, not the stream side). Use createHash(). */
export class Hash extends RunningDigest {
  /** The digest as a Buffer, or a string in `encoding`; the hash cannot be used after. */
  digest(): Buffer;
  digest(encoding: Encoding): string;
  digest(encoding?: Encoding): Buffer | string {
    this.liveState();
    return output(this.finalize() as Uint8Array, encoding);
  }

  /** An independent copy of the current state. */
  copy(): Hash {
    return new Hash(this.liveState().clone() as NobleHash<unknown>);
  }
}

/** A running HMAC: Node's Hmac (update/digest). Use createHmac(). */
export class Hmac extends RunningDigest {
  /** The MAC as a Buffer, or a string in `encoding`. Node returns an empty result on a second call. */
  digest(): Buffer;
  digest(encoding: Encoding): string;
  digest(encoding?: Encoding): Buffer | string {
    return output(this.finalize() ?? new Uint8Array(0), encoding);
  }
}

/** A Hash for `algorithm` (md5, sha1, ripemd160, sha224, sha256, sha384, sha512, sha512-224, sha512-256). */
export function createHash(algorithm: string): Hash {
  const hash = hashFunction(algorithm);
  if (hash === undefined) throw new Error('Digest method not supported');
  return new Hash(hash.create() as NobleHash<unknown>);
}

/** An Hmac for `algorithm` keyed with `key` (a string is utf8). */
export function createHmac(algorithm: string, key: BinaryLike): Hmac {
  const hash = hashFunction(algorithm);
  if (hash === undefined) throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${String(algorithm)}`);
  return new Hmac(hmac.create(hash, toBytes(key, undefined, 'key')) as unknown as NobleHash<unknown>);
}

/** The names createHash() and createHmac() accept. */
export function getHashes(): string[] {
  return Object.keys(HASHES).sort();
}

interface Pbkdf2Input {
  readonly hash: CHash;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly keylen: number;
}

function pbkdf2Input(password: BinaryLike, salt: BinaryLike, iterations: number, keylen: number, digest: string): Pbkdf2Input {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 31 - 1) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "iterations" is out of range. It must be >= 1 && <= 2147483647. Received ${String(iterations)}`);
  }
  if (!Number.isInteger(keylen) || keylen < 0 || keylen > 2 ** 31 - 1) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "keylen" is out of range. It must be >= 0 && <= 2147483647. Received ${String(keylen)}`);
  }
  const hash = hashFunction(digest);
  if (hash === undefined) throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${String(digest)}`);
  return { hash, password: toBytes(password, undefined, 'password'), salt: toBytes(salt, undefined, 'salt'), iterations, keylen };
}

/** PBKDF2 (RFC 8018), synchronously. */
export function pbkdf2Sync(password: BinaryLike, salt: BinaryLike, iterations: number, keylen: number, digest: string): Buffer {
  const input = pbkdf2Input(password, salt, iterations, keylen, digest);
  if (input.keylen === 0) return Buffer.alloc(0);
  return output(noblePbkdf2(input.hash, input.password, input.salt, { c: input.iterations, dkLen: input.keylen }), undefined) as Buffer;
}

/** PBKDF2, calling back with the key; the work yields to the event loop. */
export function pbkdf2(password: BinaryLike, salt: BinaryLike, iterations: number, keylen: number, digest: string, callback: (error: Error | null, derivedKey?: Buffer) => void): void {
  if (typeof callback !== 'function') throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function.');
  const input = pbkdf2Input(password, salt, iterations, keylen, digest);
  const derive = input.keylen === 0 ? Promise.resolve(new Uint8Array(0)) : pbkdf2Async(input.hash, input.password, input.salt, { c: input.iterations, dkLen: input.keylen });
  derive.then(
    (key) => callback(null, output(key, undefined) as Buffer),
    (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
  );
}

// getRandomValues fills at most 65536 bytes per call.
const RANDOM_CHUNK = 65536;
const MAX_RANDOM_SIZE = 2 ** 31 - 1;

function fillRandom(bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; offset += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(bytes.subarray(offset, offset + RANDOM_CHUNK));
  }
}

function checkSize(size: unknown, name: string, max: number): number {
  if (typeof size !== 'number') throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type number. Received ${typeof size}`);
  if (!Number.isInteger(size) || size < 0 || size > max) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= 0 && <= ${String(max)}. Received ${String(size)}`);
  }
  return size;
}

/** `size` random bytes; with a callback, delivered on a later task. */
export function randomBytes(size: number): Buffer;
export function randomBytes(size: number, callback: (error: Error | null, bytes: Buffer) => void): void;
export function randomBytes(size: number, callback?: (error: Error | null, bytes: Buffer) => void): Buffer | undefined {
  const bytes = Buffer.alloc(checkSize(size, 'size', MAX_RANDOM_SIZE));
  fillRandom(bytes);
  if (callback === undefined) return bytes;
  setTimeout(() => callback(null, bytes), 0);
  return undefined;
}

function viewBytes(buffer: unknown): Uint8Array {
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "buf" argument must be an instance of ArrayBuffer or ArrayBufferView.');
}

/** Fills `buffer` (from `offset`, `size` bytes) with random bytes and returns it. */
export function randomFillSync<T extends ArrayBufferView | ArrayBuffer>(buffer: T, offset = 0, size?: number): T {
  const bytes = viewBytes(buffer);
  const start = checkSize(offset, 'offset', bytes.length);
  const length = size === undefined ? bytes.length - start : checkSize(size, 'size', bytes.length - start);
  fillRandom(bytes.subarray(start, start + length));
  return buffer;
}

/** randomFillSync, calling back on a later task: (buffer, callback), (buffer, offset, callback) or (buffer, offset, size, callback). */
export function randomFill<T extends ArrayBufferView | ArrayBuffer>(buffer: T, ...rest: [...(number | undefined)[], (error: Error | null, buffer: T) => void]): void {
  const callback = rest.pop();
  if (typeof callback !== 'function') throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function.');
  const [offset, size] = rest as (number | undefined)[];
  randomFillSync(buffer, offset, size);
  setTimeout(() => callback(null, buffer), 0);
}

/** A random RFC 4122 version 4 UUID (works outside secure contexts, unlike crypto.randomUUID). */
export function randomUUID(): string {
  const bytes = new Uint8Array(16);
  fillRandom(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Node's limit: the range must fit 48 bits.
const MAX_RANGE = 2 ** 48 - 1;

/** A uniformly random integer in [min, max); with a callback, delivered on a later task. */
export function randomInt(max: number): number;
export function randomInt(min: number, max: number): number;
export function randomInt(max: number, callback: (error: Error | null, value: number) => void): void;
export function randomInt(min: number, max: number, callback: (error: Error | null, value: number) => void): void;
export function randomInt(...args: unknown[]): number | undefined {
  const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as (error: Error | null, value: number) => void) : undefined;
  const [min, max] = args.length >= 2 ? [args[0], args[1]] : [0, args[0]];
  for (const [name, value] of [['min', min], ['max', max]] as const) {
    if (!Number.isSafeInteger(value)) throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be a safe integer. Received ${String(value)}`);
  }
  const low = min as number;
  const high = max as number;
  if (high <= low) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "max" is out of range. It must be greater than the value of "min" (${String(low)}). Received ${String(high)}`);
  const range = high - low;
  if (range > MAX_RANGE) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "max - min" is out of range. It must be <= ${String(MAX_RANGE)}. Received ${String(range)}`);
  // Rejection sampling over 48 random bits: no modulo bias.
  const limit = 2 ** 48 - (2 ** 48 % range);
  const six = new Uint8Array(6);
  let sample: number;
  do {
    fillRandom(six);
    sample = six.reduce((acc, byte) => acc * 256 + byte, 0);
  } while (sample >= limit);
  const value = low + (sample % range);
  if (callback === undefined) return value;
  setTimeout(() => callback(null, value), 0);
  return undefined;
}

/** Compares two equally long byte sequences in time independent of their contents. */
export function timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const left = viewBytes(a);
  const right = viewBytes(b);
  if (left.length !== right.length) throw nodeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

/** The page's Web Crypto (Node's crypto.webcrypto). */
export const webcrypto: Crypto = globalThis.crypto;
/** The page's SubtleCrypto (Node's crypto.subtle); undefined outside secure contexts. */
export const subtle: SubtleCrypto = globalThis.crypto.subtle;
/** crypto.getRandomValues, bound to the page's Crypto. */
export function getRandomValues<T extends ArrayBufferView>(array: T): T {
  fillRandom(viewBytes(array));
  return array;
}

const crypto = {
  Hash,
  Hmac,
  createHash,
  createHmac,
  getHashes,
  pbkdf2,
  pbkdf2Sync,
  randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID,
  timingSafeEqual,
  webcrypto,
  subtle,
  getRandomValues,
};
export default crypto;
