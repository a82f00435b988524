/**
 * SSRF matrix: every notation of every special-purpose address, as an IP literal and
 * as a DNS name resolving to it (injected resolver), refused by the default policy and
 * allowed only by rules that name it, first against the policy and then through a live
 * gateway (which must dial exactly the address it checked, and nothing when it refuses).
 */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, test } from 'node:test';
import { encodeFrame } from '../shared/frame.ts';
import type { LookupAll } from './gateway.ts';
import { createPolicy, intersectPolicies } from './policy.ts';
import { HELLO, Recorder, client, open, rawSocket, startGateway, startTarget, until } from './testing/harness.ts';

const T = { timeout: 20_000 };

/** Notations of loopback 127.0.0.1 (and ::1) a page might try. */
const LOOPBACK_NOTATIONS = [
  '127.0.0.1', '127.1', '127.0.1', '0x7f.1', '0x7f.0.0.1', '0X7F.0.0.1', '0177.0.0.1', '0177.1', '2130706433',
  '0x7f000001', '017700000001', '127.000.000.001', '127.0.0.1.', '::ffff:127.0.0.1', '::ffff:7f00:1',
  '[::ffff:127.0.0.1]', '[::FFFF:7F00:1]', '0:0:0:0:0:ffff:7f00:1', '::127.0.0.1', '::7f00:1',
];

/** Other special-purpose addresses, by notation, with the category the gateway must name. */
const SPECIAL_NOTATIONS: readonly [host: string, category: string, rule: string][] = [
  ['127.255.255.254', 'loopback', '127.0.0.0/8:*'],
  ['::1', 'loopback', '[::1]:*'],
  ['[::1]', 'loopback', '[::1]:*'],
  ['0:0:0:0:0:0:0:1', 'loopback', '[::1]:*'],
  ['10.0.0.1', 'private', '10.0.0.0/8:*'],
  ['012.0.0.1', 'private', '10.0.0.0/8:*'],
  ['167772161', 'private', '10.0.0.0/8:*'],
  ['172.16.0.1', 'private', '172.16.0.0/12:*'],
  ['192.168.1.1', 'private', '192.168.0.0/16:*'],
  ['0xc0a80101', 'private', '192.168.0.0/16:*'],
  ['fc00::1', 'private', '[fc00::/7]:*'],
  ['fd12:3456::1', 'private', '[fd00::/8]:*'],
  ['169.254.169.254', 'link-local', '169.254.169.254:*'],
  ['0xa9fea9fe', 'link-local', '169.254.169.254:*'],
  ['2852039166', 'link-local', '169.254.169.254:*'],
  ['0251.0376.0251.0376', 'link-local', '169.254.0.0/16:*'],
  ['::ffff:169.254.169.254', 'link-local', '169.254.169.254:*'],
  ['fe80::1', 'link-local', '[fe80::/10]:*'],
  ['fe80::1%eth0', 'link-local', '[fe80::/10]:*'],
  ['100.64.0.1', 'cgnat', '100.64.0.0/10:*'],
  ['224.0.0.1', 'multicast', '224.0.0.0/4:*'],
  ['ff02::1', 'multicast', '[ff00::/8]:*'],
  ['255.255.255.255', 'broadcast', '255.255.255.255:*'],
  ['4294967295', 'broadcast', '255.255.255.255:*'],
  ['240.0.0.1', 'reserved', '240.0.0.0/4:*'],
  ['198.18.0.1', 'reserved', '198.18.0.0/15:*'],
  ['192.0.0.8', 'reserved', '192.0.0.0/24:*'],
  ['192.0.2.1', 'documentation', '192.0.2.0/24:*'],
  ['198.51.100.1', 'documentation', '198.51.100.0/24:*'],
  ['203.0.113.1', 'documentation', '203.0.113.0/24:*'],
  ['2001:db8::1', 'documentation', '[2001:db8::/32]:*'],
  ['64:ff9b::7f00:1', 'loopback', '[64:ff9b::7f00:0/104]:*'],
  ['64:ff9b::127.0.0.1', 'loopback', '[64:ff9b::7f00:0/104]:*'],
];

