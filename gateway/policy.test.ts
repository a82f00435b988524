import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicy, INVALID_RULE_CODE, parseRule, type Destination, type HostPattern, type PortRange, type Rule } from './policy.ts';

const ANY_PORT: PortRange = { min: 0, max: 65_535 };
/** Ordinary global unicast addresses (never contacted: the policy is pure). */
const PUBLIC_V4 = '93.184.215.14';
const PUBLIC_V6 = '2606:4700::1111';

describe('parseRule: valid rules', () => {
  const cases: readonly { text: string; host: HostPattern; port: PortRange }[] = [
    { text: 'example.com:443', host: { type: 'name', name: 'example.com' }, port: { min: 443, max: 443 } },
    { text: 'Example.COM.:443', host: { type: 'name', name: 'example.com' }, port: { min: 443, max: 443 } },
    { text: 'localhost:6379', host: { type: 'name', name: 'localhost' }, port: { min: 6379, max: 6379 } },
    { text: '_srv.my-host.example:1', host: { type: 'name', name: '_srv.my-host.example' }, port: { min: 1, max: 1 } },
    { text: '*.example.com:8000-8999', host: { type: 'subdomain', suffix: 'example.com' }, port: { min: 8000, max: 8999 } },
    { text: '*.Example.com.:*', host: { type: 'subdomain', suffix: 'example.com' }, port: ANY_PORT },
    { text: '*:*', host: { type: 'any' }, port: ANY_PORT },
    { text: '*:0', host: { type: 'any' }, port: { min: 0, max: 0 } },
    { text: '*:65535', host: { type: 'any' }, port: { min: 65_535, max: 65_535 } },
    { text: '*:80-80', host: { type: 'any' }, port: { min: 80, max: 80 } },
    { text: '  example.com:443  ', host: { type: 'name', name: 'example.com' }, port: { min: 443, max: 443 } },
    { text: '192.0.2.10:22', host: { type: 'ip', family: 4, address: '192.0.2.10', prefix: 32 }, port: { min: 22, max: 22 } },
    { text: '10.0.0.0/8:5432', host: { type: 'ip', family: 4, address: '10.0.0.0', prefix: 8 }, port: { min: 5432, max: 5432 } },
    { text: '0.0.0.0/0:*', host: { type: 'ip', family: 4, address: '0.0.0.0', prefix: 0 }, port: ANY_PORT },
    { text: '10.1.2.3/32:1', host: { type: 'ip', family: 4, address: '10.1.2.3', prefix: 32 }, port: { min: 1, max: 1 } },
    { text: '[::1]:22', host: { type: 'ip', family: 6, address: '::1', prefix: 128 }, port: { min: 22, max: 22 } },
    { text: '[2001:DB8:0:0:1:0:0:1]:1', host: { type: 'ip', family: 6, address: '2001:db8::1:0:0:1', prefix: 128 }, port: { min: 1, max: 1 } },
    { text: '[fd00::/8]:80', host: { type: 'ip', family: 6, address: 'fd00::', prefix: 8 }, port: { min: 80, max: 80 } },
    { text: '[::/0]:*', host: { type: 'ip', family: 6, address: '::', prefix: 0 }, port: ANY_PORT },
    { text: '[::ffff:127.0.0.1]:22', host: { type: 'ip', family: 4, address: '127.0.0.1', prefix: 32 }, port: { min: 22, max: 22 } },
    { text: '[::ffff:7f00:0/104]:22', host: { type: 'ip', family: 4, address: '127.0.0.0', prefix: 8 }, port: { min: 22, max: 22 } },
    { text: '[::ffff:0:0/96]:*', host: { type: 'ip', family: 4, address: '0.0.0.0', prefix: 0 }, port: ANY_PORT },
  ];
  for (const { text, host, port } of cases) {
    test(`parses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseRule(text), { text: text.trim(), host, port });
    });
  }
});

describe('parseRule: malformed rules throw, naming the text', () => {
  const cases: readonly { title: string; text: string; message: RegExp }[] = [
    { title: 'empty rule', text: '', message: /is empty/ },
    { title: 'missing port', text: 'example.com', message: /missing a port/ },
    { title: 'missing port after colon', text: 'example.com:', message: /missing a port/ },
    { title: 'missing port on bracketed IPv6', text: '[::1]', message: /missing a port/ },
    { title: 'missing host', text: ':80', message: /missing a host/ },
    { title: 'port out of range', text: 'example.com:65536', message: /out of range/ },
    { title: 'huge port', text: 'example.com:99999999999', message: /out of range/ },
    { title: 'negative port', text: 'example.com:-1', message: /not a valid port/ },
    { title: 'hex port', text: 'example.com:0x50', message: /not a valid port/ },
    { title: 'named port', text: 'example.com:http', message: /not a valid port/ },
    { title: 'fractional port', text: 'example.com:80.5', message: /not a valid port/ },
    { title: 'range reversed', text: 'example.com:90-80', message: /reversed/ },
    { title: 'half-open range', text: 'example.com:80-', message: /not a valid port/ },
    { title: 'range end out of range', text: 'example.com:1-70000', message: /out of range/ },
    { title: 'bad CIDR prefix', text: '10.0.0.0/33:80', message: /prefix length must be 0-32/ },
    { title: 'bad IPv6 CIDR prefix', text: '[fd00::/129]:80', message: /prefix length must be 0-128/ },
    { title: 'CIDR with host bits set', text: '10.0.0.1/8:80', message: /host bits set; did you mean 10\.0\.0\.0\/8/ },
    { title: 'IPv6 CIDR with host bits set', text: '[fd00::1/8]:80', message: /host bits set; did you mean \[fd00::\/8\]/ },
    { title: 'CIDR with empty prefix', text: '10.0.0.0/:80', message: /prefix length/ },
    { title: 'CIDR with leading-zero prefix', text: '10.0.0.0/08:80', message: /prefix length/ },
    { title: 'CIDR on short IPv4', text: '10/8:80', message: /not a dotted-decimal IPv4/ },
    { title: 'CIDR on a name', text: 'example.com/8:80', message: /not a dotted-decimal IPv4/ },
    { title: 'unbracketed IPv6', text: '::1:22', message: /must be in brackets/ },
    { title: 'unbracketed IPv6 CIDR', text: 'fd00::/8:80', message: /must be in brackets/ },
    { title: 'IPv4 in brackets', text: '[10.0.0.1]:80', message: /brackets are only for IPv6/ },
    { title: 'IPv6 zone index', text: '[fe80::1%eth0]:80', message: /zone indexes/ },
    { title: 'unclosed bracket', text: '[::1:22', message: /without a closing/ },
    { title: 'junk after bracket', text: '[::1]22', message: /":PORT" after "\]"/ },
    { title: 'short IPv4 form 127.1', text: '127.1:80', message: /not a dotted-decimal IPv4/ },
    { title: 'hex IPv4 form', text: '0x7f.0.0.1:80', message: /not a dotted-decimal IPv4/ },
    { title: 'octal IPv4 form', text: '0177.0.0.1:80', message: /not a dotted-decimal IPv4/ },
    { title: 'integer IPv4 form', text: '2130706433:80', message: /not a dotted-decimal IPv4/ },
    { title: 'IPv4 octet over 255', text: '256.0.0.1:80', message: /not a dotted-decimal IPv4/ },
    { title: 'wildcard in the middle', text: 'a.*.example.com:80', message: /leading "\*\." label/ },
    { title: 'wildcard without dot', text: '*example.com:80', message: /leading "\*\." label/ },
    { title: 'wildcard over an IP', text: '*.0.0.1:80', message: /not a valid wildcard/ },
    { title: 'bare wildcard dot', text: '*.:80', message: /not a valid wildcard/ },
    { title: 'name with a space', text: 'exa mple.com:80', message: /not a valid host name/ },
    { title: 'non-ASCII name', text: 'exämple.com:80', message: /not a valid host name/ },
    { title: 'empty label', text: 'example..com:80', message: /not a valid host name/ },
  ];
  for (const { title, text, message } of cases) {
    test(`${title}: ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseRule(text),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, INVALID_RULE_CODE);
          assert.match(error.message, message);
          assert.ok(error.message.includes(JSON.stringify(text.trim())), `message names the rule: ${error.message}`);
          return true;
        },
      );
    });
  }
});

