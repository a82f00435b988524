// Destination policy for the gateway: allow/deny HOST:PORT rules, deny by default.
// [neon wsproxy ALLOW_ADDR_REGEX, made structured so rules can be checked after DNS]
//
// Semantics, in the order check() applies them:
//   1. The destination must be well formed. A host that is not a valid DNS name, a
//      dotted-decimal IPv4 address or an IPv6 address is denied (see "Odd IPv4 forms").
//   2. Unspecified addresses (0.0.0.0/8, ::) are always denied: Linux dials them as
//      the gateway's own host, so they are loopback in disguise.
//   3. Any matching deny rule denies.
//   4. Any matching allow rule allows. Nothing else is allowed.
//
// Name rules (`example.com`, `*.example.com`) match the host name the page asked for.
// Address rules (`10.0.0.1`, `10.0.0.0/8`, `[fd00::/8]`) match the IP the gateway will
// dial: `address` when given, else `host` when it is an IP literal. When the host is a
// name and no address is given, an address rule cannot be decided: check() then treats
// a deny rule as matching and an allow rule as not matching (fail closed), so the
// gateway must check the resolved address it actually dials. precheck() is the
// optimistic variant for deciding whether a name is worth resolving at all.
//
// IP normalisation:
//   - IPv4-mapped IPv6 (::ffff:a.b.c.d, any case, bracketed or not) is IPv4 for every
//     purpose: it matches IPv4 rules and never IPv6 rules. A rule written in mapped form
//     with prefix >= 96 becomes the IPv4 rule it denotes.
//   - Deny rules also see the IPv4 address embedded in IPv4-compatible (::a.b.c.d) and
//     NAT64 well-known-prefix (64:ff9b::a.b.c.d) addresses, which some networks route
//     to that IPv4 address. Allow rules do not: they must name the IPv6 address.
//   - IPv6 zone indexes (fe80::1%eth0) are denied: the page must not pick the
//     gateway's interface.
//
// Odd IPv4 forms: getaddrinfo() (and so dns.lookup and net.connect) parses hosts with
// inet_aton(), which reads `127.1`, `0x7f.0.0.1`, `0177.0.0.1` and `2130706433` as
// 127.0.0.1 and `010.0.0.1` as 8.0.0.1. Node's net.isIP() calls them names. We follow
// the WHATWG URL "ends in a number" rule instead: a host whose last label is numeric
// (decimal or 0x-hex) must be canonical dotted decimal (net.isIPv4), or it is denied
// outright. No real DNS name has a numeric top-level label, so nothing legitimate is
// lost, and we never have to agree with inet_aton on what the odd form means.

import { isIPv4, isIPv6 } from 'node:net';

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

/** A destination to check: `host` as the page asked for it, `address` the IP the gateway will dial. */
export type Destination = {
  readonly host: string;
  readonly port: number;
  readonly address?: string | undefined;
};

/** The outcome of a policy check; `reason` is for gateway logs (it quotes the rule that decided). */
export type PolicyDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Options for createPolicy(): rules as parsed `Rule`s or as HOST:PORT strings. */
export type PolicyOptions = {
  readonly allow: readonly (Rule | string)[];
  readonly deny?: readonly (Rule | string)[] | undefined;
};

/** A compiled destination policy. */
export type Policy = {
  readonly allow: readonly Rule[];
  readonly deny: readonly Rule[];
  /** Decides whether the gateway may dial `address` (or the literal `host`) on behalf of a page. Fails closed. */
  check(destination: Destination): PolicyDecision;
  /**
   * Decides whether a host is worth resolving: denies only what no resolved address
   * could make allowed. Never sufficient on its own; call check() with the address.
   */
  precheck(destination: { readonly host: string; readonly port: number }): PolicyDecision;
};

/** Error code of the errors parseRule() and createPolicy() throw for a malformed rule. */
export const INVALID_RULE_CODE = 'SOCKWAY_ERR_INVALID_RULE';

const MAX_PORT = 65_535;
const IPV4_BITS = 32;
const IPV6_BITS = 128;
const MAPPED_PREFIX = 0xffffn; // ::ffff:0:0/96, shifted right by 32
const NAT64_PREFIX = 0x0064_ff9b_0000_0000_0000_0000n; // 64:ff9b::/96, shifted right by 32
const V4_MASK = 0xffff_ffffn;

type Ip = { readonly family: 4 | 6; readonly value: bigint };