/** Always refused, whatever the rules. */
const UNSPECIFIED = ['0.0.0.0', '0', '0x0', '0.0.0.1', '::', '[::]', '::ffff:0.0.0.0', '0:0:0:0:0:0:0:0'];

describe('SSRF matrix: the policy', () => {
  const star = createPolicy({ allow: ['*:*'] });
  const wildcard = createPolicy({ allow: ['*.example.com:*'] });
  const wide = createPolicy({ allow: ['0.0.0.0/0:*', '[::/0]:*'] });

  for (const host of LOOPBACK_NOTATIONS) {
    test(`${JSON.stringify(host)}: refused by *:* and 0.0.0.0/0, allowed by 127.0.0.1 and 127.0.0.0/8 rules`, () => {
      for (const policy of [star, wide]) {
        const decision = policy.check({ host, port: 80 });
        assert.equal(decision.allowed, false);
        assert.match(!decision.allowed ? decision.reason : '', /127\.0\.0\.1 is a loopback address/);
      }
      assert.equal(createPolicy({ allow: ['127.0.0.1:80'] }).check({ host, port: 80 }).allowed, true);
      assert.equal(createPolicy({ allow: ['127.0.0.0/8:*'] }).check({ host, port: 80 }).allowed, true);
      assert.equal(createPolicy({ allow: ['127.0.0.1:81'] }).check({ host, port: 80 }).allowed, false, 'another port');
    });
  }

  for (const [host, category, rule] of SPECIAL_NOTATIONS) {
    test(`${JSON.stringify(host)}: a ${category} address, refused by default, allowed by ${rule}`, () => {
      for (const policy of [star, wide]) {
        const decision = policy.check({ host, port: 80 });
        assert.equal(decision.allowed, false);
        assert.match(!decision.allowed ? decision.reason : '', new RegExp(`is a ${category} address`));
      }
      assert.equal(createPolicy({ allow: [rule] }).check({ host, port: 80 }).allowed, true);
      // The same address behind a name: refused under a wildcard, allowed by the rule naming it.
      const address = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
      const resolved = createPolicy({ allow: ['*:*'] }).check({ host: 'x.example.com', port: 80, address: /^[0-9]+$|^0x|^0[0-7]/.test(address) ? undefined : address });
      if (!/^[0-9]+$|^0x|^0[0-7]/.test(address)) {
        assert.equal(resolved.allowed, false, `a name resolving to ${address}`);
        assert.equal(wildcard.check({ host: 'x.example.com', port: 80, address }).allowed, false);
        assert.equal(createPolicy({ allow: [rule] }).check({ host: 'x.example.com', port: 80, address }).allowed, true);
      }
    });
  }

  for (const host of UNSPECIFIED) {
    test(`${JSON.stringify(host)}: unspecified, refused even by a rule naming it`, () => {
      for (const allow of [['*:*'], ['0.0.0.0:*'], ['0.0.0.0/8:*'], ['[::]:*'], ['[::/0]:*']]) {
        const decision = createPolicy({ allow }).check({ host, port: 80 });
        assert.equal(decision.allowed, false, `${host} under ${allow.join(' ')}`);
        assert.match(!decision.allowed ? decision.reason : '', /unspecified address/);
      }
    });
  }

  test('exact names are explicit, wildcards are not: localhost and metadata.internal', () => {
    assert.equal(createPolicy({ allow: ['localhost:*'] }).check({ host: 'localhost', port: 1, address: '127.0.0.1' }).allowed, true);
    assert.equal(createPolicy({ allow: ['localhost:*'] }).check({ host: 'LOCALHOST.', port: 1, address: '::1' }).allowed, true);
    assert.equal(star.check({ host: 'localhost', port: 1, address: '127.0.0.1' }).allowed, false);
    assert.equal(createPolicy({ allow: ['*.internal:*'] }).check({ host: 'metadata.internal', port: 80, address: '169.254.169.254' }).allowed, false);
    assert.equal(createPolicy({ allow: ['metadata.internal:80'] }).check({ host: 'metadata.internal', port: 80, address: '169.254.169.254' }).allowed, true);
  });

  test('a deny rule beats a rule naming the range; deny rules see through NAT64', () => {
    const policy = createPolicy({ allow: ['127.0.0.0/8:*'], deny: ['127.0.0.1:22'] });
    assert.equal(policy.check({ host: '127.1', port: 22 }).allowed, false);
    assert.equal(policy.check({ host: '127.1', port: 23 }).allowed, true);
    assert.equal(createPolicy({ allow: ['[64:ff9b::/96]:*'], deny: ['127.0.0.0/8:*'] }).check({ host: '64:ff9b::7f00:1', port: 1 }).allowed, false);
  });
});

