/**
 * sockway's dns through a real gateway in Node, differential against node:dns asking
 * the same tiny DNS responder (gateway/testing/dns-server.ts): lookup overloads,
 * resolve4/6 (ttl), SRV, TXT, MX, CNAME, resolve(name, rrtype), Node-shaped errors,
 * and the gateway policy (a denied name is not resolved).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeDns from 'node:dns';
import { startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';
import { type DnsServer, startDnsServer } from '../gateway/testing/dns-server.ts';
import type { DnsModule, LookupCallback, LookupOptions } from './dns-module.ts';
import { dnsOver } from './tunnel-modules.ts';

let fixture: GatewayFixture;
let server: DnsServer;
let dns: DnsModule;
let nodeResolver: nodeDns.promises.Resolver;

before(async () => {
  server = await startDnsServer({
    'db.sockway.test': { A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::10'], MX: [{ priority: 10, exchange: 'mx1.sockway.test' }, { priority: 20, exchange: 'mx2.sockway.test' }], TXT: [['v=spf1', ' -all'], ['hello world']] },
    '_postgresql._tcp.sockway.test': { SRV: [{ priority: 10, weight: 5, port: 5432, name: 'db.sockway.test' }, { priority: 20, weight: 0, port: 5433, name: 'replica.sockway.test' }] },
    'alias.sockway.test': { CNAME: 'db.sockway.test' },
    'internal.sockway.test': { A: ['10.1.2.3'] },
    'secret.sockway.test': { A: ['192.0.2.66'], TXT: [['do not tell']] },
  });
  fixture = await startGateway({
    // Names under sockway.test may be dialed on any port, except secret.sockway.test;
    // 10.0.0.0/8 is never named by a rule, so internal addresses are not revealed. Records
    // other than addresses are answered for the hosts named exactly.
    allow: [
      '*.sockway.test:*', 'db.sockway.test:*', '_postgresql._tcp.sockway.test:*', 'alias.sockway.test:*', 'nothing.sockway.test:*',
      '192.0.2.0/24:*', '[2001:db8::/32]:*', '127.0.0.1:*', 'localhost:*', '*.invalid:*',
    ],
    deny: ['secret.sockway.test:*'],
    dnsServers: [server.address],
  });
  dns = dnsOver(fixture.tunnel);
  nodeResolver = new nodeDns.promises.Resolver();
  nodeResolver.setServers([server.address]);
});

after(async () => {
  await fixture.close();
  await server.close();
});

/** An error's observable fields, as Node sets them. */
function shape(error: unknown): Record<string, unknown> {
  const e = error as NodeJS.ErrnoException & { hostname?: string };
  return { name: e.name, message: e.message, code: e.code, errno: e.errno, hasErrno: 'errno' in e, syscall: e.syscall, hostname: e.hostname };
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: Record<string, unknown> }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: shape(error) };
  }
}

