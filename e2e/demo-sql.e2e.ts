/**
 * The demo's SQL console as a person uses it: `npm start -- --allow 127.0.0.1:PORT` for a
 * throwaway PostgreSQL, open the SQL tab in Chromium, log in, create a table, insert,
 * select and read the cells on screen; see pg's errors (SQLSTATE) and the gateway's
 * denial of a server it does not allow. Saves a screenshot (path printed as a diagnostic).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REPO } from './fixtures/app-project.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type PostgresServer, startPostgres } from './fixtures/servers/postgres.ts';

/** Where browser tests leave artifacts (screenshots). */
const OUTPUT_DIR = process.env['SOCKWAY_E2E_OUTPUT'] ?? join(tmpdir(), 'sockway-e2e');

let browser: Browser;
let postgres: PostgresServer;
let child: ChildProcess;
let stdout = '';
let stderr = '';
let url: string;

function startDemo(allow: string): Promise<string> {
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0', '--allow', allow], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  return new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /sockway demo: (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined && stdout.includes('Press Ctrl-C')) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`npm start exited early (${String(code)}): ${stdout}${stderr}`)));
  });
}

before(async () => {
  // Assigned one by one, so that after() stops whatever started when another part fails.
  await Promise.all([launchChromium().then((launched) => (browser = launched)), startPostgres().then((started) => (postgres = started))]);
  url = await startDemo(`${postgres.host}:${postgres.port}`);
});

after(async () => {
  await browser?.close();
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await postgres?.close();
});

/** Types `sql` into the query box, runs it and waits for its outcome. */
async function runSql(page: Page, sql: string): Promise<void> {
  await page.fill('#sql-query', sql);
  await page.click('#sql-run');
  await page.locator('#sql-results .sql-elapsed').waitFor();
  await page.locator('#sql-run:not([disabled])').waitFor();
}

