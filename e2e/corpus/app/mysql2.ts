/**
 * mysql2, unmodified: login (and a wrong password), DDL, a parameterised INSERT and
 * SELECT (text, DECIMAL, DATETIME, JSON, BLOB), a prepared statement (execute), an SQL
 * error, a rolled-back transaction, a Pool, and a clean end; against the test's MariaDB.
 * mysql2 compiles its row parsers with `new Function` unless `disableEval: true`: under a
 * CSP without 'unsafe-eval' that is the option to set.
 */
import mysql from 'mysql2/promise';
import { errorData, exposeCorpus } from './corpus-page.ts';
import { type SqlTarget, createTable, rowData, sampleRow } from './sql-target.ts';

async function run(target: SqlTarget) {
  const { table, ...login } = target;
  const options = { ...login, timezone: 'Z', disableEval: true } as const;
  const wrongPassword = await mysql.createConnection({ ...options, password: 'not the password' }).then(
    async (connection): Promise<{ code?: string; message: string }> => { await connection.end(); return { message: 'connected' }; },
    (error: unknown) => errorData(error),
  );
  // The default (eval) is refused by the page's CSP.
  const withEval = await mysql.createConnection({ ...options, disableEval: false }).then(async (connection) => {
    try {
      return await connection.query('SELECT 1 AS one').then(() => 'ran', (error: unknown) => errorData(error).name);
    } finally {
      connection.destroy();
    }
  });

  const db = await mysql.createConnection(options);
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  await db.query(createTable(table));
  const [inserted] = await db.query<mysql.ResultSetHeader>(`INSERT INTO ${table} (label, amount, at, doc, data) VALUES (?, ?, ?, ?, ?)`, sampleRow());
  const [rows] = await db.query<mysql.RowDataPacket[]>(`SELECT * FROM ${table} WHERE id = ?`, [inserted.insertId]);
  const [prepared] = await db.execute<mysql.RowDataPacket[]>(`SELECT label, amount + ? AS more FROM ${table} WHERE id = ?`, [0.5, inserted.insertId]);
  const sqlError = await db.query('SELECT * FROM no_such_table').then(() => null, (error: unknown) => errorData(error));
  await db.beginTransaction();
  await db.query(`INSERT INTO ${table} (label) VALUES (?)`, ['rolled back']);
  await db.rollback();
  const [counted] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS count FROM ${table}`);
  await db.end();

  const pool = mysql.createPool({ ...options, connectionLimit: 3 });
  const sums = await Promise.all(Array.from({ length: 9 }, async (_, i) => (await pool.query<mysql.RowDataPacket[]>('SELECT ? + 1 AS n, CONNECTION_ID() AS c', [i]))[0][0]!));
  await pool.query(`INSERT INTO ${table} (label) VALUES (?)`, ['from the pool']);
  await pool.end();

  return {
    wrongPassword: { code: wrongPassword.code, message: wrongPassword.message.replace(/'@'[^']*'/, "'@'…'") },
    withEval,
    insertId: inserted.insertId,
    row: rowData(rows[0]!),
    prepared: { ...prepared[0] },
    sqlError,
    countAfterRollback: counted[0]?.['count'] as unknown,
    poolNs: sums.map((row) => row['n'] as unknown),
    poolConnections: new Set(sums.map((row) => row['c'] as unknown)).size,
  };
}

/** The scenario's result, for the test. */
export type Mysql2Result = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
