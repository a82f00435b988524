/**
 * The little DER that key formats need: read and write tag-length-value elements
 * (SEQUENCE, INTEGER, OCTET STRING, BIT STRING, OID, context tags), and PEM armour.
 */
import { Buffer } from 'buffer';
import { concatBytes, cryptoError } from './bytes.ts';

/** DER tags used by SPKI, PKCS#8, SEC1 and PKCS#1. */
export const Tag = {
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Sequence: 0x30,
  Context0: 0xa0,
  Context1: 0xa1,
} as const;

/** One decoded element: its tag and contents. */
export interface DerElement {
  readonly tag: number;
  readonly value: Uint8Array;
}

function malformed(what: string): Error {
  return cryptoError('ERR_OSSL_ASN1_WRONG_TAG', `Malformed key: ${what}`);
}

/** Reads the element at `offset`; returns it and the offset after it. */
function readElement(bytes: Uint8Array, offset: number): { element: DerElement; end: number } {
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  if (tag === undefined || length === undefined) throw malformed('truncated element');
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw malformed('bad length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[start + i] ?? 0);
    start += octets;
  }
  const end = start + length;
  if (end > bytes.length) throw malformed('element overruns input');
  return { element: { tag, value: bytes.subarray(start, end) }, end };
}

/** The single element that `bytes` holds, checked against `tag`. */
export function decodeOne(bytes: Uint8Array, tag: number): Uint8Array {
  const { element, end } = readElement(bytes, 0);
  if (element.tag !== tag) throw malformed(`expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  if (end !== bytes.length) throw malformed('trailing bytes');
  return element.value;
}

/** The elements inside a SEQUENCE's contents. */
export function children(contents: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < contents.length; ) {
    const { element, end } = readElement(contents, offset);
    out.push(element);
    offset = end;
  }
  return out;
}

/** The element at `index`, checked against `tag`. */
export function expect(elements: readonly DerElement[], index: number, tag: number): Uint8Array {
  const element = elements[index];
  if (element === undefined || element.tag !== tag) throw malformed(`expected tag 0x${tag.toString(16)} at ${index}`);
  return element.value;
}

/** The payload of a BIT STRING with no unused bits. */
export function bitStringBytes(value: Uint8Array): Uint8Array {
  if (value[0] !== 0) throw malformed('bit string with unused bits');
  return value.subarray(1);
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** One element from its tag and contents. */
export function encode(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = concatBytes(contents);
  return concatBytes([Uint8Array.of(tag), encodeLength(body.length), body]);
}

/** A BIT STRING holding whole bytes. */
export function encodeBitString(bytes: Uint8Array): Uint8Array {
  return encode(Tag.BitString, Uint8Array.of(0), bytes);
}

/** An unsigned INTEGER from big-endian magnitude bytes (leading zeros trimmed, sign byte added). */
export function encodeUnsigned(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return encode(Tag.Integer, (trimmed[0] ?? 0) & 0x80 ? concatBytes([Uint8Array.of(0), trimmed]) : trimmed);
}


/** A decoded PEM block: its label ('PUBLIC KEY', 'EC PRIVATE KEY', ...) and DER body. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/** The first PEM block in `text`, or undefined when there is none. */
export function decodePem(text: string): PemBlock | undefined {
  const match = PEM.exec(text);
  if (match === null) return undefined;
  const body = (match[2] ?? '').replace(/\s+/g, '');
  if (/:/.test(match[2] ?? '')) throw cryptoError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'Encrypted PEM keys are not supported by sockway/crypto');
  return { label: match[1] ?? '', der: Buffer.from(body, 'base64') };
}

/** DER armoured as PEM with 64-column lines, as OpenSSL writes it. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