type ParsedHost =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'ip'; readonly ip: Ip }
  | { readonly kind: 'invalid'; readonly why: string };

type CompiledHost =
  | { readonly type: 'any' }
  | { readonly type: 'name'; readonly name: string }
  | { readonly type: 'subdomain'; readonly suffix: string }
  | { readonly type: 'ip'; readonly family: 4 | 6; readonly network: bigint; readonly prefix: number };

type CompiledRule = { readonly rule: Rule; readonly host: CompiledHost; readonly port: PortRange };

type Target = {
  readonly name: string | undefined;
  readonly ip: Ip | undefined;
  /** Extra IPv4 addresses deny rules must also see (embedded in IPv4-compatible or NAT64 IPv6). */
  readonly embedded: Ip | undefined;
  readonly port: number;
};

type Match = 'match' | 'miss' | 'unknown';

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

/** Creates a deny-by-default policy; throws like parseRule() for a malformed rule (string or object). */
export function createPolicy(options: PolicyOptions): Policy {
  const allow = compileAll(options.allow, 'allow');
  const deny = compileAll(options.deny ?? [], 'deny');
  return Object.freeze({
    allow: Object.freeze(allow.map((compiled) => compiled.rule)),
    deny: Object.freeze(deny.map((compiled) => compiled.rule)),
    check: (destination: Destination) => decide(allow, deny, destination, 'final'),
    precheck: (destination: { readonly host: string; readonly port: number }) =>
      decide(allow, deny, { host: destination.host, port: destination.port }, 'pre'),
  });
}

function decide(
  allow: readonly CompiledRule[],
  deny: readonly CompiledRule[],
  destination: Destination,
  mode: 'final' | 'pre',
): PolicyDecision {
  const { port } = destination;
  const label = describe(destination);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    return denied(`${label}: port must be an integer 0-${MAX_PORT}`);
  }
  const host = parseHost(destination.host);
  if (host.kind === 'invalid') return denied(`${label}: host ${host.why}`);

  let ip = host.kind === 'ip' ? host.ip : undefined;
  if (destination.address !== undefined) {
    const address = parseAddress(destination.address);
    if (address === undefined) return denied(`${label}: address is not a canonical IP address`);
    if (ip !== undefined && !sameIp(ip, address)) {
      return denied(`${label}: address differs from the IP literal host`);
    }
    ip = address;
  }
  if (ip !== undefined && isUnspecified(ip)) {
    return denied(`${label}: ${formatIp(ip)} is an unspecified address (0.0.0.0/8, ::), always denied because it dials the gateway host`);
  }

  const target: Target = {
    name: host.kind === 'name' ? host.name : undefined,
    ip,
    embedded: ip === undefined ? undefined : embeddedIpv4(ip),
    port,
  };

  for (const compiled of deny) {
    const match = matchRule(compiled, target, true);
    if (match === 'match') return denied(`${label}: matches deny rule "${compiled.rule.text}"`);
    if (match === 'unknown' && mode === 'final') {
      return denied(`${label}: deny rule "${compiled.rule.text}" needs the resolved address, and none was given`);
    }
  }

  let pending: CompiledRule | undefined;
  for (const compiled of allow) {
    const match = matchRule(compiled, target, false);
    if (match === 'match') return { allowed: true };
    if (match === 'unknown') pending ??= compiled;
  }
  if (pending !== undefined) {
    if (mode === 'pre') return { allowed: true };
    return denied(`${label}: allow rule "${pending.rule.text}" matches only a resolved address, and none was given`);
  }
  return denied(allow.length === 0 ? `${label}: the allow list is empty` : `${label}: no allow rule matches`);
}

function matchRule(compiled: CompiledRule, target: Target, isDeny: boolean): Match {
  if (target.port < compiled.port.min || target.port > compiled.port.max) return 'miss';
  const host = compiled.host;
  switch (host.type) {
    case 'any':
      return 'match';
    case 'name':
      return target.name === host.name ? 'match' : 'miss';
    case 'subdomain':
      return target.name !== undefined && target.name.endsWith(`.${host.suffix}`) ? 'match' : 'miss';
    case 'ip': {
      if (target.ip === undefined) return target.name === undefined ? 'miss' : 'unknown';
      if (inBlock(host, target.ip)) return 'match';
      return isDeny && target.embedded !== undefined && inBlock(host, target.embedded) ? 'match' : 'miss';
    }
    default:
      return unreachable(host);
  }
}

