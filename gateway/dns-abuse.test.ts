/**
 * Issue 12, findings 4 and 7: DNS under hostile pages.
 *   4. One session starves everyone's DNS: names whose DNS server never answers parked
 *      libuv's threadpool (getaddrinfo) and QUERYs had no timeout.
 *   7. DNS queries disclosed internal names under wildcard rules (TXT/SRV/PTR answered,
 *      and SOCKWAY_ERR_DENIED vs ENOTFOUND told internal names from nonexistent ones).
 * Real DNS servers on 127.0.0.1 (gateway/testing/dns-server.ts); nothing external.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { WireError } from '../shared/errors.ts';
import type { DnsAnswer, DnsRecordType } from '../shared/frame.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import { type DnsServer, type Zone, startDnsServer, startSilentDnsServer } from './testing/dns-server.ts';
import { Recorder, client, open, startGateway, startTarget, until } from './testing/harness.ts';
import type { TestClient } from './testing/ws-client-transport.ts';

const T = { timeout: 30_000 };

type QueryOutcome = { answer: DnsAnswer } | { reset: WireError };

/** Sends one QUERY; resolves with its ANSWER or RESET. */
function query(c: TestClient, rrtype: DnsRecordType, name: string, family: 0 | 4 | 6 = 0, onStream?: (stream: SessionStream) => void): Promise<QueryOutcome> {
  return new Promise((resolve) => {
    const handler: StreamHandler = {
      onData: () => {},
      onEnd: () => {},
      onDrain: () => {},
      onReset: (error) => resolve({ reset: error }),
      onAnswer: (answer) => resolve({ answer }),
    };
    const stream = c.session.query({ rrtype, name, family, hints: 0 }, handler);
    assert.ok(stream, 'session.query() returned a stream');
    onStream?.(stream);
  });
}

async function dnsServer(t: TestContext, zone: Zone): Promise<DnsServer> {
  const server = await startDnsServer(zone);
  t.after(() => server.close());
  return server;
}

