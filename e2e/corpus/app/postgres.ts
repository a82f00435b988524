/**
 * postgres (porsager's Postgres.js), unmodified: a SCRAM-SHA-256 login (and a wrong
 * password), tagged-template queries whose parameters and results carry int, numeric,
 * timestamptz, json, bytea and arrays, a committed and a rolled-back `sql.begin`, an SQL
 * error with its SQLSTATE, LISTEN/NOTIFY, and `sql.end()`; against the test's PostgreSQL.
 */
import { Buffer } from 'buffer';
import postgres from 'postgres';
import { errorData, exposeCorpus } from './corpus-page.ts';
import { allBytes } from './sql-target.ts';

/** The test's PostgreSQL, a SCRAM role, and the table the page leaves filled. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly table: string;
}

async function run(target: PostgresTarget) {
  const { table, ...login } = target;
  // max: 2, one connection for queries and one for LISTEN.
  const options = { ...login, max: 2, connect_timeout: 10, onnotice: () => {} };

  const refused = postgres({ ...options, password: 'not the password' });
  const wrongPassword = await refused`SELECT 1`.then(() => ({ message: 'connected' }), (error: unknown) => errorData(error));
  await refused.end();

  const sql = postgres(options);
  // pg_hba lets this role in with SCRAM-SHA-256 only.
  const [server] = await sql<{ user: string; database: string }[]>`SELECT current_user AS user, current_database() AS database`;

  const at = new Date('2024-02-29T12:34:56.789Z');
  const [typed] = await sql`
    SELECT ${41}::int + 1 AS int, ${'1234.50'}::numeric AS numeric, ${at}::timestamptz AS at,
           ${sql.json({ nested: { list: [1, 'two', null] } })}::json AS doc, ${allBytes()}::bytea AS data,
           ${sql.array([1, 2, 3])}::int[] AS ints, ARRAY['a', 'b,c', NULL] AS texts`;

  await sql`DROP TABLE IF EXISTS ${sql(table)}`;
  await sql`CREATE TABLE ${sql(table)} (id serial PRIMARY KEY, label text NOT NULL UNIQUE, amount numeric(10,2), at timestamptz, doc jsonb, data bytea)`;
  const row = { label: 'héllo ✓ 🚀', amount: '1234.50', at, doc: sql.json({ nested: { list: [1, 'two', null] } }), data: allBytes() };
  const [inserted] = await sql<{ id: number }[]>`INSERT INTO ${sql(table)} ${sql(row)} RETURNING id`;
  const [read] = await sql`SELECT label, amount, at, doc, data FROM ${sql(table)} WHERE id = ${inserted!.id}`;

  const sqlError = await sql`SELECT * FROM no_such_table`.then(() => null, (error: unknown) => errorData(error));
  const committed = await sql.begin(async (tx) => {
    await tx`INSERT INTO ${tx(table)} (label) VALUES (${'committed'})`;
    return (await tx`SELECT count(*)::int AS n FROM ${tx(table)}`)[0]!['n'] as number;
  });
  const rolledBack = await sql
    .begin(async (tx) => {
      await tx`INSERT INTO ${tx(table)} (label) VALUES (${'rolled back'})`;
      await tx`INSERT INTO ${tx(table)} (label) VALUES (${'committed'})`; // a unique violation rolls it all back
    })
    .then(() => null, (error: unknown) => errorData(error));
  const [counted] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${sql(table)}`;

  // LISTEN runs on a connection of its own; once it is listening, a NOTIFY comes back through it.
  let received: (payload: string) => void = () => {};
  const notified = new Promise<string>((resolve) => (received = resolve));
  await sql.listen('corpus_channel', (payload) => received(payload));
  const [listening] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = current_user`;
  await sql.notify('corpus_channel', 'hello ✓');
  const payload = await notified;
  await sql.end({ timeout: 5 });

  return {
    wrongPassword,
    server: { ...server },
    typed: {
      int: typed!['int'],
      numeric: typed!['numeric'],
      at: (typed!['at'] as Date).toISOString(),
      doc: typed!['doc'],
      data: Buffer.isBuffer(typed!['data']) && (typed!['data'] as Buffer).equals(allBytes()) ? 'all 256 bytes' : String(typed!['data']),
      ints: typed!['ints'],
      texts: typed!['texts'],
    },
    read: {
      label: read!['label'],
      amount: read!['amount'],
      at: (read!['at'] as Date).toISOString(),
      doc: read!['doc'],
      data: Buffer.isBuffer(read!['data']) && (read!['data'] as Buffer).equals(allBytes()) ? 'all 256 bytes' : String(read!['data']),
    },
    sqlError,
    committed,
    rolledBack,
    countAfterRollback: counted!.n,
    connections: listening!.n,
    payload,
  };
}

/** The scenario's result, for the test. */
export type PostgresResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