function inBlock(block: Extract<CompiledHost, { type: 'ip' }>, ip: Ip): boolean {
  if (block.family !== ip.family) return false;
  const shift = BigInt(bitsOf(block.family) - block.prefix);
  return ip.value >> shift === block.network >> shift;
}

// --- rule parsing ---------------------------------------------------------------

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
  if (endsInNumber(stripTrailingDot(lower))) {
    const value = parseIpv4(text);
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
  const ip = parseIpv6Literal(text);
  if (ip === undefined) {
    throw ruleError(source, `"[${text}]" is not an IPv6 address; brackets are only for IPv6 (zone indexes are not accepted)`);
  }
  return { type: 'ip', family: ip.family, address: formatIp(ip), prefix: bitsOf(ip.family) };
}

function parseCidr(source: string, text: string, family: 4 | 6): HostPattern {
  const slash = text.indexOf('/');
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const bits = family === 4 ? IPV4_BITS : IPV6_BITS;
  const value = family === 4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (value === undefined) {
    throw ruleError(source, `"${text}" is not a valid CIDR block: "${addressText}" is not ${family === 4 ? 'a dotted-decimal IPv4' : 'an IPv6'} address`);
  }
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    throw ruleError(source, `"${text}" is not a valid CIDR block: prefix length must be 0-${bits}`);
  }
  let prefix = Number(prefixText);
  const hostBits = BigInt(bits - prefix);
  if ((value & ((1n << hostBits) - 1n)) !== 0n) {
    const network = formatIp({ family, value: (value >> hostBits) << hostBits });
    const suggestion = family === 4 ? `${network}/${prefix}` : `[${network}/${prefix}]`;
    throw ruleError(source, `"${text}" has host bits set; did you mean ${suggestion}?`);
  }
  if (family === 6 && prefix >= 96 && value >> 32n === MAPPED_PREFIX) {
    // ::ffff:0:0/96 and narrower: the IPv4 block it denotes (mapped addresses are IPv4 here).
    prefix -= 96;
    return { type: 'ip', family: 4, address: formatIp({ family: 4, value: value & V4_MASK }), prefix };
  }
  return { type: 'ip', family, address: formatIp({ family, value }), prefix };
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

function compileAll(rules: readonly (Rule | string)[], list: 'allow' | 'deny'): CompiledRule[] {
  if (!Array.isArray(rules)) throw ruleError(String(rules), `${list} must be an array of rules`);
  return rules.map((rule) => compileRule(typeof rule === 'string' ? parseRule(rule) : rule));
}

// Rule objects may be built by hand, so they are validated as strictly as parsed text.
function compileRule(rule: Rule): CompiledRule {
  const text = typeof rule?.text === 'string' ? rule.text : JSON.stringify(rule);
  const port = rule?.port;
  if (
    port === undefined ||
    !Number.isInteger(port.min) ||
    !Number.isInteger(port.max) ||
    port.min < 0 ||
    port.max > MAX_PORT ||
    port.min > port.max
  ) {
    throw ruleError(text, `has an invalid port range; expected integers with 0 <= min <= max <= ${MAX_PORT}`);
  }
  const host = rule.host;
  switch (host?.type) {
    case 'any':
      return { rule, host, port };
    case 'name':
    case 'subdomain': {
      const name = host.type === 'name' ? host.name : host.suffix;
      if (typeof name !== 'string' || normalizeName(name) !== name || endsInNumber(name)) {
        throw ruleError(text, 'has an invalid host name; expected lower-case without a trailing dot');
      }
      return { rule, host, port };
    }
    case 'ip': {
      const ip = host.family === 4 ? parseIpv4Value(host.address) : host.family === 6 ? parseIpv6Literal(host.address) : undefined;
      const bits = bitsOf(host.family);
      if (ip === undefined || ip.family !== host.family || !Number.isInteger(host.prefix) || host.prefix < 0 || host.prefix > bits) {
        throw ruleError(text, 'has an invalid IP block');
      }
      if ((ip.value & ((1n << BigInt(bits - host.prefix)) - 1n)) !== 0n) throw ruleError(text, 'has host bits set');
      return { rule, host: { type: 'ip', family: host.family, network: ip.value, prefix: host.prefix }, port };
    }
    default:
      throw ruleError(text, 'has an unknown host type');
  }
}

function ruleError(text: string, message: string): Error {
  const error = new Error(`invalid rule ${JSON.stringify(text)}: ${message}`) as Error & { code: string };
  error.code = INVALID_RULE_CODE;
  Error.captureStackTrace?.(error, ruleError);
  return error;
}

