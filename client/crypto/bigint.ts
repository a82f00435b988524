/** Big-endian bytes ↔ bigint, and modular exponentiation: the arithmetic of RSA and finite-field DH. */
import { Buffer } from 'buffer';

/** Unsigned big-endian bytes as a bigint. */
export function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A non-negative bigint as minimal big-endian bytes. */
export function fromBigInt(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

/** A non-negative bigint as exactly `length` big-endian bytes (left-padded with zeros). */
export function toFixedBytes(value: bigint, length: number): Uint8Array {
  const bytes = fromBigInt(value);
  const out = new Uint8Array(length);
  out.set(bytes.subarray(Math.max(0, bytes.length - length)), Math.max(0, length - bytes.length));
  return out;
}

/** Bytes needed for `n`. */
export function byteLength(n: bigint): number {
  return Math.ceil(n.toString(16).length / 2);
}

/** base^exponent mod modulus, square-and-multiply (not constant time: bigint never is). */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
