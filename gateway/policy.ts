// Destination policy for the gateway: allow/deny HOST:PORT rules, deny by default, with
// separate rule sets for connecting (OPEN) and for listening (LISTEN). The rule syntax,
// HOST:PORT, is rule-syntax.ts's.
// [neon wsproxy ALLOW_ADDR_REGEX, made structured so rules can be checked after DNS]
//
// Connect semantics, in the order check() applies them:
//   1. The destination must be well formed. The host is normalised first (address.ts):
//      every IPv4 notation (127.1, 0x7f.1, 0177.0.0.1, 2130706433), IPv4-mapped and
//      -compatible IPv6, brackets, zone ids, case and a trailing dot. A host that is none
//      of a DNS name, an IPv4 address in some notation or an IPv6 address is denied.
//   2. Unspecified addresses (0.0.0.0/8, ::) are always denied: Linux dials them as the
//      gateway's own host, so they are loopback in disguise.
//   3. Any matching deny rule denies.
//   4. A matching allow rule allows, with one condition: an address in a special-purpose
//      range (loopback, private, ULA, link-local incl. 169.254.169.254, CGNAT, multicast,
//      broadcast, documentation, reserved: address.ts SPECIAL_RANGES) is allowed only by
//      a rule that *names* it: an address rule whose block lies inside that range
//      (127.0.0.1:*, 10.0.0.0/8:5432, [fd00::/8]:80), or an exact host-name rule
//      (localhost:5432, db.internal:5432: naming a host is trusting its DNS). `*` and
//      `*.example.com` rules, and address blocks wider than the range (0.0.0.0/0), never
//      reach a special range. Nothing else is allowed.
//
// Name rules (`example.com`, `*.example.com`) match the host name the page asked for.
// Address rules (`10.0.0.1`, `10.0.0.0/8`, `[fd00::/8]`) match the IP the gateway will
// dial: `address` when given, else `host` when it is an IP literal. When the host is a
// name and no address is given, an address rule (and the special-range condition of a
// wildcard rule) cannot be decided: check() then treats a deny rule as matching and an
// allow rule as not matching (fail closed), so the gateway must check the resolved
// address it actually dials. precheck() is the optimistic variant for deciding whether
// a name is worth resolving at all.
//
// IP normalisation (address.ts):
//   - IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) IPv6 is IPv4 for
//     every purpose: it matches IPv4 rules and never IPv6 rules, and the gateway dials the
//     IPv4 address. A rule written in mapped form with prefix >= 96 is the IPv4 rule it
//     denotes.
//   - Deny rules also see the IPv4 address embedded in NAT64 well-known-prefix
//     (64:ff9b::a.b.c.d) addresses, which NAT64 networks route to that IPv4 address;
//     such an address is as special as its IPv4 address. Allow rules must name the IPv6
//     address.
//   - IPv6 zone ids (fe80::1%eth0) are dropped: the page must not pick the gateway's
//     interface.
//   - Odd IPv4 forms: getaddrinfo() (and so dns.lookup and net.connect) reads `127.1`,
//     `0x7f.0.0.1`, `0177.0.0.1` and `2130706433` as 127.0.0.1 and `010.0.0.1` as
//     8.0.0.1; Node's net.isIP() calls them names. A host whose last label is numeric
//     (the WHATWG URL "ends in a number" rule) is read the same way here, checked as the
//     canonical address, and the gateway dials that canonical address, never the page's
//     spelling: no resolver ever reads it differently from the check. A host that ends in
//     a number but is no IPv4 address (1.2.3.4.5, 0x, 08.1.1.1) is denied.
//
// Listen semantics (checkListen): the host is the address to bind ('' = every interface,
// matched by `*` and by rules containing 0.0.0.0 or ::). Deny rules, then allow rules;
// special ranges and unspecified addresses play no part: binding only ever exposes the
// gateway's own interfaces.

