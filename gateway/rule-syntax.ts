/**
 * The syntax of a policy rule, `HOST:PORT`: parseRule() turns the text into a Rule (a host
 * pattern and a port range) or throws SOCKWAY_ERR_INVALID_RULE naming the text and what is
 * wrong with it. What a rule allows or denies is policy.ts's.
 */
import { SockwayErrorCode, codedError } from '../shared/errors.ts';
import { IPV4_BITS, bitsOf, endsInNumber, foldBlock, foldIpv6, formatIp, normalizeName, parseIpv4Strict, parseIpv6Strict } from './address.ts';

/** The largest port. */
export const MAX_PORT = 65_535;

/** The host part of a rule: any host, a DNS name, the subdomains of a name, or an IP block. */
export type HostPattern =
  | { readonly type: 'any' }
  /** Lower-case, without a trailing dot. */
  | { readonly type: 'name'; readonly name: string }
  /** `*.example.com` is `{ suffix: 'example.com' }`; it matches subdomains at any depth, not the suffix itself. */
  | { readonly type: 'subdomain'; readonly suffix: string }
  /** Canonical network address; a single address has prefix 32 (IPv4) or 128 (IPv6). */
  | { readonly type: 'ip'; readonly family: 4 | 6; readonly address: string; readonly prefix: number };

/** An inclusive port range; `*` is 0-65535. */
export type PortRange = { readonly min: number; readonly max: number };

/** One parsed HOST:PORT rule; `text` is the trimmed source, used in denial reasons. */
export type Rule = { readonly text: string; readonly host: HostPattern; readonly port: PortRange };

/** Parses one `HOST:PORT` rule; throws an Error (code SOCKWAY_ERR_INVALID_RULE) naming the text if it is malformed. */
export function parseRule(text: string): Rule {
  if (typeof text !== 'string') throw ruleError(String(text), 'must be a string');
  const source = text.trim();
  if (source === '') throw ruleError(text, 'is empty; expected HOST:PORT, e.g. example.com:443');

  let host: HostPattern;
  let portText: string;
  if (source.startsWith('[')) {
    const close = source.indexOf(']');
    if (close === -1) throw ruleError(source, 'has "[" without a closing "]"');
    const rest = source.slice(close + 1);
    if (rest === '') throw ruleError(source, 'is missing a port; expected [IPV6]:PORT, e.g. [::1]:22');
    if (!rest.startsWith(':')) throw ruleError(source, 'expected ":PORT" after "]"');
    host = parseBracketedHostPattern(source, source.slice(1, close));
    portText = rest.slice(1);
  } else {
    const colon = source.lastIndexOf(':');
    if (colon === -1) throw ruleError(source, 'is missing a port; expected HOST:PORT, e.g. example.com:443 or example.com:*');
    const hostText = source.slice(0, colon);
    if (hostText.includes(':')) {
      throw ruleError(source, 'IPv6 addresses and blocks must be in brackets, e.g. [::1]:22 or [fd00::/8]:80');
    }
    host = parseHostPattern(source, hostText);
    portText = source.slice(colon + 1);
  }
  const rule: Rule = { text: source, host: Object.freeze(host), port: Object.freeze(parsePortPattern(source, portText)) };
  return Object.freeze(rule);
}