test('resolve4/6 (with and without ttl), MX, SRV, TXT, CNAME: the same answers as node:dns', async () => {
  const cases: Array<[string, (r: typeof nodeResolver | DnsModule['promises']) => Promise<unknown>]> = [
    ['resolve4', (r) => r.resolve4('db.sockway.test')],
    ['resolve4 ttl', (r) => r.resolve4('db.sockway.test', { ttl: true })],
    ['resolve6', (r) => r.resolve6('db.sockway.test')],
    ['resolve6 ttl', (r) => r.resolve6('db.sockway.test', { ttl: true })],
    ['resolveMx', (r) => r.resolveMx('db.sockway.test')],
    ['resolveSrv', (r) => r.resolveSrv('_postgresql._tcp.sockway.test')],
    ['resolveTxt', (r) => r.resolveTxt('db.sockway.test')],
    ['resolveCname', (r) => r.resolveCname('alias.sockway.test')],
    ['resolve SRV', (r) => r.resolve('_postgresql._tcp.sockway.test', 'SRV')],
    ['resolve default A', (r) => r.resolve('db.sockway.test')],
    ['NXDOMAIN', (r) => r.resolve4('nothing.sockway.test')],
    ['NODATA', (r) => r.resolveSrv('db.sockway.test')],
    ['NODATA AAAA', (r) => r.resolve6('alias.sockway.test')],
  ];
  for (const [label, ask] of cases) {
    const expected = await settle(ask(nodeResolver));
    const actual = await settle(ask(dns.promises));
    assert.deepEqual(actual, expected, label);
  }
  const srv = await dns.promises.resolveSrv('_postgresql._tcp.sockway.test');
  assert.deepEqual(srv[0], { name: 'db.sockway.test', port: 5432, priority: 10, weight: 5 });
  assert.deepEqual(await settle(dns.promises.resolve4('nothing.sockway.test')), {
    error: { name: 'Error', message: 'queryA ENOTFOUND nothing.sockway.test', code: 'ENOTFOUND', errno: undefined, hasErrno: true, syscall: 'queryA', hostname: 'nothing.sockway.test' },
  });
});