import { SockwayErrorCode } from '../shared/errors.ts';
import {
  type Ip,
  type IpBlock,
  type SpecialRange,
  bitsOf,
  blockWithin,
  endsInNumber,
  foldIpv6,
  formatIp,
  inBlock,
  isUnspecified,
  nat64Embedded,
  normalizeHost,
  normalizeName,
  parseIpv4Strict,
  parseIpv6Strict,
  parseResolvedAddress,
  reverseNameAddress,
  specialRange,
} from './address.ts';
import { MAX_PORT, type PortRange, type Rule, parseRule, ruleError } from './rule-syntax.ts';

export { type HostPattern, type PortRange, type Rule, parseRule } from './rule-syntax.ts';

/** A destination to check: `host` as the page asked for it, `address` the IP the gateway will dial. */
export type Destination = {
  readonly host: string;
  readonly port: number;
  readonly address?: string | undefined;
};

/** A DNS question to judge (PolicyCheck.checkName). */
export type NameQuery = {
  readonly host: string;
  readonly address?: string | undefined;
  readonly namesOnly?: boolean | undefined;
  /** PTR: `host` is a reverse name (in-addr.arpa, ip6.arpa), judged by the address it encodes. */
  readonly reverse?: boolean | undefined;
};

/** The outcome of a policy check; `reason` is for gateway logs (it quotes the rule that decided). */
export type PolicyDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Where a page asks to listen: `host` is the address to bind ('' = every interface). */
export type ListenTarget = { readonly host: string; readonly port: number };

/** Allow and deny rules, as parsed `Rule`s or as HOST:PORT strings. */
export type RuleSetOptions = {
  readonly allow: readonly (Rule | string)[];
  readonly deny?: readonly (Rule | string)[] | undefined;
};

/** Options for createPolicy(): connect rules (`allow`, `deny`) and, separately, listen rules. */
export type PolicyOptions = RuleSetOptions & {
  /** Where pages may listen (net.Server). Absent: nowhere. */
  readonly listen?: RuleSetOptions | undefined;
};

/** What the gateway asks of a policy. Every method fails closed. */
export interface PolicyCheck {
  /** Decides whether the gateway may dial `address` (or the literal `host`) on behalf of a page. */
  check(destination: Destination): PolicyDecision;
  /**
   * Decides whether a host is worth resolving: denies only what no resolved address
   * could make allowed. Never sufficient on its own; call check() with the address.
   */
  precheck(destination: { readonly host: string; readonly port: number }): PolicyDecision;
  /** Decides whether a page may listen on `host:port` (LISTEN). */
  checkListen(target: ListenTarget): PolicyDecision;
  /**
   * DNS (QUERY): whether `host` may be dialed on some port, at `address` when given
   * (as check()) or at some address it could resolve to (as precheck()). With `namesOnly`
   * (answers that are not addresses: TXT, SRV, MX, …) only exact host-name rules count:
   * `*` and `*.suffix` rules vouch for addresses, never for a name's other records (they
   * would map internal names: `_ldap._tcp.corp`, CNAMEs into the network). With `reverse`
   * (PTR) only address rules allowing the encoded address count. A policy without it
   * resolves nothing.
   * @see PROTOCOL.md#query
   */
  checkName?(destination: NameQuery): PolicyDecision;
}

/** A compiled policy: the rules it was made of, and the checks. */
export type Policy = PolicyCheck & {
  /** Connect allow rules. */
  readonly allow: readonly Rule[];
  /** Connect deny rules. */
  readonly deny: readonly Rule[];
  readonly listen: { readonly allow: readonly Rule[]; readonly deny: readonly Rule[] };
};

/** Error code of the errors parseRule() and createPolicy() throw for a malformed rule. */
export const INVALID_RULE_CODE = SockwayErrorCode.InvalidRule;

const ALLOWED: PolicyDecision = Object.freeze({ allowed: true });

type CompiledHost =
  | { readonly type: 'any' }
  | { readonly type: 'name'; readonly name: string }
  | { readonly type: 'subdomain'; readonly suffix: string }
  | { readonly type: 'ip'; readonly block: IpBlock };

type CompiledRule = { readonly rule: Rule; readonly host: CompiledHost; readonly port: PortRange };

