/**
 * IP addresses for the gateway's policy: every notation a page may write, reduced to
 * one canonical address, and the special-purpose ranges the gateway refuses unless a
 * rule names them.
 *
 * Parsing is ipaddr.js, with three guards where it is not strict enough on its own:
 *   - IPv4 in the forms resolvers accept (inet_aton: `127.1`, `0x7f.1`, `0177.0.0.1`,
 *     `2130706433`) is read only for a host that *ends in a number* (the WHATWG URL rule),
 *     and ipaddr.js reads those forms as the WHATWG URL parser does (differential test in
 *     address.test.ts). The gateway then dials the canonical address it checked, never the
 *     page's spelling, so no resolver ever gets to read the odd form differently.
 *   - IPv6 must also pass net.isIPv6(): ipaddr.js accepts hex and octal inside an
 *     embedded IPv4 (`::ffff:0x7f.0.0.1`) and reads `::ffff:0177.0.0.1` as decimal.
 *   - ipaddr.js turns `::a.b.c.d` (IPv4-compatible) into `::ffff:a.b.c.d`, but `::7f00:1`
 *     (the same address in hex) stays IPv6. foldIpv6() folds both the same way.
 *
 * Normal form: IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, a ≠ 0)
 * addresses are IPv4; zone ids (fe80::1%eth0) are dropped, so a page never picks the
 * gateway's interface; brackets, case and one trailing dot do not matter.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ipaddr } from './dependencies.ts';

/** An IP address (or a network address) as a number. */
export type Ip = { readonly family: 4 | 6; readonly value: bigint };

/** A CIDR block: `value` is its network address. */
export type IpBlock = Ip & { readonly prefix: number };

/** Why an address is not ordinary global unicast. @see SPECIAL_RANGES */
export type AddressCategory =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved';

/** The special-purpose block an address falls in. */
export type SpecialRange = IpBlock & {
  readonly category: AddressCategory;
  /** The block in CIDR notation, for messages: `127.0.0.0/8`, `[fc00::/7]`. */
  readonly cidr: string;
  /** What the block is, e.g. 'RFC 1918 private network'. */
  readonly name: string;
};

/** A destination host as the page wrote it, normalised. */
export type NormalizedHost =
  | { readonly kind: 'ip'; readonly ip: Ip; readonly address: string }
  /** Lower-case, without the trailing dot. */
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'invalid'; readonly why: string };

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;
const V4_MASK = 0xffff_ffffn;
const MAPPED_PREFIX = 0xffffn; // ::ffff:0:0/96, shifted right by 32
const NAT64_PREFIX = 0x0064_ff9b_0000_0000_0000_0000n; // 64:ff9b::/96, shifted right by 32
const MAX_HOST_LENGTH = 255;

/** Number of bits in an address of `family`. */
export function bitsOf(family: 4 | 6): number {
  return family === 4 ? IPV4_BITS : IPV6_BITS;
}

// --- parsing ------------------------------------------------------------------------

/** Canonical dotted-decimal IPv4 only (no leading zeros, no short forms): rules and resolver output. */
export function parseIpv4Strict(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined;
  return bytesToBigint(ipaddr.IPv4.parse(text).toByteArray());
}

/** An IPv6 address without zone id, not folded. */
export function parseIpv6Strict(text: string): bigint | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  try {
    return bytesToBigint(ipaddr.IPv6.parse(text).toByteArray());
  } catch {
    return undefined;
  }
}

/**
 * A resolved address (dns.lookup output, or a socket's remote address): canonical
 * IPv4, or IPv6 without zone id, optionally in brackets. Folded.
 */
export function parseResolvedAddress(raw: unknown): Ip | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const v4 = parseIpv4Strict(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6Strict(text);
  return v6 === undefined ? undefined : foldIpv6(v6);
}