describe('createPolicy: rule objects are validated like text', () => {
  const good = parseRule('10.0.0.0/8:5432');
  const cases: readonly { title: string; rule: Rule }[] = [
    { title: 'reversed port range', rule: { ...good, port: { min: 9, max: 1 } } },
    { title: 'port above 65535', rule: { ...good, port: { min: 1, max: 70_000 } } },
    { title: 'fractional port', rule: { ...good, port: { min: 1.5, max: 2 } } },
    { title: 'upper-case name', rule: { text: 'x', host: { type: 'name', name: 'Example.com' }, port: ANY_PORT } },
    { title: 'name ending in a number', rule: { text: 'x', host: { type: 'name', name: '127.1' }, port: ANY_PORT } },
    { title: 'non-canonical IPv4 address', rule: { text: 'x', host: { type: 'ip', family: 4, address: '127.1', prefix: 32 }, port: ANY_PORT } },
    { title: 'prefix too long', rule: { text: 'x', host: { type: 'ip', family: 4, address: '10.0.0.0', prefix: 33 }, port: ANY_PORT } },
    { title: 'host bits set', rule: { text: 'x', host: { type: 'ip', family: 4, address: '10.0.0.1', prefix: 8 }, port: ANY_PORT } },
    { title: 'family mismatch', rule: { text: 'x', host: { type: 'ip', family: 6, address: '10.0.0.0', prefix: 8 }, port: ANY_PORT } },
  ];
  for (const { title, rule } of cases) {
    test(`rejects a hand-built rule with ${title}`, () => {
      assert.throws(() => createPolicy({ allow: [rule] }), { code: INVALID_RULE_CODE });
      assert.throws(() => createPolicy({ allow: [], deny: [rule] }), { code: INVALID_RULE_CODE });
    });
  }

  test('accepts parsed rules and strings alike, and exposes them', () => {
    const policy = createPolicy({ allow: [good, 'example.com:443'], deny: ['[::1]:*'] });
    assert.deepEqual(
      policy.allow.map((rule) => rule.text),
      ['10.0.0.0/8:5432', 'example.com:443'],
    );
    assert.deepEqual(
      policy.deny.map((rule) => rule.text),
      ['[::1]:*'],
    );
  });

  test('a malformed string rule makes createPolicy throw', () => {
    assert.throws(() => createPolicy({ allow: ['example.com'] }), { code: INVALID_RULE_CODE, message: /"example\.com".*missing a port/ });
  });
});