type Target = {
  readonly name: string | undefined;
  readonly ip: Ip | undefined;
  /** The IPv4 address deny rules must also see (inside a NAT64 address). */
  readonly embedded: Ip | undefined;
  /** The special-purpose range `ip` is in. */
  readonly special: SpecialRange | undefined;
  /** LISTEN on every interface (host ''). */
  readonly anyHost: boolean;
  readonly port: number;
};

type Match = 'match' | 'miss' | 'unknown';

/** Creates a deny-by-default policy; throws like parseRule() for a malformed rule (string or object). */
export function createPolicy(options: PolicyOptions): Policy {
  const allow = compileAll(options.allow, 'allow');
  const deny = compileAll(options.deny ?? [], 'deny');
  const listenAllow = compileAll(options.listen?.allow ?? [], 'listen.allow');
  const listenDeny = compileAll(options.listen?.deny ?? [], 'listen.deny');
  const rules = (compiled: readonly CompiledRule[]): readonly Rule[] => Object.freeze(compiled.map((c) => c.rule));
  return Object.freeze({
    allow: rules(allow),
    deny: rules(deny),
    listen: Object.freeze({ allow: rules(listenAllow), deny: rules(listenDeny) }),
    check: (destination: Destination) => decide(allow, deny, destination, 'final'),
    precheck: (destination: { readonly host: string; readonly port: number }) =>
      decide(allow, deny, { host: destination.host, port: destination.port }, 'pre'),
    checkListen: (target: ListenTarget) => decideListen(listenAllow, listenDeny, target),
    checkName: (destination: NameQuery) => decideName(allow, deny, destination),
  });
}

/**
 * Whether some port of a host is allowed. The decision only changes where a rule's
 * port range starts or ends, so trying 0 and every range's first port and the port
 * after its last is exact.
 */
function decideName(allow: readonly CompiledRule[], deny: readonly CompiledRule[], destination: NameQuery): PolicyDecision {
  const ports = new Set([0]);
  for (const { port } of [...allow, ...deny]) {
    ports.add(port.min);
    if (port.max < MAX_PORT) ports.add(port.max + 1);
  }
  if (destination.reverse === true) return decideReverse(allow, deny, destination.host, ports);
  if (destination.namesOnly === true) return decideNameOnly(allow, deny, destination.host, ports);
  let first: PolicyDecision | undefined;
  for (const port of ports) {
    const decision = destination.address === undefined
      ? decide(allow, deny, { host: destination.host, port }, 'pre')
      : decide(allow, deny, { host: destination.host, port, address: destination.address }, 'final');
    if (decision.allowed) return decision;
    first ??= decision;
  }
  return first ?? denied('no port is allowed');
}

/**
 * Non-address answers (TXT, SRV, MX, CNAME, NS) are decided by exact host-name rules
 * only: an operator who names a host trusts its DNS, and a wildcard names none. Deny
 * rules of every kind but addresses still deny.
 */
function decideNameOnly(allow: readonly CompiledRule[], deny: readonly CompiledRule[], name: string, ports: ReadonlySet<number>): PolicyDecision {
  const label = describe({ host: name, port: 0 }).replace(/ port 0$/, '');
  const host = normalizeHost(name);
  if (host.kind !== 'name') return denied(`${label}: only host names may be queried`);
  for (const port of ports) {
    const target: Target = { name: host.name, ip: undefined, embedded: undefined, special: undefined, anyHost: false, port };
    if (deny.some((compiled) => compiled.host.type !== 'ip' && matchRule(compiled, target, true) === 'match')) continue;
    if (allow.some((compiled) => compiled.host.type === 'name' && matchRule(compiled, target, false) === 'match')) return ALLOWED;
  }
  return denied(`${label}: no allow rule names this exact host (wildcard and address rules do not vouch for DNS records)`);
}

/**
 * PTR: the reverse name must encode one whole address, and an address rule must allow
 * dialing that address on some port (special ranges only through a rule naming them, as
 * for OPEN). Name rules and `*` never answer PTR: they would map internal addresses.
 */
