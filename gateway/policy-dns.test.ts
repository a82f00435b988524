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
  // ... and address rules do not vouch for TXT/SRV/MX records of arbitrary names.
  assert.equal(allowed(policy, { host: 'anything.example', namesOnly: true }), false);
  assert.equal(allowed(policy, { host: 'api.svc.example', namesOnly: true }), true);
  assert.equal(allowed(policy, { host: '10.1.2.3', namesOnly: true }), false, 'IP literals are not names');
});

test('the decision is exact at port-range edges', () => {
  const policy = createPolicy({ allow: ['*.example:1000-2000'], deny: ['*.example:1000-1999'] });
  assert.equal(allowed(policy, { host: 'a.example', namesOnly: true }), true, 'port 2000 is left');
  const closed = createPolicy({ allow: ['*.example:1000-2000'], deny: ['*.example:1000-1500', '*.example:1501-2000'] });
  assert.equal(allowed(closed, { host: 'a.example', namesOnly: true }), false);
  assert.equal(allowed(closed, { host: 'a.example' }), false);
});

test('an intersection resolves what every part resolves; a part that cannot judge names denies', () => {
  const gateway = createPolicy({ allow: ['*:*'] });
  const session = createPolicy({ allow: ['*.tenant.example:*'] });
  const both = intersectPolicies([{ label: 'gateway', policy: gateway }, { label: 'session', policy: session }]);
  assert.equal(allowed(both, { host: 'db.tenant.example', namesOnly: true }), true);
  assert.equal(allowed(both, { host: 'db.other.example', namesOnly: true }), false);
  const handMade: PolicyCheck = { check: gateway.check, precheck: gateway.precheck, checkListen: gateway.checkListen };
  const withHandMade = intersectPolicies([{ label: 'gateway', policy: gateway }, { label: 'custom', policy: handMade }]);
  const decision = withHandMade.checkName?.({ host: 'db.tenant.example' });
  assert.deepEqual(decision, { allowed: false, reason: 'custom: this policy does not judge DNS queries' });
});