function parseHostPattern(source: string, text: string): HostPattern {
  if (text === '') throw ruleError(source, 'is missing a host; use * for any host');
  if (text === '*') return { type: 'any' };
  if (text.includes('/')) return parseCidr(source, text, 4);
  if (text.startsWith('*.')) {
    const suffix = normalizeName(text.slice(2));
    if (suffix === undefined || endsInNumber(suffix)) {
      throw ruleError(source, `"${text}" is not a valid wildcard; the part after "*." must be a DNS name`);
    }
    return { type: 'subdomain', suffix };
  }
  if (text.includes('*')) throw ruleError(source, 'a wildcard must be the whole host (*) or a leading "*." label');
  const lower = text.toLowerCase();
  if (endsInNumber(lower.endsWith('.') ? lower.slice(0, -1) : lower)) {
    const value = parseIpv4Strict(text);
    if (value === undefined) {
      throw ruleError(source, `"${text}" is not a dotted-decimal IPv4 address (forms like 127.1 or 0x7f.0.0.1 are not accepted)`);
    }
    return { type: 'ip', family: 4, address: formatIp({ family: 4, value }), prefix: IPV4_BITS };
  }
  const name = normalizeName(text);
  if (name === undefined) throw ruleError(source, `"${text}" is not a valid host name`);
  return { type: 'name', name };
}

function parseBracketedHostPattern(source: string, text: string): HostPattern {
  if (text.includes('/')) return parseCidr(source, text, 6);
  const value = parseIpv6Strict(text);
  if (value === undefined) {
    throw ruleError(source, `"[${text}]" is not an IPv6 address; brackets are only for IPv6 (zone indexes are not accepted)`);
  }
  const ip = foldIpv6(value);
  return { type: 'ip', family: ip.family, address: formatIp(ip), prefix: bitsOf(ip.family) };
}

function parseCidr(source: string, text: string, family: 4 | 6): HostPattern {
  const slash = text.indexOf('/');
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const bits = bitsOf(family);
  const value = family === 4 ? parseIpv4Strict(addressText) : parseIpv6Strict(addressText);
  if (value === undefined) {
    throw ruleError(source, `"${text}" is not a valid CIDR block: "${addressText}" is not ${family === 4 ? 'a dotted-decimal IPv4' : 'an IPv6'} address`);
  }
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    throw ruleError(source, `"${text}" is not a valid CIDR block: prefix length must be 0-${bits}`);
  }
  const prefix = Number(prefixText);
  const hostBits = BigInt(bits - prefix);
  if ((value & ((1n << hostBits) - 1n)) !== 0n) {
    const network = formatIp({ family, value: (value >> hostBits) << hostBits });
    const suggestion = family === 4 ? `${network}/${prefix}` : `[${network}/${prefix}]`;
    throw ruleError(source, `"${text}" has host bits set; did you mean ${suggestion}?`);
  }
  // ::ffff:0:0/96 and narrower: the IPv4 block it denotes (mapped addresses are IPv4 here).
  const block = foldBlock({ family, value, prefix });
  return { type: 'ip', family: block.family, address: formatIp(block), prefix: block.prefix };
}

function parsePortPattern(source: string, text: string): PortRange {
  if (text === '') throw ruleError(source, 'is missing a port after ":"; use * for any port');
  if (text === '*') return { min: 0, max: MAX_PORT };
  const range = /^([0-9]+)-([0-9]+)$/.exec(text);
  if (range !== null) {
    const min = parsePortNumber(source, range[1] ?? '');
    const max = parsePortNumber(source, range[2] ?? '');
    if (min > max) throw ruleError(source, `port range ${text} is reversed; write ${max}-${min}`);
    return { min, max };
  }
  if (/^[0-9]+$/.test(text)) {
    const port = parsePortNumber(source, text);
    return { min: port, max: port };
  }
  throw ruleError(source, `"${text}" is not a valid port; expected a number 0-${MAX_PORT}, a range a-b, or *`);
}

function parsePortNumber(source: string, digits: string): number {
  const port = Number(digits);
  if (digits.length > 5 || port > MAX_PORT) throw ruleError(source, `port ${digits} is out of range 0-${MAX_PORT}`);
  return port;
}

/** An Error (code SOCKWAY_ERR_INVALID_RULE) naming the rule's text. */
export function ruleError(text: string, message: string): Error {
  return codedError(SockwayErrorCode.InvalidRule, `invalid rule ${JSON.stringify(text)}: ${message}`, ruleError);
}
