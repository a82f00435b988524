/**
 * A real client, pg (node-postgres) unmodified in the page, ported from
 * e2e/clients/pg.e2e.ts to sockway/playwright/test: the client app's pg page built as a
 * user builds it and served as static files (with its strict CSP) with no gateway; the
 * page dials `db.internal:5432`, the name it would use in production, and the test maps it
 * to Debian's PostgreSQL started for the worker. What the kit adds: no gateway process, no
 * allow rule for a test port, and a reset of the database's connection from the test while
 * a query runs, which reaches the app as Node's pg raises it (checked against Node's pg
 * under a real TCP reset).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { PgApp, PgErrorSummary, PgTarget } from '../clients/app/pg.ts';
import { type BuiltApp, CONTENT_SECURITY_POLICY, buildClientApp, removeClientApp, scenarioRunner } from '../clients/client-app.ts';
import { type PostgresServer, startPostgres } from '../fixtures/servers/postgres.ts';
import { expect, test as base } from '../../playwright/test.ts';
import { serveDirectory } from './static-site.ts';

const DB = 'db.internal:5432';

const test = base.extend<object, { postgres: PostgresServer; pgSite: string }>({
  postgres: [
    async ({}, use) => {
      const server = await startPostgres();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  pgSite: [
    async ({}, use) => {
      const app: BuiltApp = await buildClientApp('pg');
      const site = await serveDirectory(app.outDir, { 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
      await use(site.url);
      await site.close();
      removeClientApp(app);
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ pgSite }, use) => use(pgSite),
  sockwayOptions: async ({ postgres }, use) => use({ hosts: { [DB]: `127.0.0.1:${postgres.port}` } }),
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto('/pg.html');
    await expect(page.locator('#status')).toHaveText('ready');
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

/** Where the app connects: the production name; the login is the test server's. */
const target = (postgres: PostgresServer): PgTarget => ({ host: 'db.internal', port: 5432, database: postgres.database, ...postgres.scram });

/** pg's error fields the tests compare. */
function summary(error: unknown): PgErrorSummary {
  const e = error as Error & { code?: string; syscall?: string };
  return { name: e.name, code: e.code, message: e.message, ...(e.syscall === undefined ? {} : { syscall: e.syscall }) };
}

/**
 * Node's own pg on a kept connection whose TCP link is reset (a proxy sends RST) while
 * `SELECT pg_sleep(10)` runs: what the query, the client's 'error' events (until its 'end')
 * and the next query give.
 */
async function nodePgUnderReset(postgres: PostgresServer): Promise<{ query: PgErrorSummary; errors: PgErrorSummary[]; next: PgErrorSummary }> {
  let sawQuery: () => void = () => {};
  const queried = new Promise<void>((resolve) => (sawQuery = resolve));
  const links: net.Socket[] = [];
  const proxy = net.createServer((downstream) => {
    const upstream = net.connect(postgres.port, '127.0.0.1');
    links.push(downstream, upstream);
    for (const socket of [downstream, upstream]) socket.on('error', () => {});
    downstream.pipe(upstream).pipe(downstream);
    downstream.on('data', (data: Buffer) => {
      if (data.includes('pg_sleep')) sawQuery();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const client = new pg.Client({ host: '127.0.0.1', port: (proxy.address() as AddressInfo).port, database: postgres.database, ...postgres.scram });
  const errors: PgErrorSummary[] = [];
  client.on('error', (error) => errors.push(summary(error)));
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  try {
    await client.connect();
    const query = client.query('SELECT pg_sleep(10)').then(() => summary(new Error('no error')), summary);
    await queried;
    (links[0] as net.Socket).resetAndDestroy();
    (links[1] as net.Socket).destroy();
    const failed = await query;
    // As the page's scenario reads them: once the client has ended (the socket closed).
    await ended;
    return { query: failed, errors, next: await client.query('SELECT 1').then(() => summary(new Error('no error')), summary) };
  } finally {
    await client.end().catch(() => {});
    for (const socket of links) socket.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
}

test('SCRAM login, typed rows and SQL errors through db.internal:5432, the name the app uses in production', async ({ page, sockway, postgres }) => {
  const run = scenarioRunner<PgApp>(() => page, 'pgApp');
  const login = await run('login', target(postgres));
  expect(login).toEqual({
    user: 'scram_user',
    ssl: false,
    wrongPassword: { name: 'error', code: '28P01', message: 'password authentication failed for user "scram_user"' },
  });
  const row = await run('types', target(postgres));
  expect(row).toMatchObject({ count: 42, countType: 'number', amount: '1234.50', at: '2024-02-29T12:34:56.789Z', tags: ['a', 'b,c', 'd"e'], big: '9007199254740993', label: 'first' });
  expect((await postgres.query<{ label: string }>('SELECT label FROM readings')).rows).toEqual([{ label: 'first' }]);
  const { errors, after } = await run('errors', target(postgres));
  expect(errors).toEqual([
    { name: 'error', code: '22012', message: 'division by zero' },
    { name: 'error', code: '42P01', message: 'relation "no_such_table" does not exist' },
    { name: 'error', code: '23505', message: 'duplicate key value violates unique constraint "readings_label_key"', constraint: 'readings_label_key' },
  ]);
  expect(after).toBe(7);
  // Four connections (two logins, types, errors), each to the name the page dialed, each ended cleanly.
  expect(sockway.streams().map(({ destination, state }) => `${destination} ${state}`)).toEqual(Array(4).fill(`${DB} closed`));
});

test('the database\'s connection reset mid-query, from the test: the app gets pg\'s error as Node\'s pg raises it', async ({ page, sockway, postgres }) => {
  const run = scenarioRunner<PgApp>(() => page, 'pgApp');
  await run('openSession', target(postgres));
  expect(await run('sessionQuery', "SELECT 'before' AS said")).toEqual({ rows: [{ said: 'before' }] });
  const sent = sockway.streams()[0]?.bytesSent ?? 0;
  const sql = 'SELECT pg_sleep(10)';
  const query = run('sessionQuery', sql);
  // The query's message ('Q', length, the SQL, NUL) went through: the server is running it.
  await sockway.waitFor(() => (sockway.streams()[0]?.bytesSent ?? 0) >= sent + sql.length + 6, { description: 'the query sent' });
  sockway.fault(DB, 'reset');
  const expected = { name: 'Error', code: 'ECONNRESET', syscall: 'read', message: 'read ECONNRESET' };
  expect(await query).toEqual({ error: expected });
  // The client's 'error' events until its 'end': the reset, then the socket's close (pg reports both).
  const errors = await run('sessionErrors');
  expect(errors).toEqual([expected, { name: 'Error', code: undefined, message: 'Connection terminated unexpectedly' }]);
  const next = await run('sessionQuery', 'SELECT 1');
  expect(next).toEqual({ error: { name: 'Error', code: undefined, message: 'Client has encountered a connection error and is not queryable' } });
  await run('closeSession');
  expect(sockway.streams().map(({ state }) => state)).toEqual(['ECONNRESET']);

  // Node's own pg under a real TCP reset says the same, word for word.
  const node = await nodePgUnderReset(postgres);
  expect({ query: { error: node.query }, errors: node.errors, next: { error: node.next } }).toEqual({ query: await query, errors, next });
});
