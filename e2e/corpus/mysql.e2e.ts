/**
 * The MySQL-protocol libraries of the corpus (mysql2, mysql, mariadb), unmodified in
 * Chromium, against one MariaDB the test starts (a login with a password, no
 * --skip-grant-tables). Each page leaves rows in its own table; the test reads them from Node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMariaDb } from '../fixtures/servers/mariadb.ts';
import type { Mysql2Result } from './app/mysql2.ts';
import type { SqlTarget } from './app/sql-target.ts';
import { useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => {
  const mariadb = await startMariaDb();
  process.stderr.write(`MariaDB ${mariadb.version}\n`);
  return { mariadb, allow: [`127.0.0.1:${String(mariadb.port)}`], close: () => mariadb.close() };
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
  // The one violation is mysql2's default row parser compiled with new Function (withEval above).
  const problems = await page.problems();
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^CSP script-src: eval /);
});
