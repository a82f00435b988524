/**
 * PolicyCheck.checkName: which DNS questions the connect policy lets a page ask.
 * @see PROTOCOL.md#dns
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicy, intersectPolicies, type PolicyCheck } from './policy.ts';

const allowed = (policy: PolicyCheck, query: Parameters<NonNullable<PolicyCheck['checkName']>>[0]): boolean =>
  policy.checkName?.(query).allowed === true;

test('a name is resolvable when some port of it may be dialed', () => {
  const policy = createPolicy({ allow: ['db.example:5432', '*.svc.example:443', '10.0.0.0/8:22'], deny: ['secret.svc.example:*', 'db.example:5432-5432'] });
  assert.equal(allowed(policy, { host: 'api.svc.example' }), true);
  assert.equal(allowed(policy, { host: 'secret.svc.example' }), false, 'denied on every port');
  assert.equal(allowed(policy, { host: 'db.example', namesOnly: true }), false, 'its only allowed port is denied');
  // An address rule makes any name worth resolving (it might resolve into 10/8) ...
  assert.equal(allowed(policy, { host: 'anything.example' }), true);
  // ... but only addresses some rule allows are returned,
  assert.equal(allowed(policy, { host: 'anything.example', address: '10.1.2.3' }), true);
  assert.equal(allowed(policy, { host: 'anything.example', address: '192.168.1.1' }), false);
  assert.equal(allowed(policy, { host: 'api.svc.example', address: '10.1.2.3' }), true);
  assert.equal(allowed(policy, { host: 'api.svc.example', address: '127.0.0.1' }), false, 'a wildcard never reaches loopback');
  // ... and neither address rules nor wildcards vouch for TXT/SRV/MX records (issue 12, finding 7).
  assert.equal(allowed(policy, { host: 'anything.example', namesOnly: true }), false);
  assert.equal(allowed(policy, { host: 'api.svc.example', namesOnly: true }), false, 'a wildcard names no host');
  assert.equal(allowed(policy, { host: '10.1.2.3', namesOnly: true }), false, 'IP literals are not names');
  const exact = createPolicy({ allow: ['api.svc.example:443', '*:*'] });
  assert.equal(allowed(exact, { host: 'api.svc.example', namesOnly: true }), true, 'an exact host rule does');
  assert.equal(allowed(exact, { host: 'API.svc.example.', namesOnly: true }), true, 'in any case, with a trailing dot');
  assert.equal(allowed(exact, { host: '_ldap._tcp.corp.example', namesOnly: true }), false, '* names no host');
});

test('PTR: only for the reverse name of one whole address an address rule allows', () => {
  const policy = createPolicy({ allow: ['*:*', 'db.example:5432', '192.0.2.0/24:443', '10.0.0.0/8:22', '0.0.0.0/0:80', '[2001:db8::/32]:443'], deny: ['10.9.0.0/16:*'] });
  const ptr = (host: string): boolean => allowed(policy, { host, namesOnly: true, reverse: true });
  assert.equal(ptr('5.2.0.192.in-addr.arpa'), true);
  assert.equal(ptr('5.0.0.10.in-addr.arpa'), true, 'a rule naming 10/8');
  assert.equal(ptr('5.0.9.10.in-addr.arpa'), false, 'denied');
  assert.equal(ptr('8.8.8.8.in-addr.arpa'), true, '0.0.0.0/0 covers public addresses');
  assert.equal(ptr('5.0.16.172.in-addr.arpa'), false, '0.0.0.0/0 does not name a private range, and * never answers PTR');
  assert.equal(ptr('1.0.0.127.in-addr.arpa'), false, 'loopback');
  assert.equal(ptr('10.in-addr.arpa'), false, 'a partial name stands for a block');
  assert.equal(ptr('0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'), true);
  assert.equal(ptr('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa'), false, '::1');
  assert.equal(ptr('db.example'), false, 'not a reverse name');
  const names = createPolicy({ allow: ['*:*', '5.2.0.192.in-addr.arpa:*'] });
  assert.equal(allowed(names, { host: '5.2.0.192.in-addr.arpa', namesOnly: true, reverse: true }), false, 'name rules never answer PTR');
});

test('the decision is exact at port-range edges', () => {
  const policy = createPolicy({ allow: ['a.example:1000-2000'], deny: ['*.example:1000-1999'] });
  assert.equal(allowed(policy, { host: 'a.example', namesOnly: true }), true, 'port 2000 is left');
  const closed = createPolicy({ allow: ['a.example:1000-2000', '*.example:1000-2000'], deny: ['*.example:1000-1500', '*.example:1501-2000'] });
  assert.equal(allowed(closed, { host: 'a.example', namesOnly: true }), false);
  assert.equal(allowed(closed, { host: 'a.example' }), false);
});

test('an intersection resolves what every part resolves; a part that cannot judge names denies', () => {
  const gateway = createPolicy({ allow: ['*:*', 'db.tenant.example:*', 'db.other.example:*'] });
  const session = createPolicy({ allow: ['db.tenant.example:*', 'db.other.example:*'], deny: ['*.other.example:*'] });
  const both = intersectPolicies([{ label: 'gateway', policy: gateway }, { label: 'session', policy: session }]);
  assert.equal(allowed(both, { host: 'db.tenant.example', namesOnly: true }), true);
  assert.equal(allowed(both, { host: 'db.other.example', namesOnly: true }), false);
  const wildcard = intersectPolicies([{ label: 'gateway', policy: createPolicy({ allow: ['*:*'] }) }, { label: 'session', policy: session }]);
  assert.equal(allowed(wildcard, { host: 'db.tenant.example', namesOnly: true }), false, 'the gateway\'s * names no host');
  const handMade: PolicyCheck = { check: gateway.check, precheck: gateway.precheck, checkListen: gateway.checkListen };
  const withHandMade = intersectPolicies([{ label: 'gateway', policy: gateway }, { label: 'custom', policy: handMade }]);
  const decision = withHandMade.checkName?.({ host: 'db.tenant.example' });
  assert.deepEqual(decision, { allowed: false, reason: 'custom: this policy does not judge DNS queries' });
});
