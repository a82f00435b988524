import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FALLBACK_FD_LIMIT, FdBudget, LIGHT_CLIENT_SOCKETS, fdCaps, softFdLimit } from './fd-budget.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('softFdLimit', () => {
  test('reads the soft limit from /proc/self/limits', () => {
    assert.equal(softFdLimit(() => LIMITS), 20_000);
    assert.equal(softFdLimit(() => LIMITS.replace('20000  ', 'unlimited')), 1 << 20);
  });

  test('falls back when the file is missing or says nothing usable', () => {
    assert.equal(softFdLimit(() => {
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    }), FALLBACK_FD_LIMIT);
    assert.equal(softFdLimit(() => 'Max cpu time unlimited unlimited seconds\n'), FALLBACK_FD_LIMIT);
    assert.equal(softFdLimit(() => 'Max open files            0                0               files\n'), FALLBACK_FD_LIMIT);
  });

  test('this process has one (Linux) or the fallback', () => {
    assert.ok(softFdLimit() >= 64);
  });
});

describe('fdCaps', () => {
  test('split the limit: 1/5 connections, 1/10 headroom, the rest TCP sockets, 1/16 of those per client', () => {
    assert.deepEqual(fdCaps(20_000), { maxConnections: 4_000, maxTcpSockets: 14_000, maxTcpSocketsPerClient: 875 });
    assert.deepEqual(fdCaps(1024), { maxConnections: 204, maxTcpSockets: 718, maxTcpSocketsPerClient: 64 });
  });

  test('the caps never add up to more than the limit minus 64 (for a limit of 400 or more)', () => {
    for (const limit of [400, 1024, 4096, 65_536, 1 << 20]) {
      const caps = fdCaps(limit);
      assert.ok(caps.maxConnections + caps.maxTcpSockets <= limit - 64, String(limit));
      assert.ok(caps.maxTcpSocketsPerClient <= caps.maxTcpSockets, String(limit));
    }
  });
});

describe('FdBudget', () => {
  test('one client is refused at its share, another still gets sockets', () => {
    const budget = new FdBudget(100, 3);
    const leases = [budget.take('a'), budget.take('a'), budget.take('a')];
    assert.ok(leases.every((lease) => lease.ok));
    assert.deepEqual(budget.take('a'), { ok: false, full: 'client' });
    assert.equal(budget.take('b').ok, true);
    assert.equal(budget.total, 4);
    const first = leases[0];
    assert.ok(first?.ok);
    first.release();
    first.release();
    assert.equal(budget.held('a'), 2, 'release is idempotent');
    assert.equal(budget.take('a').ok, true);
  });

  test('the total is a hard cap', () => {
    const budget = new FdBudget(8, 8);
    for (let i = 0; i < 8; i += 1) assert.equal(budget.take(`client-${i}`).ok, true);
    assert.deepEqual(budget.take('late'), { ok: false, full: 'gateway' });
  });

  test('the reserve: heavy clients stop at max - max/8, a new client still gets its first sockets', () => {
    const budget = new FdBudget(160, 100);
    assert.equal(budget.reserve, 20);
    let heavy = 0;
    while (budget.take(`heavy-${heavy % 2}`).ok) heavy += 1;
    assert.equal(heavy, 140, 'two heavy clients filled all but the reserve');
    for (let i = 0; i < LIGHT_CLIENT_SOCKETS; i += 1) assert.equal(budget.take('newcomer').ok, true, `newcomer's socket ${i + 1}`);
    assert.deepEqual(budget.take('newcomer'), { ok: false, full: 'gateway' }, 'no longer light');
    assert.equal(budget.take('another').ok, true);
  });

  test('charge() counts an accepted socket even over the caps', () => {
    const budget = new FdBudget(1, 1);
    assert.equal(budget.take('a').ok, true);
    const release = budget.charge('a');
    assert.equal(budget.held('a'), 2);
    release();
    assert.equal(budget.held('a'), 1);
  });
});