function decideReverse(allow: readonly CompiledRule[], deny: readonly CompiledRule[], name: string, ports: ReadonlySet<number>): PolicyDecision {
  const label = describe({ host: name, port: 0 }).replace(/ port 0$/, '');
  const address = reverseNameAddress(name);
  if (address === undefined) return denied(`${label}: PTR is answered only for the reverse name of one whole address`);
  const addressRules = allow.filter((compiled) => compiled.host.type === 'ip');
  for (const port of ports) {
    if (decide(addressRules, deny, { host: address, port }, 'final').allowed) return ALLOWED;
  }
  return denied(`${label}: no address rule allows ${address}`);
}

/** A policy whose rules can be replaced while sessions hold it (gateway.reload()). */
export type ReplaceablePolicy = Policy & {
  /** From now on, every check uses `next`'s rules; a stream already open keeps its destination. */
  replace(next: Policy): void;
};

/**
 * The gateway's own policy as sessions hold it: each check asks the rules in force, so a
 * reload reaches the sessions already admitted (their token policies are intersected with
 * this object, not with a copy of its rules).
 */
export function replaceablePolicy(initial: Policy): ReplaceablePolicy {
  let current = initial;
  return Object.freeze({
    get allow() {
      return current.allow;
    },
    get deny() {
      return current.deny;
    },
    get listen() {
      return current.listen;
    },
    check: (destination: Destination) => current.check(destination),
    precheck: (destination: { readonly host: string; readonly port: number }) => current.precheck(destination),
    checkListen: (target: ListenTarget) => current.checkListen(target),
    // As intersectPolicies: a hand-made policy that cannot judge names resolves nothing.
    checkName: (destination: NameQuery) => current.checkName?.(destination) ?? denied('this policy does not judge DNS queries'),
    replace: (next: Policy) => {
      current = next;
    },
  });
}

/**
 * A policy that allows only what every part allows: the gateway's policy intersected
 * with a session's (its token's). A denial's reason is prefixed with the part's label.
 */
