/**
 * resolver.ts: getaddrinfo's answers through c-ares (hosts file, localhost, resolv.conf
 * search/ndots, family and hints, Node-shaped errors), and LookupSlots' fair global cap.
 * Against a DNS server on 127.0.0.1 (testing/dns-server.ts) and files in a temp folder.
 */
import assert from 'node:assert/strict';
import * as dns from 'node:dns';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { LookupSlots } from './lookup-slots.ts';
import { type ResolverOptions, type SessionResolver, createGatewayResolver, parseResolvConf, searchList } from './resolver.ts';
import { type DnsServer, type Zone, startDnsServer, startSilentDnsServer } from './testing/dns-server.ts';

const ZONE: Zone = {
  'db.corp.test': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] },
  'v4.corp.test': { A: ['192.0.2.4'] },
  'a.b': { A: ['192.0.2.20'] },
  'a.b.corp.test': { A: ['192.0.2.21'] },
};

interface Setup {
  readonly server: DnsServer;
  readonly resolver: SessionResolver;
  readonly hostsFile: string;
}

async function setup(t: TestContext, files: { hosts?: string; resolvConf?: string } = {}, options: ResolverOptions = {}): Promise<Setup> {
  const server = await startDnsServer(ZONE);
  t.after(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), 'sockway-resolver-'));
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, files.hosts ?? '127.0.0.1 localhost\n192.0.2.99 pinned.corp.test pinned\n');
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, files.resolvConf ?? 'search corp.test\noptions ndots:1\n');
  const gateway = createGatewayResolver({ servers: [server.address], hostsFile, resolvConf, recheckInterval: 0, ...options });
  t.after(() => gateway.cancel());
  return { server, resolver: gateway.forSession(), hostsFile };
}

function lookup(resolver: SessionResolver, name: string, options: dns.LookupAllOptions = { all: true }): Promise<dns.LookupAddress[] | NodeJS.ErrnoException> {
  return new Promise((resolve) => resolver.lookup(name, options, (error, addresses) => resolve(error ?? addresses)));
}