/** IPv4-mapped and IPv4-compatible addresses are the IPv4 address they carry. */
export function foldIpv6(value: bigint): Ip {
  const folded = foldBlock({ family: 6, value, prefix: IPV6_BITS });
  return { family: folded.family, value: folded.value };
}

/**
 * A block folded the same way: ::ffff:a.b.c.d/96+n is a.b.c.d/n; ::a.b.c.d/104+ (first
 * octet not 0, so never :: or ::1) is the IPv4 block too. Anything else is unchanged.
 */
export function foldBlock(block: IpBlock): IpBlock {
  if (block.family !== 6 || block.prefix < 96) return block;
  const upper = block.value >> 32n;
  const v4 = block.value & V4_MASK;
  if (upper === MAPPED_PREFIX || (upper === 0n && block.prefix >= 104 && v4 >> 24n !== 0n)) {
    return { family: 4, value: v4, prefix: block.prefix - 96 };
  }
  return block;
}

/**
 * Normalises a destination host as a page wrote it (OPEN's host): an IP in any notation
 * becomes its canonical address, a name is lower-cased without its trailing dot, and
 * anything else is invalid (with a reason for the log).
 */
export function normalizeHost(raw: unknown): NormalizedHost {
  if (typeof raw !== 'string' || raw === '') return { kind: 'invalid', why: 'is empty' };
  if (raw.length > MAX_HOST_LENGTH) return { kind: 'invalid', why: `is longer than ${MAX_HOST_LENGTH} characters` };
  let text = raw;
  if (text.startsWith('[') || text.endsWith(']')) {
    if (!(text.startsWith('[') && text.endsWith(']') && text.includes(':'))) {
      return { kind: 'invalid', why: 'has brackets around something other than an IPv6 address' };
    }
    text = text.slice(1, -1);
  }
  if (text.includes(':')) {
    const percent = text.indexOf('%');
    if (percent !== -1) {
      // RFC 6874 zone ids (possibly URL-encoded as %25): dropped, never interpreted.
      if (!/^[0-9A-Za-z._~-]{1,64}$/.test(text.slice(percent + 1))) return { kind: 'invalid', why: 'has an invalid IPv6 zone id' };
      text = text.slice(0, percent);
    }
    const v6 = parseIpv6Strict(text);
    if (v6 === undefined) return { kind: 'invalid', why: 'is not a valid IPv6 address' };
    const ip = foldIpv6(v6);
    return { kind: 'ip', ip, address: formatIp(ip) };
  }
  const lower = text.toLowerCase();
  const bare = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (endsInNumber(bare)) {
    const v4 = parseIpv4Lenient(bare);
    if (v4 === undefined) {
      return { kind: 'invalid', why: 'ends in a number but is not an IPv4 address in any notation (dotted, short, octal, hex or 32-bit integer)' };
    }
    const ip: Ip = { family: 4, value: v4 };
    return { kind: 'ip', ip, address: formatIp(ip) };
  }
  const name = normalizeName(text);
  return name === undefined
    ? { kind: 'invalid', why: 'is not a valid DNS name (ASCII letters, digits, "-", "_"; punycode for IDNs)' }
    : { kind: 'name', name };
}

/** IPv4 in any notation inet_aton and the WHATWG URL parser accept (1-4 parts, decimal/octal/hex). */
function parseIpv4Lenient(text: string): bigint | undefined {
  if (!/^[0-9a-fx.]+$/i.test(text)) return undefined;
  try {
    return bytesToBigint(ipaddr.IPv4.parse(text).toByteArray());
  } catch {
    return undefined;
  }
}

/** Lower-cases a DNS name and drops one trailing dot; undefined if it is not a valid name. */
export function normalizeName(text: string): string | undefined {
  const lower = text.toLowerCase();
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (name === '' || name.length > 253) return undefined;
  return name.split('.').every((label) => /^[a-z0-9_-]{1,63}$/.test(label)) ? name : undefined;
}