test('the callback API: resolve4, resolveTxt, resolve(name, rrtype, cb)', async () => {
  const viaCallback = <T>(call: (cb: (error: Error | null, result?: T) => void) => void): Promise<T> =>
    new Promise((resolve, reject) => call((error, result) => (error ? reject(error) : resolve(result as T))));
  assert.deepEqual(await viaCallback<string[]>((cb) => dns.resolve4('db.sockway.test', cb)), ['192.0.2.10', '192.0.2.11']);
  assert.deepEqual(await viaCallback<string[][]>((cb) => dns.resolveTxt('db.sockway.test', cb)), await nodeResolver.resolveTxt('db.sockway.test'));
  assert.deepEqual(await viaCallback((cb) => dns.resolve('db.sockway.test', 'MX', cb)), await nodeResolver.resolve('db.sockway.test', 'MX'));
  assert.deepEqual(await viaCallback((cb) => dns.resolve4('db.sockway.test', { ttl: true }, cb)), [{ address: '192.0.2.10', ttl: 300 }, { address: '192.0.2.11', ttl: 300 }]);
  assert.throws(() => dns.resolve4('db.sockway.test', undefined), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('lookup: every overload answers as node:dns.lookup for localhost and IP literals', async () => {
  const lookups: Array<[string, unknown[]]> = [
    ['plain', ['localhost']],
    ['family 4', ['localhost', 4]],
    ['family 6', ['localhost', { family: 6 }]],
    ['family IPv4 (callback API only)', ['localhost', { family: 'IPv4' }]],
    ['all', ['localhost', { all: true }]],
    ['all ipv4first', ['localhost', { all: true, verbatim: false }]],
    ['all order verbatim', ['localhost', { all: true, order: 'verbatim' }]],
    ['IP literal', ['127.0.0.1']],
    ['IPv6 literal all', ['::1', { all: true }]],
    ['empty host', ['']],
    ['not found', ['nope.invalid']],
  ];
  const run = (lookup: (...args: unknown[]) => void, args: unknown[]): Promise<unknown> =>
    new Promise((resolve) => lookup(...args, (error: Error | null, address: unknown, family: unknown) =>
      resolve(error ? { error: shape(error) } : { address, family })));
  for (const [label, args] of lookups) {
    const expected = await run(nodeDns.lookup as unknown as (...a: unknown[]) => void, args);
    const actual = await run(dns.lookup as unknown as (...a: unknown[]) => void, args);
    assert.deepEqual(actual, expected, label);
  }
  for (const [label, args] of lookups.filter(([l]) => l !== 'empty host' && !l.includes('callback API only'))) {
    const expected = await settle(nodeDns.promises.lookup(...(args as [string, nodeDns.LookupOptions])));
    const actual = await settle(dns.promises.lookup(...(args as [string, number])));
    assert.deepEqual(actual, expected, `promises ${label}`);
  }
  assert.throws(() => dns.promises.lookup('localhost', { family: 'IPv4' }), { code: 'ERR_INVALID_ARG_VALUE' });
  for (const bad of [{ family: 5 }, { family: 'IPv7' }, { hints: 1 }, { all: 'yes' }]) {
    const error = (call: () => void): Record<string, unknown> => {
      try {
        call();
      } catch (e) {
        return { name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message };
      }
      return {};
    };
    assert.deepEqual(error(() => dns.lookup('localhost', bad as LookupOptions, () => {})), error(() => nodeDns.lookup('localhost', bad as nodeDns.LookupOptions, () => {})), JSON.stringify(bad));
  }
  assert.throws(() => dns.lookup('localhost', {} as unknown as LookupCallback), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => dns.lookup(42 as unknown as string, () => {}), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('the gateway policy: a denied name is not resolved, and undialable addresses are not revealed', async () => {
  const denied = await settle(dns.promises.resolveTxt('secret.sockway.test'));
  assert.deepEqual(denied.error, {
    name: 'Error', message: 'queryTxt SOCKWAY_ERR_DENIED secret.sockway.test (not allowed by the gateway policy)', code: 'SOCKWAY_ERR_DENIED',
    errno: undefined, hasErrno: false, syscall: 'queryTxt', hostname: 'secret.sockway.test',
  });
  // Address rules (127.0.0.1:*) vouch for addresses, not for a name's other records.
  const outside = await settle(dns.promises.resolveTxt('example.com'));
  assert.equal(outside.error?.['code'], 'SOCKWAY_ERR_DENIED');
  assert.equal(outside.error?.['syscall'], 'queryTxt');
  // The name may be dialed, but 10.1.2.3 is a private address no rule names: the answer is
  // node:dns's for a name that does not exist, so it tells nothing about the network.
  const internal = await settle(dns.promises.resolve4('internal.sockway.test'));
  const missing = await settle(nodeResolver.resolve4('internal-nothing.sockway.test'));
  assert.deepEqual(internal, { error: { ...missing.error, message: 'queryA ENOTFOUND internal.sockway.test', hostname: 'internal.sockway.test' } });
  // Under a wildcard only, a name's other records are refused.
  const wildcardOnly = await settle(dns.promises.resolveTxt('other.sockway.test'));
  assert.equal(wildcardOnly.error?.['code'], 'SOCKWAY_ERR_DENIED');
  // Nothing was asked of the DNS server for the denied names.
  assert.ok(!server.questions.some((q) => q.includes('secret.sockway.test') || q.includes('example.com')), server.questions.join(', '));
});

test('many concurrent queries share the session and leave no stream behind', async () => {
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? dns.promises.resolve4('db.sockway.test') : dns.promises.resolveMx('db.sockway.test'))));
  assert.equal(answers.length, 50);
  assert.deepEqual(answers[0], ['192.0.2.10', '192.0.2.11']);
  assert.equal(fixture.tunnel.stats().streams.length, 0);
});

test('Resolver, getServers, setDefaultResultOrder and the constants', async () => {
  const resolver = new dns.promises.Resolver();
  assert.deepEqual(await resolver.resolve4('db.sockway.test'), ['192.0.2.10', '192.0.2.11']);
  assert.deepEqual(dns.getServers(), []);
  assert.equal(dns.getDefaultResultOrder(), 'verbatim');
  assert.equal(dns.ADDRCONFIG, nodeDns.ADDRCONFIG);
  assert.equal(dns.V4MAPPED, nodeDns.V4MAPPED);
  assert.equal(dns.ALL, nodeDns.ALL);
  assert.equal(dns['NOTFOUND'], nodeDns.NOTFOUND);
  assert.equal(dns['NODATA'], nodeDns.NODATA);
});