describe('policy: listen rules are separate from connect rules', () => {
  const policy = createPolicy({
    allow: ['*:*'],
    listen: { allow: ['127.0.0.1:8000-8099', '0.0.0.0:9000', 'localhost:7000'], deny: ['127.0.0.1:8080'] },
  });
  const cases: readonly [host: string, port: number, allowed: true | RegExp][] = [
    ['127.0.0.1', 8000, true],
    ['127.1', 8099, true],
    ['127.0.0.1', 8080, /matches listen deny rule/],
    ['127.0.0.1', 8100, /no listen allow rule matches/],
    ['', 9000, true],
    ['0.0.0.0', 9000, true],
    ['::', 9000, true],
    ['', 8000, /no listen allow rule matches/],
    ['localhost', 7000, true],
    ['10.0.0.1', 9000, /no listen allow rule matches/],
    ['bad host!', 9000, /host is not a valid DNS name/],
    ['127.0.0.1', 70_000, /port must be an integer/],
  ];
  for (const [host, port, expected] of cases) {
    test(`listen on ${JSON.stringify(host)}:${port}`, () => {
      const decision = policy.checkListen({ host, port });
      if (expected === true) assert.deepEqual(decision, { allowed: true });
      else assert.match(!decision.allowed ? decision.reason : 'allowed', expected);
    });
  }

  test('connect rules do not allow listening, listen rules do not allow connecting', () => {
    const connectOnly = createPolicy({ allow: ['*:*'] });
    assert.match(!connectOnly.checkListen({ host: '', port: 80 }).allowed ? (connectOnly.checkListen({ host: '', port: 80 }) as { reason: string }).reason : '', /no listen rules allow listening/);
    const listenOnly = createPolicy({ allow: [], listen: { allow: ['*:*'] } });
    assert.equal(listenOnly.check({ host: '93.184.215.14', port: 80 }).allowed, false);
    assert.equal(listenOnly.checkListen({ host: '127.0.0.1', port: 80 }).allowed, true);
  });
});

describe('intersectPolicies: gateway ∩ session', () => {
  const gateway = createPolicy({ allow: ['10.0.0.0/8:5432', '*.example.com:443'], listen: { allow: ['0.0.0.0:8000-8999'] } });
  const token = createPolicy({ allow: ['db.internal:5432', 'api.example.com:443'], listen: { allow: ['0.0.0.0:8080'] } });
  const both = intersectPolicies([{ label: 'gateway policy', policy: gateway }, { label: 'token', policy: token }]);

  test('allowed only where both allow', () => {
    assert.equal(both.check({ host: 'db.internal', port: 5432, address: '10.1.2.3' }).allowed, true);
    assert.equal(both.check({ host: 'api.example.com', port: 443, address: '93.184.215.14' }).allowed, true);
    assert.equal(both.checkListen({ host: '', port: 8080 }).allowed, true);
  });

  test('a denial names which side refused', () => {
    const other = both.check({ host: 'www.example.com', port: 443, address: '93.184.215.14' });
    assert.match(!other.allowed ? other.reason : '', /^token: .*no allow rule matches/);
    const outside = both.check({ host: 'db.internal', port: 5432, address: '192.168.0.9' });
    assert.match(!outside.allowed ? outside.reason : '', /^gateway policy: .*no allow rule matches/);
    const listen = both.checkListen({ host: '', port: 8081 });
    assert.match(!listen.allowed ? listen.reason : '', /^token: listen on/);
    assert.equal(both.precheck({ host: 'evil.example.net', port: 443 }).allowed, false);
  });
});

