/**
 * mariadb (MariaDB Connector/Node.js), unmodified: login (and a wrong password), DDL, a
 * parameterised INSERT and SELECT (text, DECIMAL, DATETIME, JSON, BLOB), a prepared
 * statement (execute), a batch, an SQL error, a rolled-back transaction, a Pool, and a
 * clean end; against the test's MariaDB.
 */
import * as mariadb from 'mariadb';
import { errorData, exposeCorpus } from './corpus-page.ts';
import { type SqlTarget, createTable, rowData, sampleRow } from './sql-target.ts';

async function run(target: SqlTarget) {
  const { table, ...login } = target;
  const options = { ...login, timezone: 'Z', insertIdAsNumber: true, connectTimeout: 5000 };
  const wrongPassword = await mariadb.createConnection({ ...options, password: 'not the password' }).then(
    async (connection): Promise<{ code?: string; message: string }> => { await connection.end(); return { message: 'connected' }; },
    (error: unknown) => errorData(error),
  );

  const db = await mariadb.createConnection(options);
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  await db.query(createTable(table));
  const inserted = (await db.query(`INSERT INTO ${table} (label, amount, at, doc, data) VALUES (?, ?, ?, ?, ?)`, sampleRow())) as mariadb.UpsertResult;
  const rows = (await db.query(`SELECT * FROM ${table} WHERE id = ?`, [inserted.insertId])) as Record<string, unknown>[];
  const prepared = (await db.execute(`SELECT label, id * ? AS more FROM ${table} WHERE id = ?`, [7, inserted.insertId])) as Record<string, unknown>[];
  const batch = (await db.batch(`INSERT INTO ${table} (label) VALUES (?)`, [['batch 1'], ['batch 2']])) as mariadb.UpsertResult;
  const sqlError = await db.query('SELECT * FROM no_such_table').then(() => null, (error: unknown) => errorData(error));
  await db.beginTransaction();
  await db.query(`INSERT INTO ${table} (label) VALUES (?)`, ['rolled back']);
  await db.rollback();
  const counted = (await db.query(`SELECT COUNT(*) AS count FROM ${table}`)) as { count: bigint }[];
  await db.end();

  const pool = mariadb.createPool({ ...options, connectionLimit: 3 });
  const sums = await Promise.all(Array.from({ length: 9 }, async (_, i) => ((await pool.query('SELECT ? + 1 AS n, CONNECTION_ID() AS c', [i])) as Record<string, unknown>[])[0]!));
  await pool.query(`INSERT INTO ${table} (label) VALUES (?)`, ['from the pool']);
  await pool.end();

  return {
    wrongPassword: { code: wrongPassword.code, message: wrongPassword.message.replace(/'@'[^']*'/, "'@'…'").replace(/\n[^]*$/, '') },
    insertId: inserted.insertId,
    row: rowData(rows[0]!),
    prepared: { label: prepared[0]?.['label'], more: String(prepared[0]?.['more']) },
    batchAffected: batch.affectedRows,
    sqlError: sqlError === null ? null : { code: sqlError.code, message: sqlError.message.replace(/\n[^]*$/, '') },
    countAfterRollback: String(counted[0]?.count),
    poolNs: sums.map((row) => String(row['n'])),
    poolConnections: new Set(sums.map((row) => String(row['c']))).size,
  };
}

/** The scenario's result, for the test. */
export type MariadbResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
