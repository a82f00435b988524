/**
 * `buffer` / `node:buffer` in a page: the npm `buffer` package (the one sockway's sockets
 * emit) plus what it lacks of Node's module: `constants` (ioredis reads
 * MAX_STRING_LENGTH), and the web `Blob`, `atob`, `btoa` Node re-exports.
 */
import * as npmBuffer from 'buffer/index.js';

// The npm package's typings declare only Buffer.
const npm = npmBuffer as unknown as typeof npmBuffer & { readonly kMaxLength: number; readonly INSPECT_MAX_BYTES: number; readonly SlowBuffer: (size: number) => npmBuffer.Buffer };

/** Node's Buffer class (npm buffer). */
export const Buffer = npm.Buffer;

// Node's Buffer also has per-encoding methods (`utf8Write`, `latin1Slice`, …) that are
// undocumented but used on hot paths (ssh2 calls utf8Write on every packet); npm buffer
// has only write()/toString(), so they are added here, once, to its prototype.
const ENCODINGS = ['utf8', 'latin1', 'ascii', 'hex', 'base64', 'base64url', 'ucs2'] as const;
const proto = Buffer.prototype as unknown as Record<string, unknown>;
for (const encoding of ENCODINGS) {
  if (typeof proto[`${encoding}Slice`] !== 'function') {
    proto[`${encoding}Slice`] = function slice(this: npmBuffer.Buffer, start = 0, end = this.length): string {
      return this.toString(encoding, start, end);
    };
  }
  if (typeof proto[`${encoding}Write`] !== 'function') {
    proto[`${encoding}Write`] = function write(this: npmBuffer.Buffer, string: string, offset = 0, length = this.length - offset): number {
      return this.write(string, offset, length, encoding);
    };
  }
}
/** Node's deprecated SlowBuffer. */
export const SlowBuffer = npm.SlowBuffer;
/** The largest Buffer, in bytes. */
export const kMaxLength = npm.kMaxLength;
/** Bytes util.inspect shows of a Buffer. */
export const INSPECT_MAX_BYTES = npm.INSPECT_MAX_BYTES;
/** The longest string, in UTF-16 code units: V8's limit on 64-bit, (1 << 29) - 24. */
export const kStringMaxLength = 2 ** 29 - 24;
/** Node's buffer.constants. */
export const constants = Object.freeze({ MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength });
/** The web globals Node's buffer module re-exports. */
export const { Blob, atob, btoa } = globalThis;

const buffer = { Buffer, SlowBuffer, kMaxLength, kStringMaxLength, INSPECT_MAX_BYTES, constants, Blob, atob, btoa };
export default buffer;