// --- destination parsing ----------------------------------------------------------

function parseHost(raw: unknown): ParsedHost {
  if (typeof raw !== 'string' || raw === '') return { kind: 'invalid', why: 'is empty' };
  if (raw.length > 255) return { kind: 'invalid', why: 'is longer than 255 characters' };
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const ip = parseIpv6Literal(raw.slice(1, -1));
    return ip === undefined ? { kind: 'invalid', why: 'has brackets around something other than an IPv6 address' } : { kind: 'ip', ip };
  }
  if (raw.includes(':')) {
    if (raw.includes('%')) return { kind: 'invalid', why: 'is an IPv6 address with a zone index, which is not allowed' };
    const ip = parseIpv6Literal(raw);
    return ip === undefined ? { kind: 'invalid', why: 'is not a valid IPv6 address' } : { kind: 'ip', ip };
  }
  const lower = raw.toLowerCase();
  if (endsInNumber(stripTrailingDot(lower))) {
    const ip = parseIpv4Value(raw);
    return ip === undefined
      ? { kind: 'invalid', why: 'looks like an IPv4 address but is not dotted decimal a.b.c.d (forms like 127.1, 0x7f.0.0.1, 010.0.0.1 are ambiguous)' }
      : { kind: 'ip', ip };
  }
  const name = normalizeName(raw);
  return name === undefined ? { kind: 'invalid', why: 'is not a valid DNS name (ASCII letters, digits, "-", "_"; punycode for IDNs)' } : { kind: 'name', name };
}

function parseAddress(raw: unknown): Ip | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  return parseIpv4Value(text) ?? parseIpv6Literal(text);
}

/** Lower-cases a DNS name and drops one trailing dot; undefined if it is not a valid name. */
function normalizeName(text: string): string | undefined {
  const name = stripTrailingDot(text.toLowerCase());
  if (name === '' || name.length > 253) return undefined;
  return name.split('.').every((label) => /^[a-z0-9_-]{1,63}$/.test(label)) ? name : undefined;
}

function stripTrailingDot(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

// WHATWG URL "ends in a number": the last label is decimal digits or 0x-hex.
function endsInNumber(name: string): boolean {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

// --- IP addresses -------------------------------------------------------------------

function parseIpv4(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined; // canonical dotted decimal only, no leading zeros
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv4Value(text: string): Ip | undefined {
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses an IPv6 literal (no zone index) and folds IPv4-mapped addresses into IPv4. */
function parseIpv6Literal(text: string): Ip | undefined {
  const value = parseIpv6(text);
  if (value === undefined) return undefined;
  if (value >> 32n === MAPPED_PREFIX) return { family: 4, value: value & V4_MASK };
  return { family: 6, value };
}

function parseIpv6(text: string): bigint | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  let body = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    body = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const rest = halves[1] === undefined || halves[1] === '' ? [] : halves[1].split(':');
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
  // RFC 5952: compress the longest run (of two or more) of zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
}

function isUnspecified(ip: Ip): boolean {
  return ip.family === 4 ? ip.value >> 24n === 0n : ip.value === 0n;
}

// IPv4 inside IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::a.b.c.d) addresses.
// Only deny rules look at it. ::1 and :: are not IPv4-compatible (their "IPv4" is in 0/8).
function embeddedIpv4(ip: Ip): Ip | undefined {
  if (ip.family !== 6) return undefined;
  const upper = ip.value >> 32n;
  const v4 = ip.value & V4_MASK;
  if ((upper === 0n && v4 >> 24n !== 0n) || upper === NAT64_PREFIX) return { family: 4, value: v4 };
  return undefined;
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? IPV4_BITS : IPV6_BITS;
}

// --- reasons --------------------------------------------------------------------------

// Hosts come from the page: quote them (escaping control characters) and cap the length
// so a reason is always safe to put in a log line.
function describe(destination: Destination): string {
  const host = typeof destination.host === 'string' ? destination.host : String(destination.host);
  const quoted = JSON.stringify(host.length > 80 ? `${host.slice(0, 80)}…` : host);
  const address = typeof destination.address === 'string' ? ` (address ${JSON.stringify(destination.address.slice(0, 64))})` : '';
  return `${quoted} port ${String(destination.port)}${address}`;
}

function denied(reason: string): PolicyDecision {
  return { allowed: false, reason };
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
