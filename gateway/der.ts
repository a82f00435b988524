/**
 * A strict DER reader, just enough to read the parameters of a page-supplied key
 * (tls-key-check.ts) before OpenSSL acts on them. It refuses what DER forbids (BER
 * indefinite lengths, non-minimal lengths): what it cannot read exactly, the caller refuses.
 */

/** DER tags the key checks read. */
export const DerTag = {
  Integer: 0x02,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Sequence: 0x30,
} as const;

/** One element: its tag byte and its contents. */
export interface DerElement {
  readonly tag: number;
  readonly value: Uint8Array;
}

/** Thrown for anything that is not strict DER of the expected shape. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

function readElement(bytes: Uint8Array, offset: number): { element: DerElement; end: number } {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError('truncated element');
  // High tag numbers (low bits all set) never occur in the structures we read.
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 3 octets is longer than any frame.
    if (octets === 0 || octets > 3) throw new DerError('unsupported length encoding');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[start + i] ?? 0);
    start += octets;
    if (length < 0x80 || bytes[offset + 2] === 0) throw new DerError('non-minimal length');
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('element overruns its container');
  return { element: { tag, value: bytes.subarray(start, end) }, end };
}

/** The single element `bytes` holds (no trailing bytes), checked against `tag`. */
export function derOne(bytes: Uint8Array, tag: number): Uint8Array {
  const { element, end } = readElement(bytes, 0);
  if (end !== bytes.length) throw new DerError('trailing bytes');
  return expectTag(element, tag);
}

/** The elements inside a constructed element's contents. */
export function derChildren(contents: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < contents.length;) {
    const { element, end } = readElement(contents, offset);
    out.push(element);
    offset = end;
  }
  return out;
}

/** The contents of `element`, checked against `tag` (a missing element fails too). */
export function expectTag(element: DerElement | undefined, tag: number): Uint8Array {
  if (element === undefined) throw new DerError(`missing element (tag 0x${tag.toString(16)})`);
  if (element.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  return element.value;
}

/** An OBJECT IDENTIFIER's contents in dotted form. */
export function derOid(value: Uint8Array): string {
  if (value.length === 0 || (value[value.length - 1] as number) & 0x80) throw new DerError('bad OID');
  const arcs: number[] = [];
  let arc = 0;
  for (const byte of value) {
    if (arc === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    arc = arc * 128 + (byte & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(arc < 80 ? Math.floor(arc / 40) : 2, arc < 80 ? arc % 40 : arc - 80);
    else arcs.push(arc);
    arc = 0;
  }
  return arcs.join('.');
}

/** A non-negative INTEGER's value; negative or non-minimal encodings are refused. */
export function derUint(value: Uint8Array): bigint {
  const first = value[0];
  if (first === undefined) throw new DerError('empty INTEGER');
  if (first & 0x80) throw new DerError('negative INTEGER');
  if (first === 0 && value.length > 1 && ((value[1] as number) & 0x80) === 0) throw new DerError('non-minimal INTEGER');
  let n = 0n;
  for (const byte of value) n = (n << 8n) | BigInt(byte);
  return n;
}