describe('resolver: getaddrinfo semantics without getaddrinfo', () => {
  test('resolv.conf search and ndots, as glibc applies them (Node\'s Resolver does not)', async (t) => {
    const { resolver, server } = await setup(t);
    assert.deepEqual(await lookup(resolver, 'db', { all: true, family: 4 }), [{ address: '192.0.2.10', family: 4 }]);
    assert.deepEqual(server.questions, ['A db.corp.test']);
    // One dot (ndots 1): the name as given first.
    assert.deepEqual(await lookup(resolver, 'a.b', { all: true, family: 4 }), [{ address: '192.0.2.20', family: 4 }]);
    // A trailing dot: the name is complete.
    const absolute = await lookup(resolver, 'db.', { all: true, family: 4 });
    assert.equal((absolute as NodeJS.ErrnoException).code, 'ENOTFOUND');
    assert.deepEqual(parseResolvConf('domain x.test\nsearch a.test b.test.\noptions rotate ndots:3 # c\n'), { search: ['a.test', 'b.test'], ndots: 3 });
    assert.deepEqual(searchList('a.b', { search: ['s.test'], ndots: 2 }), ['a.b.s.test', 'a.b']);
    assert.deepEqual(searchList('a.b', { search: ['s.test'], ndots: 1 }), ['a.b', 'a.b.s.test']);
  });

  test('/etc/hosts answers without DNS, and is read again when it changes', async (t) => {
    const { resolver, server, hostsFile } = await setup(t);
    assert.deepEqual(await lookup(resolver, 'Pinned'), [{ address: '192.0.2.99', family: 4 }]);
    assert.deepEqual(await lookup(resolver, 'pinned.corp.test'), [{ address: '192.0.2.99', family: 4 }]);
    assert.deepEqual(server.questions, []);
    writeFileSync(hostsFile, '127.0.0.1 localhost\n192.0.2.98 pinned # moved\n::1 localhost6\n');
    assert.deepEqual(await lookup(resolver, 'pinned'), [{ address: '192.0.2.98', family: 4 }]);
    assert.deepEqual(await lookup(resolver, 'localhost6'), [{ address: '::1', family: 6 }]);
  });

  test('localhost and *.localhost are loopback and never asked of DNS; *.invalid does not exist', async (t) => {
    const { resolver, server } = await setup(t, { hosts: '' });
    assert.deepEqual(await lookup(resolver, 'localhost'), [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    assert.deepEqual(await lookup(resolver, 'app.localhost', { all: true, family: 6 }), [{ address: '::1', family: 6 }]);
    assert.deepEqual(await lookup(resolver, 'LOCALHOST.', { all: true, family: 4 }), [{ address: '127.0.0.1', family: 4 }]);
    const invalid = await lookup(resolver, 'nope.invalid') as NodeJS.ErrnoException;
    assert.equal(invalid.code, 'ENOTFOUND');
    assert.deepEqual(server.questions, []);
    // As glibc: a hosts file listing localhost for IPv4 only has no IPv6 localhost.
    const listed = await setup(t, { hosts: '127.0.0.1 localhost\n' });
    assert.equal((await lookup(listed.resolver, 'localhost', { all: true, family: 6 }) as NodeJS.ErrnoException).code, 'ENOTFOUND');
    assert.deepEqual(listed.server.questions, []);
  });

  test('family, V4MAPPED (with ALL) and order', async (t) => {
    const { resolver } = await setup(t);
    assert.deepEqual(await lookup(resolver, 'db.corp.test'), [{ address: '192.0.2.10', family: 4 }, { address: '2001:db8::10', family: 6 }]);
    assert.deepEqual(await lookup(resolver, 'db.corp.test', { all: true, order: 'ipv6first' }), [{ address: '2001:db8::10', family: 6 }, { address: '192.0.2.10', family: 4 }]);
    assert.deepEqual(await lookup(resolver, 'db.corp.test', { all: true, family: 6 }), [{ address: '2001:db8::10', family: 6 }]);
    assert.deepEqual(await lookup(resolver, 'v4.corp.test', { all: true, family: 6, hints: dns.V4MAPPED }), [{ address: '::ffff:192.0.2.4', family: 6 }]);
    assert.deepEqual(await lookup(resolver, 'db.corp.test', { all: true, family: 6, hints: dns.V4MAPPED | dns.ALL }), [{ address: '2001:db8::10', family: 6 }, { address: '::ffff:192.0.2.10', family: 6 }]);
    assert.deepEqual(await lookup(resolver, '192.0.2.1'), [{ address: '192.0.2.1', family: 4 }]);
  });

  test('errors are dns.lookup\'s: ENOTFOUND (EAI_NONAME), and EAI_AGAIN when the server is silent', async (t) => {
    const { resolver } = await setup(t);
    const missing = await lookup(resolver, 'nothing.corp.test') as NodeJS.ErrnoException & { hostname: string };
    const expected = await new Promise<NodeJS.ErrnoException>((resolve) => dns.lookup('nothing.invalid', { all: true }, (error) => resolve(error as NodeJS.ErrnoException)));
    assert.deepEqual([missing.code, missing.errno, missing.syscall, missing.hostname, missing.message], [expected.code, expected.errno, expected.syscall, 'nothing.corp.test', 'getaddrinfo ENOTFOUND nothing.corp.test']);
    const silent = await startSilentDnsServer();
    t.after(() => silent.close());
    const slow = createGatewayResolver({ servers: [silent.address], timeout: 50, tries: 1, resolvConf: '/nonexistent' });
    t.after(() => slow.cancel());
    const again = await lookup(slow.forSession(), 'hang.test') as NodeJS.ErrnoException;
    assert.deepEqual([again.code, again.syscall, again.message], ['EAI_AGAIN', 'getaddrinfo', 'getaddrinfo EAI_AGAIN hang.test']);
    assert.ok((again.errno ?? 0) < 0);
  });
});

describe('LookupSlots: the global cap, shared round-robin', () => {
  test('a session with one lookup waits one turn, not for another session\'s whole queue', () => {
    const slots = new LookupSlots(1, 60_000);
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const [a, b] = [{}, {}];
    const acquire = (owner: object, label: string): void => slots.acquire(owner, (release) => {
      started.push(label);
      releases.set(label, release);
    }, () => started.push(`${label} expired`));
    for (const label of ['a1', 'a2', 'a3', 'a4']) acquire(a, label);
    acquire(b, 'b1');
    assert.deepEqual(started, ['a1']);
    assert.equal(slots.waiting, 4);
    releases.get('a1')?.();
    releases.get('a1')?.(); // idempotent
    releases.get('a2')?.();
    assert.deepEqual(started, ['a1', 'a2', 'b1']);
    releases.get('b1')?.();
    releases.get('a3')?.();
    assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3', 'a4']);
    assert.equal(slots.active, 1);
  });

  test('a lookup that waits past maxWait gives up', async () => {
    const slots = new LookupSlots(1, 20);
    slots.acquire({}, () => {}, () => assert.fail('the first runs'));
    // The slots' timers are unref'd (they never hold a gateway process open): keep this test's loop alive.
    const keepAlive = setInterval(() => {}, 1_000);
    const expired = await new Promise<boolean>((resolve) => slots.acquire({}, () => resolve(false), () => resolve(true)));
    clearInterval(keepAlive);
    assert.equal(expired, true);
    assert.equal(slots.waiting, 0);
  });
});