/**
 * The address a reverse-lookup name encodes (`5.0.0.10.in-addr.arpa` → 10.0.0.5, 32 nibbles
 * under `ip6.arpa`), in canonical form; undefined for anything else, including partial
 * names (`10.in-addr.arpa`), which stand for a whole block.
 */
export function reverseNameAddress(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const v4 = /^((?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){4})in-addr\.arpa$/.exec(lower);
  if (v4 !== null) return (v4[1] as string).slice(0, -1).split('.').reverse().join('.');
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(lower);
  if (v6 === null) return undefined;
  const hex = (v6[1] as string).split('.').slice(0, 32).reverse().join('');
  return formatIp(foldIpv6(BigInt(`0x${hex}`)));
}

/** WHATWG URL "ends in a number": the last label is decimal digits or 0x-hex. */
export function endsInNumber(name: string): boolean {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

function bytesToBigint(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

// --- formatting ---------------------------------------------------------------------

/** Canonical text: dotted decimal, or RFC 5952 IPv6. */
export function formatIp(ip: Ip): string {
  const bytes: number[] = [];
  for (let shift = BigInt(bitsOf(ip.family) - 8); shift >= 0n; shift -= 8n) bytes.push(Number((ip.value >> shift) & 0xffn));
  if (ip.family === 4) return bytes.join('.');
  const parts: number[] = [];
  for (let index = 0; index < 16; index += 2) parts.push(((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/** `10.0.0.0/8` or `[fd00::/8]`, as a rule would write it. */
export function formatBlock(block: IpBlock): string {
  const text = `${formatIp(block)}/${block.prefix}`;
  return block.family === 4 ? text : `[${text}]`;
}

// --- blocks -------------------------------------------------------------------------

/** Whether `ip` lies in `block`. */
export function inBlock(block: IpBlock, ip: Ip): boolean {
  if (block.family !== ip.family) return false;
  const shift = BigInt(bitsOf(block.family) - block.prefix);
  return ip.value >> shift === block.value >> shift;
}

/** Whether `inner` lies entirely inside `outer`. */
export function blockWithin(inner: IpBlock, outer: IpBlock): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && inBlock(outer, inner);
}

/** The unspecified addresses (0.0.0.0/8, ::): Linux dials them as the gateway host itself. */
export function isUnspecified(ip: Ip): boolean {
  return ip.family === 4 ? ip.value >> 24n === 0n : ip.value === 0n;
}

/** The IPv4 address inside a NAT64 well-known-prefix address (64:ff9b::a.b.c.d), which NAT64 gateways route to it. */
export function nat64Embedded(ip: Ip): Ip | undefined {
  if (ip.family !== 6 || ip.value >> 32n !== NAT64_PREFIX) return undefined;
  return { family: 4, value: ip.value & V4_MASK };
}

// --- special-purpose ranges (IANA IPv4/IPv6 Special-Purpose Address Registries) -----

type RangeSpec = readonly [cidr: string, category: AddressCategory, name: string];

/**
 * Refused unless a rule names them (see policy.ts). The most specific block wins.
 * IPv6 outside 2000::/3 (global unicast) is unallocated or special: reserved.
 */
const SPECIAL_RANGE_SPECS: readonly RangeSpec[] = [
  ['0.0.0.0/8', 'unspecified', '"this network" (dials the gateway host)'],
  ['10.0.0.0/8', 'private', 'RFC 1918 private network'],
  ['100.64.0.0/10', 'cgnat', 'carrier-grade NAT shared space'],
  ['127.0.0.0/8', 'loopback', 'loopback'],
  ['169.254.0.0/16', 'link-local', 'link-local (cloud metadata at 169.254.169.254)'],
  ['172.16.0.0/12', 'private', 'RFC 1918 private network'],
  ['192.0.0.0/24', 'reserved', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', 'reserved', '6to4 relay anycast (deprecated)'],
  ['192.168.0.0/16', 'private', 'RFC 1918 private network'],
  ['198.18.0.0/15', 'reserved', 'benchmarking'],
  ['198.51.100.0/24', 'documentation', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast', 'multicast'],
  ['240.0.0.0/4', 'reserved', 'reserved for future use'],
  ['255.255.255.255/32', 'broadcast', 'limited broadcast'],
  ['::/128', 'unspecified', 'unspecified (dials the gateway host)'],
  ['::1/128', 'loopback', 'loopback'],
  ['::/3', 'reserved', 'IETF reserved (includes IPv4-compatible ::/96 and discard-only 100::/64)'],
  ['64:ff9b:1::/48', 'private', 'local-use NAT64'],
  ['2001::/23', 'reserved', 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
  ['2001:db8::/32', 'documentation', 'documentation'],
  ['2002::/16', 'reserved', '6to4 (deprecated)'],
  ['3fff::/20', 'documentation', 'documentation'],
  ['4000::/2', 'reserved', 'unallocated'],
  ['5f00::/16', 'reserved', 'segment routing (SRv6) SIDs'],
  ['8000::/1', 'reserved', 'unallocated'],
  ['fc00::/7', 'private', 'unique local addresses (ULA)'],
  ['fe80::/10', 'link-local', 'link-local'],
  ['fec0::/10', 'private', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast', 'multicast'],
];

const NAT64_BLOCK: IpBlock = { family: 6, value: NAT64_PREFIX << 32n, prefix: 96 };

/** The table, most specific block first. */
export const SPECIAL_RANGES: readonly SpecialRange[] = SPECIAL_RANGE_SPECS.map(([cidr, category, name]) => {
  const slash = cidr.indexOf('/');
  const address = cidr.slice(0, slash);
  const prefix = Number(cidr.slice(slash + 1));
  const family = address.includes(':') ? 6 : 4;
  const value = family === 4 ? parseIpv4Strict(address) : parseIpv6Strict(address);
  if (value === undefined) throw new Error(`bad special range ${cidr}`);
  const block: IpBlock = { family, value, prefix };
  return Object.freeze({ ...block, category, name, cidr: formatBlock(block) });
}).sort((a, b) => b.prefix - a.prefix);

/**
 * The special-purpose range `ip` falls in, or undefined for ordinary global unicast.
 * A NAT64 address (64:ff9b::a.b.c.d) is as special as the IPv4 address it reaches; its
 * range is then the NAT64 image of that IPv4 block (e.g. [64:ff9b::7f00:0/104]).
 */
export function specialRange(ip: Ip): SpecialRange | undefined {
  const embedded = nat64Embedded(ip);
  if (embedded !== undefined) {
    const inner = specialRange(embedded);
    if (inner === undefined) return undefined;
    const block: IpBlock = { family: 6, value: NAT64_BLOCK.value | inner.value, prefix: 96 + inner.prefix };
    return { ...block, category: inner.category, name: `${inner.name}, through NAT64`, cidr: formatBlock(block) };
  }
  return SPECIAL_RANGES.find((range) => inBlock(range, ip));
}

// --- client identity for per-client limits --------------------------------------------

/**
 * IPv6 prefix per-client limits count under by default. One subscriber is usually given a
 * /56 (RIPE-690, RFC 6177), often a /48: counted per /64, one home line was 256 clients.
 */
export const DEFAULT_IPV6_CLIENT_PREFIX = 56;

/**
 * The key per-client limits count under: the IPv4 address, or the IPv6 block of
 * `ipv6Prefix` bits (counting single IPv6 addresses, or /64s, limits nothing: a
 * subscriber holds many).
 */
export function clientKey(address: string, ipv6Prefix: number = DEFAULT_IPV6_CLIENT_PREFIX): string {
  const ip = parseResolvedAddress(address);
  if (ip === undefined) return address;
  if (ip.family === 4) return formatIp(ip);
  const host = BigInt(128 - ipv6Prefix);
  return formatBlock({ family: 6, value: (ip.value >> host) << host, prefix: ipv6Prefix });
}
