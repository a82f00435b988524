/**
 * Conversions at the edge of the crypto shim: Node's APIs take strings with an
 * encoding or any ArrayBufferView, and hand back npm `buffer` Buffers (callers such
 * as ssh2 use Buffer methods on every result) or encoded strings.
 */
import { Buffer } from 'buffer';

/** What Node's crypto accepts as data: a string (with an encoding) or any view. */
export type BinaryLike = string | ArrayBufferView;

/** The string encodings Node's crypto accepts and produces. */
export type BinaryToTextEncoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary';
/** Input encodings for string data. */
export type Encoding = BinaryToTextEncoding | 'utf8' | 'utf-8' | 'ascii' | 'ucs2' | 'utf16le';

/** The bytes of `data`, without copying when it already is a view. */
export function toBytes(data: BinaryLike, encoding?: Encoding): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType('data', data);
}

/** A Buffer over the same memory as `bytes` (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `bytes` as a Buffer, or as a string when an output encoding is given. */
export function encodeOutput(bytes: Uint8Array, encoding: Encoding | undefined): Buffer | string {
  const buffer = asBuffer(bytes);
  return encoding === undefined || (encoding as string) === 'buffer' ? buffer : buffer.toString(encoding);
}

/** Concatenation of byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A Node-shaped `ERR_INVALID_ARG_TYPE` TypeError. */
export function invalidArgType(name: string, value: unknown): TypeError {
  const error = new TypeError(`The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${typeof value}`);
  return Object.assign(error, { code: 'ERR_INVALID_ARG_TYPE' });
}

/** A Node-shaped error with a `code` (ERR_CRYPTO_*, ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, ...). */
export function cryptoError(code: string, message: string, Base: ErrorConstructor = Error): Error {
  return Object.assign(new Base(message), { code });
}

/** What a page cannot do with this shim: thrown like Node does for platform gaps. */
export function unsupported(what: string): Error {
  return cryptoError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `${what} is not supported by sockway/crypto`);
}

/** A copy of `bytes` as a plain Uint8Array (Buffer#slice would return a view). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
