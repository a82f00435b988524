/**
 * mysql (mysqljs), unmodified: login (and a wrong password), DDL, a parameterised INSERT
 * and SELECT (text, DECIMAL, DATETIME, JSON, BLOB), an SQL error, a rolled-back
 * transaction, a Pool, and a clean end; against the test's MariaDB.
 */
import mysql from 'mysql';
import { errorData, exposeCorpus } from './corpus-page.ts';
import { type SqlTarget, createTable, rowData, sampleRow } from './sql-target.ts';

type Rows = Record<string, unknown>[] & { insertId: number };

async function run(target: SqlTarget) {
  const { table, ...login } = target;
  // utf8mb4: mysql's default charset is MySQL's 3-byte utf8 (no emoji), in Node too.
  const options = { ...login, timezone: 'Z', charset: 'utf8mb4' };
  const connect = async (extra: Record<string, unknown> = {}) => {
    const connection = mysql.createConnection({ ...options, ...extra });
    await new Promise<void>((resolve, reject) => connection.connect((error) => (!error ? resolve() : reject(error))));
    return connection;
  };
  const wrongPassword = await connect({ password: 'not the password' }).then(
    (connection): { code?: string; message: string } => { connection.destroy(); return { message: 'connected' }; },
    (error: unknown) => errorData(error),
  );

  const db = await connect();
  const query = (sql: string, values: unknown[] = []) =>
    new Promise<Rows>((resolve, reject) => db.query(sql, values, (error, rows) => (!error ? resolve(rows) : reject(error))));
  await query(`DROP TABLE IF EXISTS ${table}`);
  await query(createTable(table));
  const inserted = await query(`INSERT INTO ${table} (label, amount, at, doc, data) VALUES (?, ?, ?, ?, ?)`, sampleRow());
  const rows = await query(`SELECT * FROM ${table} WHERE id = ?`, [inserted.insertId]);
  const sqlError = await query('SELECT * FROM no_such_table').then(() => null, (error: unknown) => errorData(error));
  await new Promise<void>((resolve, reject) => db.beginTransaction((error) => (!error ? resolve() : reject(error))));
  await query(`INSERT INTO ${table} (label) VALUES (?)`, ['rolled back']);
  await new Promise<void>((resolve, reject) => db.rollback((error) => (!error ? resolve() : reject(error))));
  const counted = await query(`SELECT COUNT(*) AS count FROM ${table}`);
  await new Promise<void>((resolve, reject) => db.end((error) => (!error ? resolve() : reject(error))));

  const pool = mysql.createPool({ ...options, connectionLimit: 3 });
  const poolQuery = (sql: string, values: unknown[]) =>
    new Promise<Rows>((resolve, reject) => pool.query(sql, values, (error, result) => (!error ? resolve(result) : reject(error))));
  const sums = await Promise.all(Array.from({ length: 9 }, async (_, i) => (await poolQuery('SELECT ? + 1 AS n, CONNECTION_ID() AS c', [i]))[0]!));
  await poolQuery(`INSERT INTO ${table} (label) VALUES (?)`, ['from the pool']);
  await new Promise<void>((resolve, reject) => pool.end((error) => (!error ? resolve() : reject(error))));

  return {
    wrongPassword: { code: wrongPassword.code, message: wrongPassword.message.replace(/'@'[^']*'/, "'@'…'") },
    insertId: inserted.insertId,
    row: rowData(rows[0]!),
    sqlError,
    countAfterRollback: counted[0]?.['count'],
    poolNs: sums.map((row) => row['n']),
    poolConnections: new Set(sums.map((row) => row['c'])).size,
  };
}

/** The scenario's result, for the test. */
export type MysqlResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