describe('SSRF matrix: a live gateway', () => {
  test('every notation of loopback is refused under *:*, and nothing is dialed', T, async (t) => {
    const target = await startTarget(t);
    const { url, logs } = await startGateway(t, { allow: ['*:*'] });
    const c = await client(t, url);
    for (const host of LOOPBACK_NOTATIONS) {
      const error = await open(c, host, target.port).reset.promise;
      assert.equal(error.code, 'SOCKWAY_ERR_DENIED', host);
      assert.equal(error.address, host, 'the error names the destination as the page wrote it');
      assert.match(error.message, new RegExp(`^connect SOCKWAY_ERR_DENIED .+:${target.port} \\(not allowed by the gateway policy\\)$`));
    }
    assert.equal(target.sockets.length, 0, 'no connection reached the target');
    const denials = logs.filter((entry) => entry.event === 'stream-denied');
    assert.equal(denials.length, LOOPBACK_NOTATIONS.length);
    for (const entry of denials) assert.match(String(entry['reason']), /loopback address \(127\.0\.0\.0\/8/);
  });

  test('every notation of loopback connects to 127.0.0.1 under an explicit rule', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: [`127.0.0.1:${target.port}`] });
    const c = await client(t, url);
    for (const host of LOOPBACK_NOTATIONS) {
      const r = open(c, host, target.port);
      const outcome = await r.outcome();
      assert.ok('opened' in outcome, `${host}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.opened.remote.address, '127.0.0.1', `${host} dials the canonical address`);
      r.stream.reset({ code: 'SOCKWAY_ERR_CLOSED', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' });
    }
    await until(() => target.sockets.length === LOOPBACK_NOTATIONS.length, 'every connection');
  });

  test('special addresses in every notation are refused without dialing', T, async (t) => {
    const { url, gateway } = await startGateway(t, { allow: ['*:*'], connectTimeout: 60_000 });
    const c = await client(t, url);
    const hosts = [...SPECIAL_NOTATIONS.map(([host]) => host), ...UNSPECIFIED];
    const recorders = hosts.map((host) => open(c, host, 80));
    for (const [index, r] of recorders.entries()) {
      const error = await r.reset.promise;
      assert.equal(error.code, 'SOCKWAY_ERR_DENIED', hosts[index]);
      assert.deepEqual(r.events, ['reset']);
    }
    assert.equal(gateway.stats().streams.length, 0, 'no bridge was ever dialing');
  });

  test('DNS names resolving to special addresses are refused as nonexistent names (ENOTFOUND), after one lookup, with no RESOLVED', T, async (t) => {
    const target = await startTarget(t);
    const forbidden: readonly LookupAddress[] = [
      { address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }, { address: '::ffff:127.0.0.1', family: 6 },
      { address: '169.254.169.254', family: 4 }, { address: '10.0.0.1', family: 4 }, { address: '172.16.5.4', family: 4 },
      { address: '192.168.0.1', family: 4 }, { address: '100.64.0.1', family: 4 }, { address: 'fd00::1', family: 6 },
      { address: 'fe80::1', family: 6 }, { address: '224.0.0.251', family: 4 }, { address: '255.255.255.255', family: 4 },
      { address: '0.0.0.0', family: 4 }, { address: '::', family: 6 }, { address: '192.0.2.1', family: 4 },
      { address: '64:ff9b::a9fe:a9fe', family: 6 }, { address: '240.0.0.1', family: 4 },
    ];
    const lookups: string[] = [];
    const lookup: LookupAll = (hostname, _options, callback) => {
      lookups.push(hostname);
      const index = Number(/^n(\d+)\./.exec(hostname)?.[1] ?? -1);
      const entry = forbidden[index];
      if (entry !== undefined) callback(null, [entry]);
      else if (hostname === 'mixed.rebind.test') callback(null, [{ address: '169.254.169.254', family: 4 }, { address: '127.0.0.1', family: 4 }]);
      else callback(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), []);
    };
    const { url, logs } = await startGateway(t, { allow: ['*:*'], lookup });
    const c = await client(t, url);
    for (const [index, { address }] of forbidden.entries()) {
      const host = `n${index}.rebind.test`;
      const r = open(c, host, target.port);
      const error = await r.reset.promise;
      // Not SOCKWAY_ERR_DENIED: that would tell the page the name exists inside (issue 12, finding 7).
      assert.equal(error.code, 'ENOTFOUND', `${host} → ${address}`);
      assert.equal(error.syscall, 'getaddrinfo');
      assert.equal(error.hostname, host);
      assert.deepEqual(r.events, ['reset'], 'the forbidden address is not revealed');
    }
    assert.equal(lookups.length, forbidden.length, 'one lookup per OPEN: the checked address is the dialed one');
    assert.equal(target.sockets.length, 0);
    const reasons = logs.filter((entry) => entry.event === 'stream-denied').map((entry) => String(entry['reason']));
    assert.equal(reasons.length, forbidden.length);
    assert.ok(reasons.every((reason) => /address|unspecified/.test(reason)), reasons.join('\n'));
  });

  test('a name resolving to both a forbidden and an allowed address dials only the allowed one', T, async (t) => {
    const target = await startTarget(t);
    const lookup: LookupAll = (_hostname, _options, callback) => callback(null, [
      { address: '169.254.169.254', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const { url } = await startGateway(t, { allow: ['*:*', `127.0.0.1:${target.port}`], lookup });
    const c = await client(t, url);
    const r = open(c, 'mixed.rebind.test', target.port);
    const { remote } = await r.opened.promise;
    assert.equal(remote.address, '127.0.0.1');
    assert.deepEqual(r.resolvedAddresses.map((a) => a.address), ['127.0.0.1'], 'the metadata address is never tried nor revealed');
  });

  test('an explicit address rule lets a name resolving into it through; the real localhost by its name rule', T, async (t) => {
    const target = await startTarget(t);
    const lookup: LookupAll = (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]);
    const first = await startGateway(t, { allow: ['*.test:*', '127.0.0.0/8:*'], lookup });
    const r = open(await client(t, first.url), 'db.test', target.port);
    assert.equal((await r.opened.promise).remote.address, '127.0.0.1');
    const second = await startGateway(t, { allow: ['localhost:*'] });
    const s = open(await client(t, second.url), 'localhost', target.port, new Recorder(), 4);
    assert.equal((await s.opened.promise).remote.address, '127.0.0.1');
  });

  test('LISTEN outside the listen rules is refused with SOCKWAY_ERR_DENIED, syscall listen', T, async (t) => {
    const { url, logs } = await startGateway(t, { allow: ['*:*'], allowListen: ['127.0.0.1:8000-8099'] });
    const raw = await rawSocket(t, url);
    raw.ws.send(HELLO);
    raw.ws.send(encodeFrame({ type: 'listen', streamId: 1, host: '0.0.0.0', port: 22, backlog: 511, ipv6Only: false, exclusive: false }));
    await until(() => raw.frames().some((frame) => frame.type === 'reset'), 'RESET');
    const reset = raw.frames().find((frame) => frame.type === 'reset');
    assert.ok(reset?.type === 'reset');
    assert.equal(reset.error.code, 'SOCKWAY_ERR_DENIED');
    assert.equal(reset.error.syscall, 'listen');
    assert.equal(reset.error.port, 22);
    assert.match(String(logs.find((entry) => entry.event === 'listen-denied')?.['reason']), /no listen allow rule matches/);
  });
});