describe('finding 4: a DNS server that never answers', () => {
  test('64 OPENs and 128 QUERYs from one session do not delay another session\'s OPEN to localhost and its QUERY; the QUERYs get ETIMEOUT', T, async (t) => {
    const silent = await startSilentDnsServer();
    t.after(() => silent.close());
    const target = await startTarget(t);
    const { url, gateway } = await startGateway(t, {
      allow: ['*.blackhole.test:*', 'localhost:*'],
      dnsServers: [silent.address],
      queryTimeout: 500,
      openRate: 1000,
      openBurst: 1000,
    });
    const attacker = await client(t, url);
    const opens = Array.from({ length: 64 }, (_, i) => open(attacker, `n${i}.blackhole.test`, 443));
    const queries = [
      ...Array.from({ length: 64 }, (_, i) => query(attacker, 'lookup', `q${i}.blackhole.test`)),
      ...Array.from({ length: 64 }, (_, i) => query(attacker, 'A', `q${i}.blackhole.test`)),
    ];
    // Every OPEN and QUERY is in flight at the silent server (or waiting its turn).
    await until(() => silent.questions.length >= 64, 'the attacker\'s questions to reach the silent server');

    const victim = await client(t, url);
    const started = Date.now();
    const r = open(victim, 'localhost', target.port, new Recorder(), 4);
    const outcome = await Promise.race([r.outcome(), new Promise<'slow'>((resolve) => setTimeout(() => resolve('slow'), 5_000).unref())]);
    const openMs = Date.now() - started;
    assert.ok(outcome !== 'slow' && 'opened' in outcome, `the victim's OPEN to localhost: ${JSON.stringify(outcome)}`);
    assert.ok(openMs < 1_000, `the victim's OPEN took ${openMs} ms`);
    const queryStarted = Date.now();
    const answer = await query(victim, 'lookup', 'localhost', 4);
    const queryMs = Date.now() - queryStarted;
    assert.deepEqual(answer, { answer: { rrtype: 'lookup', records: [{ address: '127.0.0.1', family: 4, ttl: 0 }] } });
    assert.ok(queryMs < 1_000, `the victim's QUERY took ${queryMs} ms`);

    // The attacker's QUERYs are answered too: ETIMEOUT as node:dns words it, never silence.
    const outcomes = await Promise.all(queries);
    for (const [index, result] of outcomes.entries()) {
      assert.ok('reset' in result, `query ${index}: ${JSON.stringify(result)}`);
      const syscall = index < 64 ? 'getaddrinfo' : 'queryA';
      assert.equal(result.reset.code, 'ETIMEOUT');
      assert.equal(result.reset.syscall, syscall);
      assert.equal(result.reset.hostname, `q${index % 64}.blackhole.test`);
    }
    for (const o of opens) o.stream.reset({ code: 'ECONNRESET', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' });
    await until(() => gateway.stats().streams.every((stream) => stream.host === 'localhost'), 'the attacker\'s streams to go');
  });

  test('QUERYs count against the session\'s pending-opens limit: one past it waits for a slot', T, async (t) => {
    const server = await dnsServer(t, {
      ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`h${i}.slow.test`, { hang: true }])),
      'ok.slow.test': { A: ['93.184.215.14'] },
    });
    const { url } = await startGateway(t, { allow: ['*.slow.test:*'], dnsServers: [server.address], maxPendingOpens: 4, queryTimeout: 60_000 });
    const c = await client(t, url);
    const streams: SessionStream[] = [];
    const hung = Array.from({ length: 4 }, (_, i) => query(c, 'A', `h${i}.slow.test`, 0, (stream) => streams.push(stream)));
    await until(() => server.questions.length === 4, 'four questions in flight');
    let answered = false;
    const fifth = query(c, 'A', 'ok.slow.test').then((outcome) => {
      answered = true;
      return outcome;
    });
    // Denied QUERYs are answered at once, after the gateway has taken the fifth: round trips.
    for (let i = 0; i < 3; i += 1) assert.ok('reset' in await query(c, 'A', 'denied.example'));
    assert.equal(answered, false, 'the fifth QUERY waits for a slot');
    assert.deepEqual(server.questions.slice(4), [], 'and is not asked meanwhile');
    // The page gives up on one: its slot goes to the fifth.
    streams[0]?.reset({ code: 'ECANCELLED', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' });
    assert.deepEqual(await fifth, { answer: { rrtype: 'A', records: [{ address: '93.184.215.14', family: 4, ttl: 300 }] } });
    void hung;
  });
});

describe('finding 7: DNS answers do not map the internal network', () => {
  const zone: Zone = {
    '_ldap._tcp.corp.test': { SRV: [{ priority: 0, weight: 100, port: 389, name: 'dc01.internal.corp.test' }] },
    'corp.test': { TXT: [['internal-only']], NS: ['ns1.corp.test'] },
    'dc01.internal.corp.test': { A: ['10.0.0.5'] },
    'alias.corp.test': { CNAME: 'dc01.internal.corp.test' },
    '5.0.0.10.in-addr.arpa': { PTR: ['dc01.internal.corp.test'] },
    'www.public.test': { A: ['192.0.2.80'], TXT: [['v=spf1 -all']] },
    '80.2.0.192.in-addr.arpa': { PTR: ['www.public.test'] },
  };

  test('under *:443, TXT, SRV, CNAME, NS and PTR for internal names are refused and never asked', T, async (t) => {
    const server = await dnsServer(t, zone);
    const { url } = await startGateway(t, { allow: ['*:443'], dnsServers: [server.address] });
    const c = await client(t, url);
    const asked: Array<[DnsRecordType, string]> = [
      ['SRV', '_ldap._tcp.corp.test'], ['TXT', 'corp.test'], ['NS', 'corp.test'], ['CNAME', 'alias.corp.test'],
      ['PTR', '5.0.0.10.in-addr.arpa'], ['PTR', '10.in-addr.arpa'], ['TXT', 'www.public.test'], ['PTR', '80.2.0.192.in-addr.arpa'],
    ];
    for (const [rrtype, name] of asked) {
      const outcome = await query(c, rrtype, name);
      assert.ok('reset' in outcome, `${rrtype} ${name}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.reset.code, 'SOCKWAY_ERR_DENIED', `${rrtype} ${name}`);
    }
    assert.deepEqual(server.questions, [], 'nothing was asked of the DNS server');
  });

  test('records are answered for hosts a rule names exactly, PTR for addresses an address rule allows', T, async (t) => {
    const server = await dnsServer(t, zone);
    const { url } = await startGateway(t, { allow: ['*:443', 'www.public.test:443', '192.0.2.0/24:443'], dnsServers: [server.address] });
    const c = await client(t, url);
    assert.deepEqual(await query(c, 'TXT', 'www.public.test'), { answer: { rrtype: 'TXT', records: [['v=spf1 -all']] } });
    assert.deepEqual(await query(c, 'PTR', '80.2.0.192.in-addr.arpa'), { answer: { rrtype: 'PTR', records: ['www.public.test'] } });
    const internal = await query(c, 'PTR', '5.0.0.10.in-addr.arpa');
    assert.ok('reset' in internal && internal.reset.code === 'SOCKWAY_ERR_DENIED', JSON.stringify(internal));
  });

  test('a name resolving to 10.0.0.5 answers exactly as a nonexistent name, for QUERY lookup, A and OPEN', T, async (t) => {
    const server = await dnsServer(t, zone);
    const { url, logs } = await startGateway(t, { allow: ['*:443'], dnsServers: [server.address] });
    const c = await client(t, url);
    for (const rrtype of ['lookup', 'A'] as const) {
      const internal = await query(c, rrtype, 'dc01.internal.corp.test');
      const missing = await query(c, rrtype, 'nothing.corp.test');
      assert.ok('reset' in internal && 'reset' in missing, `${rrtype}: ${JSON.stringify([internal, missing])}`);
      assert.equal(missing.reset.code, 'ENOTFOUND');
      assert.deepEqual({ ...internal.reset, hostname: '' }, { ...missing.reset, hostname: '' }, rrtype);
      assert.equal(internal.reset.hostname, 'dc01.internal.corp.test');
    }
    const internal = await open(c, 'dc01.internal.corp.test', 443).reset.promise;
    const missing = await open(c, 'nothing.corp.test', 443).reset.promise;
    assert.equal(missing.code, 'ENOTFOUND');
    assert.equal(missing.syscall, 'getaddrinfo');
    assert.deepEqual({ ...internal, hostname: '' }, { ...missing, hostname: '' });
    assert.equal(internal.hostname, 'dc01.internal.corp.test');
    // The gateway's log keeps the true reason.
    assert.ok(logs.some((entry) => entry.event === 'stream-denied' && /10\.0\.0\.5/.test(String(entry['reason']))), 'the OPEN denial is logged');
    assert.ok(logs.some((entry) => entry.event === 'query-denied' && entry['host'] === 'dc01.internal.corp.test'), 'the QUERY denial is logged');
  });
});

describe('finding 4 as reported: default settings, the system resolver pointing at a silent server', () => {
  // A mount namespace gives the gateway's process its own /etc/resolv.conf (nameserver on
  // a loopback address nobody answers on); gateway/testing/dns-starvation.ts runs the
  // attack there and reports the victim's timings.
  test('the victim\'s OPEN to localhost and QUERY stay fast while 64 OPENs hang in DNS', T, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockway-dns-'));
    const nameserver = `127.${1 + (process.pid % 200)}.${(process.pid >> 8) % 250}.53`;
    const conf = join(dir, 'resolv.conf');
    writeFileSync(conf, `nameserver ${nameserver}\noptions timeout:5 attempts:2\n`);
    const script = new URL('./testing/dns-starvation.ts', import.meta.url).pathname;
    const result = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind "${conf}" /etc/resolv.conf && exec "${process.execPath}" --import tsx "${script}" ${nameserver}`], {
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.equal(result.status, 0, `the child failed: ${result.stderr}`);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { openMs: number | null; queryMs: number | null; questions: number };
    assert.ok(report.questions >= 1, `the attack reached the silent server: ${result.stdout}`);
    assert.ok(report.openMs !== null && report.openMs < 1_000, `the victim's OPEN to localhost: ${JSON.stringify(report)}`);
    assert.ok(report.queryMs !== null && report.queryMs < 1_000, `the victim's QUERY: ${JSON.stringify(report)}`);
  });
});
