/**
 * The MySQL-protocol libraries of the corpus (mysql2, mysql, mariadb), unmodified in
 * Chromium, against one MariaDB the test starts (a login with a password, no
 * --skip-grant-tables). Each page leaves rows in its own table; the test reads them from Node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMariaDb } from '../fixtures/servers/mariadb.ts';
import type { MysqlResult } from './app/mysql.ts';
import type { Mysql2Result } from './app/mysql2.ts';
import type { SqlTarget } from './app/sql-target.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => {
  const mariadb = await startMariaDb();
  process.stderr.write(`MariaDB ${mariadb.version}\n`);
  return oneServer('mariadb', mariadb);
});

const target = (table: string): SqlTarget => {
  const { host, port, database, login } = suite.servers.mariadb;
  return { host, port, database, ...login, table };
};

/** The row every page inserts, as it reads back. */
const SAMPLE = { label: 'héllo ✓ 🚀', amount: '1234.50', at: '2024-02-29T12:34:56.789Z', doc: { nested: { list: [1, 'two', null] } }, data: 'all 256 bytes' };

/** What the page left in its table, read from Node. */
async function tableFromNode(table: string): Promise<unknown> {
  return suite.servers.mariadb.query(`SELECT label, amount, HEX(data) = HEX(?) AS sameBytes FROM ${table} ORDER BY id`, [Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
}

test('mysql2 (disableEval: true under the CSP): login, DDL, typed parameterised queries, execute, errors, a rolled-back transaction, a Pool, end', async () => {
  assert.equal(suite.library('mysql2').status, 'works');
  const page = await suite.page('mysql2');
  const result = await page.run<Mysql2Result>(target('items_mysql2'));
  assert.deepEqual(result, {
    wrongPassword: { code: 'ER_ACCESS_DENIED_ERROR', message: "Access denied for user 'corpus_user'@'…' (using password: YES)" },
    withEval: 'EvalError',
    insertId: 1,
    row: SAMPLE,
    prepared: { label: SAMPLE.label, more: 1235 }, // DECIMAL + a DOUBLE parameter is a DOUBLE
    sqlError: { name: 'Error', code: 'ER_NO_SUCH_TABLE', message: "Table 'corpus.no_such_table' doesn't exist" },
    countAfterRollback: 1,
    poolNs: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    poolConnections: 3,
  });
  assert.deepEqual(await tableFromNode('items_mysql2'), [
    { label: SAMPLE.label, amount: '1234.50', sameBytes: 1 },
    { label: 'from the pool', amount: null, sameBytes: null },
  ]);
  // Two reports, neither a failure: long.js (mysql2's 64-bit integers) tries a WebAssembly
  // fast path at load and falls back to JavaScript; the row parser compiled with new
  // Function is the EvalError of `withEval` above.
  const problems = await page.problems();
  assert.deepEqual(problems.map((problem) => problem.replace(/ http.*$/, '')), ['CSP script-src: wasm-eval', 'CSP script-src: eval'], problems.join('\n'));
});

test('mysql: login, DDL, typed parameterised queries, errors, a rolled-back transaction, a Pool, end', async () => {
  assert.equal(suite.library('mysql').status, 'works');
  const page = await suite.page('mysql');
  assert.deepEqual(await page.run<MysqlResult>(target('items_mysql')), {
    wrongPassword: { code: 'ER_ACCESS_DENIED_ERROR', message: "ER_ACCESS_DENIED_ERROR: Access denied for user 'corpus_user'@'…' (using password: YES)" },
    insertId: 1,
    row: { ...SAMPLE, amount: '1234.5' }, // mysql reads DECIMAL as a number by default, in Node too
    sqlError: { name: 'Error', code: 'ER_NO_SUCH_TABLE', message: "ER_NO_SUCH_TABLE: Table 'corpus.no_such_table' doesn't exist" },
    countAfterRollback: 1,
    poolNs: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    poolConnections: 3,
  });
  assert.deepEqual(await tableFromNode('items_mysql'), [
    { label: SAMPLE.label, amount: '1234.50', sameBytes: 1 },
    { label: 'from the pool', amount: null, sameBytes: null },
  ]);
  assert.deepEqual(await page.problems(), []);
});

test('mariadb: the page does not load: its import-time Node version check reads process.version and calls process.exit', async () => {
  assert.deepEqual(suite.library('mariadb').status, { missing: '`process.version`, `process.versions.node` and `process.platform`: it checks the Node version at import (and calls `process.exit`), and sends the Node version and platform in every handshake. A page does not claim to be Node: libraries read `process.versions.node` to tell Node from a browser' });
  const page = await suite.page('mariadb');
  assert.deepEqual(page.loaded, { ready: false, error: page.loaded.ready ? '' : page.loaded.error });
  assert.match(page.loaded.ready ? '' : page.loaded.error, /\.exit is not a function/);
});
