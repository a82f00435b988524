/**
 * `querystring` / `node:querystring` in a page: Node's module, written out (browsers have
 * no counterpart; amqplib parses its connection URL's options with it, ldapjs unescapes
 * DNs). Same results as Node's for the same input: '+' as space when parsing, repeated
 * keys as arrays, malformed escapes kept as they are, a null-prototype result.
 */
import { Buffer } from './buffer.ts';

type Scalar = string | number | bigint | boolean;
/** What stringify() encodes: scalars and arrays of them; other values become ''. */
export type StringifyInput = Readonly<Record<string, Scalar | readonly Scalar[] | null | undefined>>;
/** What parse() returns. */
export type ParsedQuery = Record<string, string | string[]>;

const HEX = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder();

/** Decodes %XX escapes into bytes, leaving malformed ones as they are ('+' as a space when asked). */
export function unescapeBuffer(text: string, decodeSpaces = false): InstanceType<typeof Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x25 /* % */ && i + 2 < bytes.length && HEX.test(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!))) {
      out[length++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else {
      out[length++] = decodeSpaces && byte === 0x2b /* + */ ? 0x20 : byte;
    }
  }
  return Buffer.from(out.subarray(0, length));
}

/** Percent-decodes a string; a malformed escape is kept rather than thrown on. */
export function unescape(text: string, decodeSpaces = false): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // TextDecoder: Node's replacement of truncated UTF-8 sequences (npm buffer's differs).
    return utf8.decode(unescapeBuffer(text, decodeSpaces));
  }
}

/** Percent-encodes a string as encodeURIComponent does (Node's unreserved set is the same). */
export function escape(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'object' ? String(value) : `${value as string}`;
  return encodeURIComponent(text);
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}

/** Serializes an object's own enumerable properties into a query string. */
export function stringify(object: unknown, sep = '&', eq = '=', options?: { encodeURIComponent?: (text: string) => string }): string {
  if (object === null || typeof object !== 'object') return '';
  const encode = options?.encodeURIComponent ?? escape;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    const name = `${encode(scalar(key))}${eq}`;
    if (Array.isArray(value)) {
      for (const item of value) fields.push(`${name}${encode(scalar(item))}`);
    } else {
      fields.push(`${name}${encode(scalar(value))}`);
    }
  }
  return fields.join(sep);
}

/** Parses a query string into a null-prototype object; repeated keys collect into arrays. */
export function parse(text: unknown, sep = '&', eq = '=', options?: { maxKeys?: number; decodeURIComponent?: (text: string) => string }): ParsedQuery {
  const result = Object.create(null) as ParsedQuery;
  if (typeof text !== 'string' || text.length === 0) return result;
  const separator = sep === '' ? '&' : sep;
  const equals = eq === '' ? '=' : eq;
  const maxKeys = typeof options?.maxKeys === 'number' ? options.maxKeys : 1000;
  const decode = options?.decodeURIComponent ?? unescape;
  const decodePart = (part: string): string => {
    const spaced = part.replaceAll('+', ' ');
    try {
      return decode(spaced);
    } catch {
      return unescape(spaced, true);
    }
  };
  let pairs = text.split(separator);
  if (maxKeys > 0) pairs = pairs.slice(0, maxKeys);
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const at = pair.indexOf(equals);
    const key = decodePart(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodePart(pair.slice(at + equals.length));
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}

/** Node's aliases. */
export const decode = parse;
export const encode = stringify;

const querystring = { unescapeBuffer, unescape, escape, stringify, encode, parse, decode };
export default querystring;