export function intersectPolicies(parts: readonly { readonly label: string; readonly policy: PolicyCheck }[]): PolicyCheck {
  const all = (ask: (policy: PolicyCheck) => PolicyDecision): PolicyDecision => {
    for (const { label, policy } of parts) {
      const decision = ask(policy);
      if (!decision.allowed) return denied(`${label}: ${decision.reason}`);
    }
    return ALLOWED;
  };
  return Object.freeze({
    check: (destination: Destination) => all((policy) => policy.check(destination)),
    precheck: (destination: { readonly host: string; readonly port: number }) => all((policy) => policy.precheck(destination)),
    checkListen: (target: ListenTarget) => all((policy) => policy.checkListen(target)),
    // Fails closed for a part that cannot judge names (a hand-made PolicyCheck).
    checkName: (destination: NameQuery) =>
      all((policy) => policy.checkName?.(destination) ?? denied('this policy does not judge DNS queries')),
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
  const host = normalizeHost(destination.host);
  if (host.kind === 'invalid') return denied(`${label}: host ${host.why}`);

  let ip = host.kind === 'ip' ? host.ip : undefined;
  if (destination.address !== undefined) {
    const address = parseResolvedAddress(destination.address);
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
    embedded: ip === undefined ? undefined : nat64Embedded(ip),
    special: ip === undefined ? undefined : specialRange(ip),
    anyHost: false,
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
  let unnamed: CompiledRule | undefined;
  for (const compiled of allow) {
    const match = matchRule(compiled, target, false);
    if (match === 'miss') continue;
    const names = match === 'match' ? namesTarget(compiled.host, target) : 'unknown';
    if (names === 'yes') return ALLOWED;
    if (names === 'unknown') pending ??= compiled;
    else unnamed ??= compiled;
  }
  if (pending !== undefined) {
    if (mode === 'pre') return ALLOWED;
    return denied(`${label}: allow rule "${pending.rule.text}" can only be decided on a resolved address, and none was given`);
  }
  const special = target.special;
  if (unnamed !== undefined && special !== undefined && ip !== undefined) {
    return denied(
      `${label}: ${formatIp(ip)} is a ${special.category} address (${special.cidr}, ${special.name}); ` +
      `rule "${unnamed.rule.text}" does not name it, and only a rule naming an address in ${special.cidr} or the exact host allows it`,
    );
  }
  return denied(allow.length === 0 ? `${label}: the allow list is empty` : `${label}: no allow rule matches`);
}

/**
 * Whether a matching allow rule may reach the target: any address that is not special,
 * and a special one only through a rule that names it (an exact host name, or an address
 * block inside the special range).
 */
function namesTarget(host: CompiledHost, target: Target): 'yes' | 'no' | 'unknown' {
  if (host.type === 'name') return 'yes';
  if (target.ip === undefined) return 'unknown';
  const special = target.special;
  if (special === undefined) return 'yes';
  return host.type === 'ip' && blockWithin(host.block, special) ? 'yes' : 'no';
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
      if (target.anyHost) return inBlock(host.block, UNSPECIFIED_V4) || inBlock(host.block, UNSPECIFIED_V6) ? 'match' : 'miss';
      if (target.ip === undefined) return target.name === undefined ? 'miss' : 'unknown';
      if (inBlock(host.block, target.ip)) return 'match';
      return isDeny && target.embedded !== undefined && inBlock(host.block, target.embedded) ? 'match' : 'miss';
    }
    default:
      return unreachable(host);
  }
}

const UNSPECIFIED_V4: Ip = { family: 4, value: 0n };
const UNSPECIFIED_V6: Ip = { family: 6, value: 0n };

function decideListen(allow: readonly CompiledRule[], deny: readonly CompiledRule[], listen: ListenTarget): PolicyDecision {
  const { port } = listen;
  const label = `listen on ${describe(listen)}`;
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) return denied(`${label}: port must be an integer 0-${MAX_PORT}`);
  let target: Target;
  if (listen.host === '') {
    target = { name: undefined, ip: undefined, embedded: undefined, special: undefined, anyHost: true, port };
  } else {
    const host = normalizeHost(listen.host);
    if (host.kind === 'invalid') return denied(`${label}: host ${host.why}`);
    const ip = host.kind === 'ip' ? host.ip : undefined;
    target = {
      name: host.kind === 'name' ? host.name : undefined,
      ip,
      embedded: undefined,
      special: undefined,
      anyHost: ip !== undefined && isUnspecified(ip) && (ip.family === 6 || ip.value === 0n),
      port,
    };
  }
  for (const compiled of deny) {
    // 'unknown' (a name against an address rule) fails closed: it might bind there.
    if (matchRule(compiled, target, true) !== 'miss') return denied(`${label}: matches listen deny rule "${compiled.rule.text}"`);
  }
  for (const compiled of allow) {
    if (matchRule(compiled, target, false) === 'match') return ALLOWED;
  }
  return denied(allow.length === 0 ? `${label}: no listen rules allow listening` : `${label}: no listen allow rule matches`);
}

function compileAll(rules: readonly (Rule | string)[], list: string): CompiledRule[] {
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
      const value = host.family === 4 ? parseIpv4Strict(host.address) : host.family === 6 ? parseIpv6Strict(host.address) : undefined;
      const ip: Ip | undefined = value === undefined ? undefined : host.family === 4 ? { family: 4, value } : foldIpv6(value);
      const bits = bitsOf(host.family);
      if (ip === undefined || ip.family !== host.family || !Number.isInteger(host.prefix) || host.prefix < 0 || host.prefix > bits) {
        throw ruleError(text, 'has an invalid IP block');
      }
      if ((ip.value & ((1n << BigInt(bits - host.prefix)) - 1n)) !== 0n) throw ruleError(text, 'has host bits set');
      return { rule, host: { type: 'ip', block: { family: host.family, value: ip.value, prefix: host.prefix } }, port };
    }
    default:
      throw ruleError(text, 'has an unknown host type');
  }
}

function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
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
