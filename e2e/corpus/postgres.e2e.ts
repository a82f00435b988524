/**
 * postgres (porsager's Postgres.js), unmodified in Chromium, against a PostgreSQL the test
 * starts (SCRAM-SHA-256 login, no trust): the page leaves rows in its table and the test
 * reads them from Node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPostgres } from '../fixtures/servers/postgres.ts';
import type { PostgresResult, PostgresTarget } from './app/postgres.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('postgres', await startPostgres()));

const DOC = { nested: { list: [1, 'two', null] } };

test('postgres: SCRAM login (and a wrong password), typed tagged-template queries, sql.begin commit and rollback, SQLSTATE errors, LISTEN/NOTIFY, end', async () => {
  assert.equal(suite.library('postgres').status, 'works');
  const page = await suite.page('postgres');
  const { host, port, database, scram } = suite.servers.postgres;
  const target: PostgresTarget = { host, port, database, ...scram, table: 'items_postgresjs' };
  assert.deepEqual(await page.run<PostgresResult>(target), {
    wrongPassword: { name: 'PostgresError', code: '28P01', message: 'password authentication failed for user "scram_user"' },
    server: { user: 'scram_user', database },
    typed: { int: 42, numeric: '1234.50', at: '2024-02-29T12:34:56.789Z', doc: DOC, data: 'all 256 bytes', ints: [1, 2, 3], texts: ['a', 'b,c', 'NULL'] }, // Postgres.js reads a NULL in a text[] as 'NULL', in Node too
    read: { label: 'héllo ✓ 🚀', amount: '1234.50', at: '2024-02-29T12:34:56.789Z', doc: DOC, data: 'all 256 bytes' },
    sqlError: { name: 'PostgresError', code: '42P01', message: 'relation "no_such_table" does not exist' },
    committed: 2,
    rolledBack: { name: 'PostgresError', code: '23505', message: 'duplicate key value violates unique constraint "items_postgresjs_label_key"' },
    countAfterRollback: 2,
    connections: 2,
    payload: 'hello ✓',
  });
  // What the page left, read from Node: the SCRAM role wrote it, the bytes are the bytes.
  const rows = await suite.servers.postgres.query<{ label: string; amount: string | null; same_bytes: boolean | null; owner: string }>(
    "SELECT label, amount, data = $1 AS same_bytes, (SELECT tableowner FROM pg_tables WHERE tablename = 'items_postgresjs') AS owner FROM items_postgresjs ORDER BY id",
    [Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  );
  assert.deepEqual(rows.rows.map(({ label, amount, same_bytes, owner }) => ({ label, amount, same_bytes, owner })), [
    { label: 'héllo ✓ 🚀', amount: '1234.50', same_bytes: true, owner: 'scram_user' },
    { label: 'committed', amount: null, same_bytes: null, owner: 'scram_user' },
  ]);
  assert.deepEqual(await page.problems(), []);
});