type CheckCase = {
  readonly title: string;
  readonly allow: readonly string[];
  readonly deny?: readonly string[];
  readonly destination: Destination;
  /** true, or a pattern the denial reason must match. */
  readonly expect: true | RegExp;
};

function runChecks(cases: readonly CheckCase[], method: 'check' | 'precheck'): void {
  for (const { title, allow, deny = [], destination, expect } of cases) {
    test(title, () => {
      const decision = createPolicy({ allow, deny })[method](destination);
      if (expect === true) {
        assert.deepEqual(decision, { allowed: true });
      } else {
        assert.equal(decision.allowed, false, `expected a denial, got ${JSON.stringify(decision)}`);
        if (!decision.allowed) assert.match(decision.reason, expect);
      }
    });
  }
}

describe('check: deny by default', () => {
  runChecks(
    [
      { title: 'empty allow list denies everything', allow: [], destination: { host: 'example.com', port: 443 }, expect: /allow list is empty/ },
      { title: 'empty allow list denies an IP literal', allow: [], destination: { host: '93.184.216.34', port: 80 }, expect: /allow list is empty/ },
      { title: 'unlisted name is denied', allow: ['example.com:443'], destination: { host: 'example.org', port: 443 }, expect: /no allow rule matches/ },
      { title: 'listed name on another port is denied', allow: ['example.com:443'], destination: { host: 'example.com', port: 80 }, expect: /no allow rule matches/ },
      { title: 'deny wins over allow', allow: ['*:*'], deny: ['example.com:*'], destination: { host: 'example.com', port: 1 }, expect: /matches deny rule "example\.com:\*"/ },
      { title: 'deny on another port does not interfere', allow: ['*:*'], deny: ['example.com:22'], destination: { host: 'example.com', port: 443, address: PUBLIC_V4 }, expect: true },
      { title: 'star allows any name resolving to a public address', allow: ['*:*'], destination: { host: 'anything.example', port: 5, address: PUBLIC_V4 }, expect: true },
      { title: 'star allows any public IPv4 literal', allow: ['*:443'], destination: { host: PUBLIC_V4, port: 443 }, expect: true },
      { title: 'star allows any public IPv6 literal', allow: ['*:443'], destination: { host: PUBLIC_V6, port: 443 }, expect: true },
      { title: 'star does not reach a documentation IPv6 literal', allow: ['*:443'], destination: { host: '2001:db8::1', port: 443 }, expect: /documentation address \(\[2001:db8::\/32\]/ },
      { title: 'star cannot decide a name without its address (fail closed)', allow: ['*:*'], destination: { host: 'anything.example', port: 5 }, expect: /can only be decided on a resolved address/ },
    ],
    'check',
  );
});

describe('check: name rules', () => {
  runChecks(
    [
      { title: 'exact name matches', allow: ['example.com:443'], destination: { host: 'example.com', port: 443 }, expect: true },
      { title: 'name match is case-insensitive', allow: ['example.com:443'], destination: { host: 'EXAMPLE.Com', port: 443 }, expect: true },
      { title: 'trailing dot on the host is ignored', allow: ['example.com:443'], destination: { host: 'example.com.', port: 443 }, expect: true },
      { title: 'trailing dot on the rule is ignored', allow: ['example.com.:443'], destination: { host: 'example.com', port: 443 }, expect: true },
      { title: 'exact name does not match a subdomain', allow: ['example.com:443'], destination: { host: 'www.example.com', port: 443 }, expect: /no allow rule/ },
      { title: 'wildcard matches a subdomain', allow: ['*.example.com:443'], destination: { host: 'www.example.com', port: 443, address: PUBLIC_V4 }, expect: true },
      { title: 'wildcard matches a deep subdomain', allow: ['*.example.com:443'], destination: { host: 'a.b.example.com', port: 443, address: PUBLIC_V6 }, expect: true },
      { title: 'wildcard subdomain resolving to a private address is refused', allow: ['*.example.com:443'], destination: { host: 'a.example.com', port: 443, address: '10.0.0.5' }, expect: /10\.0\.0\.5 is a private address \(10\.0\.0\.0\/8/ },
      { title: 'exact name rule reaches the special address it resolves to', allow: ['localhost:22'], destination: { host: 'localhost', port: 22, address: '127.0.0.1' }, expect: true },
      { title: 'wildcard does not match the apex', allow: ['*.example.com:443'], destination: { host: 'example.com', port: 443 }, expect: /no allow rule/ },
      { title: 'wildcard does not match a suffix without a dot', allow: ['*.example.com:443'], destination: { host: 'badexample.com', port: 443 }, expect: /no allow rule/ },
      { title: 'wildcard does not match the name as a prefix', allow: ['*.example.com:443'], destination: { host: 'example.com.evil.net', port: 443 }, expect: /no allow rule/ },
      { title: 'name rule does not match an IP literal', allow: ['localhost:22'], destination: { host: '127.0.0.1', port: 22 }, expect: /no allow rule/ },
      { title: 'name rule ignores the resolved address', allow: ['db.internal:5432'], destination: { host: 'db.internal', port: 5432, address: '10.1.2.3' }, expect: true },
      { title: 'deny name rule is case-insensitive', allow: ['*:*'], deny: ['internal.corp:*'], destination: { host: 'INTERNAL.corp.', port: 80 }, expect: /matches deny rule/ },
      { title: 'deny wildcard covers subdomains', allow: ['*:*'], deny: ['*.internal:*'], destination: { host: 'db.internal', port: 80 }, expect: /matches deny rule/ },
    ],
    'check',
  );
});

describe('check: address rules', () => {
  runChecks(
    [
      { title: 'IPv4 literal in CIDR is allowed', allow: ['10.0.0.0/8:5432'], destination: { host: '10.255.0.1', port: 5432 }, expect: true },
      { title: 'IPv4 literal outside CIDR is denied', allow: ['10.0.0.0/8:5432'], destination: { host: '11.0.0.1', port: 5432 }, expect: /no allow rule/ },
      { title: 'CIDR first address', allow: ['192.168.0.0/16:1'], destination: { host: '192.168.0.0', port: 1 }, expect: true },
      { title: 'CIDR last address', allow: ['192.168.0.0/16:1'], destination: { host: '192.168.255.255', port: 1 }, expect: true },
      { title: 'just below CIDR', allow: ['192.168.0.0/16:1'], destination: { host: '192.167.255.255', port: 1 }, expect: /no allow rule/ },
      { title: 'just above CIDR', allow: ['192.168.0.0/16:1'], destination: { host: '192.169.0.0', port: 1 }, expect: /no allow rule/ },
      { title: 'single IPv4 rule matches only itself', allow: ['192.0.2.10:22'], destination: { host: '192.0.2.11', port: 22 }, expect: /no allow rule/ },
      { title: 'name resolving into an allowed CIDR is allowed', allow: ['10.0.0.0/8:5432'], destination: { host: 'db.internal', port: 5432, address: '10.1.2.3' }, expect: true },
      { title: 'name resolving outside the allowed CIDR is denied', allow: ['10.0.0.0/8:5432'], destination: { host: 'db.internal', port: 5432, address: '192.0.2.1' }, expect: /no allow rule/ },
      { title: 'IPv6 literal in CIDR is allowed', allow: ['[fd00::/8]:80'], destination: { host: 'fd12:3456::1', port: 80 }, expect: true },
      { title: 'upper-case IPv6 literal in CIDR is allowed', allow: ['[fd00::/8]:80'], destination: { host: 'FD12:3456::1', port: 80 }, expect: true },
      { title: 'bracketed IPv6 host is accepted', allow: ['[::1]:22'], destination: { host: '[::1]', port: 22 }, expect: true },
      { title: 'expanded IPv6 host matches the compressed rule', allow: ['[::1]:22'], destination: { host: '0:0:0:0:0:0:0:1', port: 22 }, expect: true },
      { title: 'IPv6 literal outside CIDR is denied', allow: ['[fd00::/8]:80'], destination: { host: 'fe80::1', port: 80 }, expect: /no allow rule/ },
      { title: 'IPv4 rule does not match an IPv6 address', allow: ['0.0.0.0/0:*'], destination: { host: '2001:db8::1', port: 80 }, expect: /no allow rule/ },
      { title: 'IPv6 rule does not match an IPv4 address', allow: ['[::/0]:*'], destination: { host: '192.0.2.1', port: 80 }, expect: /no allow rule/ },
      { title: 'resolved address given in brackets', allow: ['[fd00::/8]:80'], destination: { host: 'v6.internal', port: 80, address: '[fd00::5]' }, expect: true },
      { title: 'deny CIDR stops a name that resolves into it (DNS rebinding)', allow: ['*.example.com:443'], deny: ['10.0.0.0/8:*'], destination: { host: 'rebind.example.com', port: 443, address: '10.0.0.7' }, expect: /matches deny rule "10\.0\.0\.0\/8:\*"/ },
      { title: 'deny CIDR lets a name with a public address through', allow: ['*.example.com:443'], deny: ['10.0.0.0/8:*'], destination: { host: 'www.example.com', port: 443, address: '93.184.216.34' }, expect: true },
      { title: 'deny IPv6 loopback', allow: ['*:*'], deny: ['[::1]:*'], destination: { host: '::1', port: 22 }, expect: /matches deny rule/ },
    ],
    'check',
  );
});

describe('check: address rules need the resolved address (fail closed)', () => {
  runChecks(
    [
      { title: 'name without address is denied when a deny CIDR could match', allow: ['*:*'], deny: ['127.0.0.0/8:*'], destination: { host: 'localhost', port: 22 }, expect: /deny rule "127\.0\.0\.0\/8:\*" needs the resolved address/ },
      { title: 'name without address is not blocked by a deny CIDR on another port', allow: ['example.com:443'], deny: ['127.0.0.0/8:22'], destination: { host: 'example.com', port: 443 }, expect: true },
      { title: 'name without address is denied when only a CIDR allows it', allow: ['10.0.0.0/8:5432'], destination: { host: 'db.internal', port: 5432 }, expect: /allow rule "10\.0\.0\.0\/8:5432" can only be decided on a resolved address/ },
      { title: 'IP literal host needs no address', allow: ['*:*'], deny: ['127.0.0.0/8:*'], destination: { host: PUBLIC_V4, port: 22 }, expect: true },
    ],
    'check',
  );
});

describe('check: attacks', () => {
  const loopbackDenied = { allow: ['*:*'], deny: ['127.0.0.0/8:*'] } as const;
  runChecks(
    [
      { title: '127.1 is 127.0.0.1: refused when only 10.0.0.0/8 is allowed', allow: ['10.0.0.0/8:*'], destination: { host: '127.1', port: 80 }, expect: /no allow rule matches/ },
      { title: '127.1 is 127.0.0.1: refused by a star rule as loopback', allow: ['*:*'], destination: { host: '127.1', port: 80 }, expect: /127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8/ },
      { title: '127.1 hits a loopback deny', ...loopbackDenied, destination: { host: '127.1', port: 80 }, expect: /matches deny rule/ },
      { title: '0x7f.0.0.1 hits a loopback deny', ...loopbackDenied, destination: { host: '0x7f.0.0.1', port: 80 }, expect: /matches deny rule/ },
      { title: '0177.0.0.1 (octal) hits a loopback deny', ...loopbackDenied, destination: { host: '0177.0.0.1', port: 80 }, expect: /matches deny rule/ },
      { title: '2130706433 (32-bit integer) hits a loopback deny', ...loopbackDenied, destination: { host: '2130706433', port: 80 }, expect: /matches deny rule/ },
      { title: '0x7f000001 (hex integer) hits a loopback deny', ...loopbackDenied, destination: { host: '0x7f000001', port: 80 }, expect: /matches deny rule/ },
      { title: '127.000.000.001 (octal zeros) hits a loopback deny', ...loopbackDenied, destination: { host: '127.000.000.001', port: 80 }, expect: /matches deny rule/ },
      { title: '010.0.0.1 is octal 8.0.0.1: not allowed by 10.0.0.0/8', allow: ['10.0.0.0/8:*'], destination: { host: '010.0.0.1', port: 80 }, expect: /no allow rule matches/ },
      { title: '127.1 is allowed by an explicit 127.0.0.1 rule', allow: ['127.0.0.1:80'], destination: { host: '127.1', port: 80 }, expect: true },
      { title: '127.0.0.1. (trailing dot on an IP) hits a loopback deny', ...loopbackDenied, destination: { host: '127.0.0.1.', port: 80 }, expect: /matches deny rule/ },
      { title: 'denies 0x (empty hex label)', ...loopbackDenied, destination: { host: 'foo.0x', port: 80 }, expect: /ends in a number but is not an IPv4 address/ },
      { title: 'denies 1.2.3.4.5 (five parts)', allow: ['*:*'], destination: { host: '1.2.3.4.5', port: 80 }, expect: /ends in a number but is not an IPv4 address/ },
      { title: 'denies 08.1.1.1 (not octal)', allow: ['*:*'], destination: { host: '08.1.1.1', port: 80 }, expect: /ends in a number but is not an IPv4 address/ },
      { title: 'canonical 127.0.0.1 hits the loopback deny', ...loopbackDenied, destination: { host: '127.0.0.1', port: 80 }, expect: /matches deny rule/ },
      { title: 'ipv4-mapped loopback matches loopback rule', allow: ['127.0.0.1:22'], destination: { host: '::ffff:127.0.0.1', port: 22 }, expect: true },
      { title: 'ipv4-mapped loopback hits the loopback deny', ...loopbackDenied, destination: { host: '::ffff:127.0.0.1', port: 80 }, expect: /matches deny rule/ },
      { title: 'bracketed upper-case hex ipv4-mapped loopback hits the loopback deny', ...loopbackDenied, destination: { host: '[::FFFF:7F00:1]', port: 80 }, expect: /matches deny rule/ },
      { title: 'fully expanded ipv4-mapped loopback hits the loopback deny', ...loopbackDenied, destination: { host: '0:0:0:0:0:ffff:7f00:0001', port: 80 }, expect: /matches deny rule/ },
      { title: 'ipv4-mapped resolved address hits the loopback deny', ...loopbackDenied, destination: { host: 'evil.example', port: 80, address: '::ffff:127.0.0.1' }, expect: /matches deny rule/ },
      { title: 'ipv4-mapped address does not match an IPv6 allow-all', allow: ['[::/0]:*'], destination: { host: '::ffff:10.0.0.1', port: 80 }, expect: /no allow rule/ },
      { title: 'ipv4-compatible ::127.0.0.1 hits the loopback deny', ...loopbackDenied, destination: { host: '::127.0.0.1', port: 80 }, expect: /matches deny rule/ },
      { title: 'NAT64 64:ff9b::7f00:1 hits the loopback deny', ...loopbackDenied, destination: { host: '64:ff9b::127.0.0.1', port: 80 }, expect: /matches deny rule/ },
      { title: 'ipv4-compatible form is the IPv4 address: allowed by an explicit IPv4 rule', allow: ['127.0.0.1:22'], destination: { host: '::127.0.0.1', port: 22 }, expect: true },
      { title: 'ipv4-compatible hex form ::7f00:1 is the same IPv4 address', ...loopbackDenied, destination: { host: '::7f00:1', port: 22 }, expect: /matches deny rule/ },
      { title: '::1 is not read as ipv4-compatible 0.0.0.1', allow: ['[::1]:*'], deny: ['0.0.0.0/8:*'], destination: { host: '::1', port: 22 }, expect: true },
      { title: 'NAT64 of loopback is refused as loopback without a rule naming it', allow: ['*:*'], destination: { host: '64:ff9b::7f00:1', port: 80 }, expect: /loopback address, through NAT64|is a loopback address/ },
      { title: 'NAT64 of a public address is public', allow: ['*:*'], destination: { host: '64:ff9b::5db8:d70e', port: 80 }, expect: true },
      { title: 'denies 0.0.0.0 even under allow *:*', allow: ['*:*'], destination: { host: '0.0.0.0', port: 80 }, expect: /unspecified address/ },
      { title: 'denies 0.0.0.0 even when explicitly allowed', allow: ['0.0.0.0:80'], destination: { host: '0.0.0.0', port: 80 }, expect: /unspecified address/ },
      { title: 'denies 0.1.2.3 (0.0.0.0/8)', allow: ['*:*'], destination: { host: '0.1.2.3', port: 80 }, expect: /unspecified address/ },
      { title: 'denies :: even under allow *:*', allow: ['*:*'], destination: { host: '::', port: 80 }, expect: /unspecified address/ },
      { title: 'denies ipv4-mapped ::ffff:0.0.0.0', allow: ['*:*'], destination: { host: '::ffff:0.0.0.0', port: 80 }, expect: /unspecified address/ },
      { title: 'denies a name resolving to 0.0.0.0', allow: ['*:*'], destination: { host: 'zero.example', port: 80, address: '0.0.0.0' }, expect: /unspecified address/ },
      { title: 'drops an IPv6 zone id: fe80::1%eth0 is link-local fe80::1', allow: ['*:*'], destination: { host: 'fe80::1%eth0', port: 80 }, expect: /fe80::1 is a link-local address/ },
      { title: 'an IPv6 zone id does not escape an explicit rule', allow: ['[fe80::1]:80'], destination: { host: '[fe80::1%25eth0]', port: 80 }, expect: true },
      { title: 'denies an IPv6 zone id with odd characters', allow: ['*:*'], destination: { host: 'fe80::1%eth0/1', port: 80 }, expect: /invalid IPv6 zone id/ },
      { title: 'denies a resolved address with a zone index', allow: ['*:*'], destination: { host: 'x.example', port: 80, address: 'fe80::1%eth0' }, expect: /address is not a canonical IP/ },
      { title: 'denies a short-form resolved address', allow: ['*:*'], deny: ['127.0.0.0/8:*'], destination: { host: 'x.example', port: 80, address: '127.1' }, expect: /address is not a canonical IP/ },
      { title: 'denies an address that contradicts the IP literal host', allow: ['192.0.2.1:80'], destination: { host: '192.0.2.1', port: 80, address: '127.0.0.1' }, expect: /address differs from the IP literal host/ },
      { title: 'accepts an address equal to the IP literal host in another form', allow: ['127.0.0.1:22'], destination: { host: '127.0.0.1', port: 22, address: '::ffff:7f00:1' }, expect: true },
      { title: 'denies IPv4 in brackets', allow: ['*:*'], destination: { host: '[127.0.0.1]', port: 80 }, expect: /brackets around something other than an IPv6/ },
      { title: 'denies a malformed IPv6 literal', allow: ['*:*'], destination: { host: '1::2::3', port: 80 }, expect: /not a valid IPv6/ },
      { title: 'denies full-width unicode lookalike of a denied name', allow: ['*:*'], deny: ['internal.corp:*'], destination: { host: 'ｉｎｔｅｒｎａｌ.corp', port: 80 }, expect: /not a valid DNS name/ },
      { title: 'denies a host with trailing whitespace', allow: ['*:*'], destination: { host: '127.0.0.1 ', port: 80 }, expect: /not dotted decimal|not a valid DNS name/ },
      { title: 'denies a host with a NUL byte', allow: ['*:*'], destination: { host: 'example.com\u0000.evil', port: 80 }, expect: /not a valid DNS name/ },
      { title: 'denies an empty host', allow: ['*:*'], destination: { host: '', port: 80 }, expect: /host is empty/ },
      { title: 'denies a host over 255 characters', allow: ['*:*'], destination: { host: `${'a.'.repeat(128)}com`, port: 80 }, expect: /longer than 255/ },
      { title: 'denies a double trailing dot', allow: ['*:*'], destination: { host: 'example.com..', port: 80 }, expect: /not a valid DNS name/ },
    ],
    'check',
  );

  test('denial reasons escape control characters from the page', () => {
    const decision = createPolicy({ allow: ['*:*'] }).check({ host: 'a\nINFO forged log line', port: 80 });
    assert.equal(decision.allowed, false);
    if (!decision.allowed) assert.ok(!decision.reason.includes('\n'), decision.reason);
  });
});

describe('check: port range boundaries', () => {
  const allow = ['example.com:8000-8999'];
  runChecks(
    [
      { title: 'port range boundaries: 7999 is below', allow, destination: { host: 'example.com', port: 7999 }, expect: /no allow rule/ },
      { title: 'port range boundaries: 8000 is the first', allow, destination: { host: 'example.com', port: 8000 }, expect: true },
      { title: 'port range boundaries: 8999 is the last', allow, destination: { host: 'example.com', port: 8999 }, expect: true },
      { title: 'port range boundaries: 9000 is above', allow, destination: { host: 'example.com', port: 9000 }, expect: /no allow rule/ },
      { title: 'star port includes 65535', allow: ['*:*'], destination: { host: 'example.com', port: 65_535, address: PUBLIC_V4 }, expect: true },
      { title: 'denies port 65536', allow: ['*:*'], destination: { host: 'example.com', port: 65_536 }, expect: /port must be an integer/ },
      { title: 'denies port -1', allow: ['*:*'], destination: { host: 'example.com', port: -1 }, expect: /port must be an integer/ },
      { title: 'denies fractional port 80.5', allow: ['*:*'], destination: { host: 'example.com', port: 80.5 }, expect: /port must be an integer/ },
      { title: 'denies NaN port', allow: ['*:*'], destination: { host: 'example.com', port: Number.NaN }, expect: /port must be an integer/ },
      { title: 'deny range boundary 22 is inside', allow: ['*:*'], deny: ['*:1-22'], destination: { host: 'example.com', port: 22 }, expect: /matches deny rule/ },
      { title: 'deny range boundary 23 is outside', allow: ['*:*'], deny: ['*:1-22'], destination: { host: 'example.com', port: 23, address: PUBLIC_V4 }, expect: true },
    ],
    'check',
  );
});

describe('precheck: is the name worth resolving?', () => {
  runChecks(
    [
      { title: 'name that a CIDR allow could match is worth resolving', allow: ['10.0.0.0/8:5432'], destination: { host: 'db.internal', port: 5432 }, expect: true },
      { title: 'name that only a deny CIDR could stop is worth resolving', allow: ['*:*'], deny: ['127.0.0.0/8:*'], destination: { host: 'localhost', port: 22 }, expect: true },
      { title: 'name no rule can allow is not resolved', allow: ['example.com:443'], destination: { host: 'exfil-data.attacker.example', port: 443 }, expect: /no allow rule matches/ },
      { title: 'name on a port no rule covers is not resolved', allow: ['10.0.0.0/8:5432'], destination: { host: 'db.internal', port: 22 }, expect: /no allow rule matches/ },
      { title: 'denied name is not resolved', allow: ['*:*'], deny: ['*.internal:*'], destination: { host: 'db.internal', port: 22 }, expect: /matches deny rule/ },
      { title: 'odd IPv4 form is decided before lookup', allow: ['*:*'], destination: { host: '127.1', port: 22 }, expect: /loopback address/ },
      { title: 'a name under a wildcard rule is worth resolving', allow: ['*.example.com:443'], destination: { host: 'www.example.com', port: 443 }, expect: true },
      { title: 'IP literal is fully decided', allow: ['*:*'], deny: ['127.0.0.0/8:*'], destination: { host: '127.0.0.1', port: 22 }, expect: /matches deny rule/ },
      { title: 'unspecified literal is denied', allow: ['*:*'], destination: { host: '0.0.0.0', port: 22 }, expect: /unspecified address/ },
    ],
    'precheck',
  );
});
