/**
 * pg (node-postgres), unmodified, in Chromium: the e2e/clients/app pg page, built by
 * Vite with the sockway plugin, against a PostgreSQL the test starts (SCRAM and MD5
 * roles, TLS on), through a gateway that allows that one host:port.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { startPostgres } from '../fixtures/servers/postgres.ts';
import { testCertificates } from '../fixtures/tls-certs.ts';
import type { PgApp, PgTarget } from './app/pg.ts';
import { scenarioRunner, useClientApp } from './client-app.ts';

const suite = useClientApp('pg', startPostgres);

const run = scenarioRunner<PgApp>(() => suite.page.page, 'pgApp');

function target(login: 'scram' | 'md5', extra: Partial<PgTarget> = {}): PgTarget {
  return { host: suite.server.host, port: suite.server.port, database: suite.server.database, ...suite.server[login], ...extra };
}

test('the build names no Node built-in as externalized for the browser', () => {
  assert.deepEqual(suite.app.warnings.filter((warning) => /externalized for browser compatibility/.test(warning)), []);
});

test('SCRAM-SHA-256 login; a wrong password fails with 28P01', async () => {
  const result = await run('login', target('scram'));
  assert.equal(result.user, 'scram_user');
  assert.equal(result.ssl, false);
  assert.deepEqual(result.wrongPassword, { name: 'error', code: '28P01', message: 'password authentication failed for user "scram_user"' });
});

test('MD5 login (the password is stored as MD5); a wrong password fails with 28P01', async () => {
  const result = await run('login', target('md5'));
  assert.equal(result.user, 'md5_user');
  assert.deepEqual(result.wrongPassword, { name: 'error', code: '28P01', message: 'password authentication failed for user "md5_user"' });
});

test('DDL and parameterised queries: int, numeric, timestamptz, json, bool, arrays, bigint parsed by pg-types', async () => {
  const row = await run('types', target('scram'));
  assert.deepEqual(row, {
    id: 1,
    count: 42,
    countType: 'number',
    amount: '1234.50',
    at: '2024-02-29T12:34:56.789Z',
    doc: { nested: { list: [1, 'two', null] } },
    ok: true,
    tags: ['a', 'b,c', 'd"e'],
    samples: [1, 2, 3],
    big: '9007199254740993',
    label: 'first',
    rowCount: 1,
    fields: ['id', 'count', 'amount', 'at', 'doc', 'ok', 'tags', 'samples', 'big', 'label'],
  });
  const fromNode = await suite.server.query<{ count: number; label: string }>('SELECT count, label FROM readings');
  assert.deepEqual(fromNode.rows, [{ count: 42, label: 'first' }], 'the row is really in the database');
});

test('errors carry their SQLSTATE code; the connection survives them', async () => {
  const { errors, after: afterErrors } = await run('errors', target('scram'));
  assert.deepEqual(errors, [
    { name: 'error', code: '22012', message: 'division by zero' },
    { name: 'error', code: '42P01', message: 'relation "no_such_table" does not exist' },
    { name: 'error', code: '23505', message: 'duplicate key value violates unique constraint "readings_label_key"', constraint: 'readings_label_key' },
  ]);
  assert.equal(afterErrors, 7);
});

test('a 5 MiB bytea goes in and comes back byte for byte', async () => {
  const size = 5 * 1024 * 1024;
  const result = await run('bytea', target('scram'), size);
  process.stderr.write(`5 MiB bytea round trip: ${String(result['ms'])} ms\n`);
  assert.equal(result['serverLength'], size);
  assert.equal(result['serverMd5'], result['localMd5'], 'PostgreSQL got the bytes the page sent');
  assert.equal(result['backIsBuffer'], true);
  assert.equal(result['backLength'], size);
  assert.equal(result['backMd5'], result['localMd5']);
  assert.equal(result['equal'], true);
  assert.match(String(result['localMd5']), /^[0-9a-f]{32}$/);
  assert.notEqual(result['localMd5'], createHash('md5').update(Buffer.alloc(size)).digest('hex'), 'random, not zeros');
});

test('LISTEN / NOTIFY between two connections', async () => {
  const notifications = await run('listenNotify', target('scram'));
  assert.deepEqual(notifications, [
    { channel: 'sockway_events', payload: 'first', fromOtherPid: true },
    { channel: 'sockway_events', payload: 'second ✓', fromOtherPid: true },
  ]);
});

test('a Pool spreads concurrent queries over at most max connections; a checked-out client runs a transaction', async () => {
  const result = await run('pool', target('md5'), 3, 12);
  assert.deepEqual(result['ns'], Array.from({ length: 12 }, (_, i) => i));
  assert.equal(result['distinctConnections'], 3);
  assert.equal(result['totalCount'], 3);
  assert.equal(result['idleCount'], 3);
  assert.equal(result['inTransaction'], '55');
});

test('TLS: ssl: { ca } (SSLRequest, then tls.connect({ socket }) with the gateway originating TLS), verified against the test CA', async () => {
  const result = await run('login', target('scram', { ca: suite.server.ca }));
  assert.equal(result.user, 'scram_user');
  assert.equal(result.ssl, true, 'pg_stat_ssl says the connection is encrypted');
  assert.equal(result.wrongPassword.code, '28P01');
});

test('TLS: a certificate from another CA is rejected', async () => {
  const error = await run('connectError', target('scram', { ca: testCertificates().otherCa }));
  assert.equal(error.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', JSON.stringify(error));
});

test('no uncaught errors and no CSP violation (the page runs without unsafe-eval)', async () => {
  assert.deepEqual(await suite.page.problems(), []);
});
