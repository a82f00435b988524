/**
 * `net.isIP`, `net.isIPv4`, `net.isIPv6` with Node 20's semantics: pure regular expressions,
 * the argument coerced to a string (so `{ toString() }` objects work and Symbols throw a
 * TypeError), dotted-quad IPv4 only with no leading zeros (`01.2.3.4` is 0), RFC 3986 IPv6
 * (with an embedded IPv4 tail) plus an optional zone id `%[0-9a-zA-Z.:-]+` (`fe80::1%eth0`).
 * Written from RFC 3986 §3.2.2 and Node's documented behaviour; `ip.test.ts` checks it against
 * `node:net` on a table and a random fuzz.
 */

/** One IPv4 octet, 0-255, no leading zero. */
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
/** One IPv6 group: 1-4 hex digits (RFC 3986 `h16`). */
const H16 = '[0-9a-fA-F]{1,4}';
/** The last 32 bits: two groups or an IPv4 address (RFC 3986 `ls32`). */
const LS32 = `(?:${H16}:${H16}|${IPV4})`;

/**
 * RFC 3986 `IPv6address`: eight groups, or "::" standing for one or more zero groups with at
 * most `i - 1` + 1 groups before it and the matching tail after it.
 */
function ipv6Source(): string {
  const tails = [
    `(?:${H16}:){5}${LS32}`,
    `(?:${H16}:){4}${LS32}`,
    `(?:${H16}:){3}${LS32}`,
    `(?:${H16}:){2}${LS32}`,
    `${H16}:${LS32}`,
    LS32,
    H16,
    '',
  ];
  const alternatives = [`(?:${H16}:){6}${LS32}`];
  tails.forEach((tail, i) => {
    const head = i === 0 ? '' : `(?:(?:${H16}:){0,${i - 1}}${H16})?`;
    alternatives.push(`${head}::${tail}`);
  });
  return `(?:${alternatives.join('|')})`;
}

const IPV4_REGEXP = new RegExp(`^${IPV4}$`);
const IPV6_REGEXP = new RegExp(`^${ipv6Source()}(?:%[0-9a-zA-Z.:-]+)?$`);

// RegExp#test coerces its argument with ToString, exactly as Node's RegExpPrototypeTest does;
// passing the value through untouched keeps Symbol → TypeError and toString() call counts.

/** True if `input` (coerced to a string) is a dotted-quad IPv4 address. */
export function isIPv4(input: unknown): boolean {
  return IPV4_REGEXP.test(input as string);
}

/** True if `input` (coerced to a string) is an IPv6 address, optionally with a zone id. */
export function isIPv6(input: unknown): boolean {
  return IPV6_REGEXP.test(input as string);
}

/** 4 for an IPv4 address, 6 for an IPv6 address, 0 otherwise (Node's `net.isIP`). */
export function isIP(input: unknown): 0 | 4 | 6 {
  if (isIPv4(input)) return 4;
  if (isIPv6(input)) return 6;
  return 0;
}