const cells = (page: Page): Promise<string[][]> =>
  page.$$eval('#sql-results table tbody tr', (rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')));

test('npm start -- --allow HOST:PORT: the banner lists the allowed database', () => {
  assert.match(stdout, new RegExp(`\\n  allowed       127\\.0\\.0\\.1:${postgres.port} \\(--allow\\)\\n`));
});

test('SQL console: connect, CREATE TABLE + INSERT, SELECT into a table (NULL shown apart), SQLSTATE errors, a denied server', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 820 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(url);
  await page.click('#tab-sql');
  await page.locator('#sql-allowed', { hasText: `127.0.0.1:${postgres.port}` }).waitFor();
  assert.equal(await page.isVisible('#log'), false, 'the console panel is hidden behind its tab');
  assert.equal(await page.inputValue('#sql-host'), '127.0.0.1', 'prefilled from --allow');
  assert.equal(await page.inputValue('#sql-port'), String(postgres.port));
  assert.equal(await page.isDisabled('#sql-run'), true, 'nothing to run on before connecting');

  await page.fill('#sql-user', postgres.scram.user);
  await page.fill('#sql-password', postgres.scram.password);
  await page.fill('#sql-database', postgres.database);
  await page.click('#sql-connect-button');
  await page.locator('#sql-status', { hasText: /^connected/ }).waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
    throw new Error(`${String(error)}\nstatus: ${await page.textContent('#sql-status')}\nresults: ${await page.textContent('#sql-results')}`);
  });
  assert.match(
    (await page.textContent('#sql-status')) ?? '',
    new RegExp(`^connected to 127\\.0\\.0\\.1:${postgres.port} as scram_user, database sockway \\(PostgreSQL \\d+\\.\\d+`),
  );

  // A script: pg runs it with the simple query protocol and gives one result per statement.
  await runSql(page, "CREATE TABLE fruit (id int PRIMARY KEY, name text NOT NULL, note text);\nINSERT INTO fruit VALUES (1, 'apple', NULL), (2, 'pear ✓', 'ripe'), (3, 'NULL', '');");
  assert.deepEqual(await page.locator('#sql-results .sql-meta').allTextContents(), ['CREATE', 'INSERT · 3 rows']);
  assert.equal(await page.locator('#sql-results table').count(), 0, 'no rows, no table');
  const fromNode = await postgres.query<{ id: number; name: string; note: string | null }>('SELECT id, name, note FROM fruit ORDER BY id');
  assert.deepEqual(fromNode.rows, [{ id: 1, name: 'apple', note: null }, { id: 2, name: 'pear ✓', note: 'ripe' }, { id: 3, name: 'NULL', note: '' }]);

  await runSql(page, 'SELECT id, name, note, id * 1.5 AS half_again, ARRAY[id, id] AS pair FROM fruit ORDER BY id');
  assert.deepEqual(await page.locator('#sql-results th').allTextContents(), ['id', 'name', 'note', 'half_again', 'pair']);
  // Values as PostgreSQL writes them (as psql shows them); SQL NULL is not the text 'NULL'.
  assert.deepEqual(await cells(page), [
    ['1', 'apple', 'NULL', '1.5', '{1,1}'],
    ['2', 'pear ✓', 'ripe', '3.0', '{2,2}'],
    ['3', 'NULL', '', '4.5', '{3,3}'],
  ]);
  assert.deepEqual(await page.locator('#sql-results td.null').allTextContents(), ['NULL'], 'only the real NULL is marked');
  assert.deepEqual(await page.locator('#sql-results .sql-meta').allTextContents(), ['SELECT · 3 rows']);
  assert.match((await page.textContent('#sql-results .sql-elapsed')) ?? '', /^\d+ ms$/);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const screenshot = join(OUTPUT_DIR, 'demo-sql-console.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);

  // A server error, as pg gives it: severity, message, SQLSTATE; the connection survives.
  await runSql(page, 'SELECT * FROM no_such_table');
  assert.deepEqual(await page.locator('#sql-results .sql-error p').allTextContents(), [
    'ERROR: relation "no_such_table" does not exist',
    'SQLSTATE 42P01',
    'position: 15',
  ]);
  await runSql(page, "INSERT INTO fruit VALUES (1, 'again', NULL)");
  assert.deepEqual(await page.locator('#sql-results .sql-error p').allTextContents(), [
    'ERROR: duplicate key value violates unique constraint "fruit_pkey"',
    'SQLSTATE 23505',
    'detail: Key (id)=(1) already exists.',
  ]);
  // Ctrl+Enter in the query box runs it too.
  await page.fill('#sql-query', 'SELECT count(*) AS n FROM fruit');
  await page.press('#sql-query', 'Control+Enter');
  await page.locator('#sql-results th', { hasText: 'n' }).waitFor();
  assert.deepEqual(await cells(page), [['3']]);

  // Disconnect, then a server the demo's gateway does not allow: its policy says no.
  await page.click('#sql-disconnect');
  await page.locator('#sql-status', { hasText: 'disconnected' }).waitFor();
  await page.fill('#sql-host', 'db.example.com');
  await page.fill('#sql-port', '5432');
  await page.click('#sql-connect-button');
  await page.locator('#sql-status', { hasText: 'could not connect to db.example.com:5432' }).waitFor();
  assert.deepEqual(await page.locator('#sql-results .sql-error p').allTextContents(), [
    'Error: connect SOCKWAY_ERR_DENIED db.example.com:5432 (not allowed by the gateway policy)',
    'code SOCKWAY_ERR_DENIED',
  ]);
  assert.equal(await page.isDisabled('#sql-connect-button'), false, 'the form is usable again');
  assert.match(stderr, /gateway: denied db\.example\.com:5432/);

  // TLS on: pg asks for SSL and verifies the certificate, which a throwaway CA signed.
  await page.fill('#sql-host', '127.0.0.1');
  await page.fill('#sql-port', String(postgres.port));
  await page.check('#sql-tls');
  await page.click('#sql-connect-button');
  await page.locator('#sql-status', { hasText: 'could not connect' }).waitFor({ timeout: 30_000 });
  assert.match((await page.locator('#sql-results .sql-error-code').textContent()) ?? '', /^code (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/);

  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('a malformed --allow rule (here from SOCKWAY_DEMO_ALLOW) is a usage error: exit 2, the rule named', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, SOCKWAY_DEMO_ALLOW: '127.0.0.1:5432, db.internal' },
  });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^npm start: --allow: invalid rule "db\.internal": is missing a port/);
});

test('Ctrl-C (SIGINT) stops npm start cleanly', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
