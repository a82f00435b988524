/**
 * `npm start -- --with-servers` as a person uses it on a machine with PostgreSQL and
 * OpenSSH installed: the banner says what it started and how to log in, the page's SQL and
 * SSH forms are already filled in, a query and a shell command run through them, and
 * SIGTERM stops it all: no server process, no temporary directory (and no SSH user) left.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REPO } from './fixtures/app-project.ts';
import { launchChromium } from './fixtures/chromium.ts';

let browser: Browser;
let child: ChildProcess;
let stdout = '';
let stderr = '';

/** What the banner says it started. */
interface Banner {
  url: string;
  sql: { port: number; user: string; password: string; database: string };
  ssh: { port: number; user: string; password: string | undefined };
  dirs: string[];
}
let banner: Banner;

function parseBanner(text: string): Banner {
  const sql = /\n {2}postgresql {4}127\.0\.0\.1:(\d+) {2}user (\S+) {2}password '([^']*)' {2}database (\S+) \(the SQL tab\)\n/.exec(text);
  const ssh = /\n {2}ssh server {4}127\.0\.0\.1:(\d+) {2}user (\S+) {2}(?:password '([^']*)'|a key made for this server \(filled into the form\)) \(the SSH tab\)\n/.exec(text);
  const url = /sockway demo: (http:\/\/\S+)/.exec(text)?.[1];
  assert.ok(sql !== null && ssh !== null && url !== undefined, `the banner names both servers:\n${text}${stderr}`);
  return {
    url,
    sql: { port: Number(sql[1]), user: sql[2] ?? '', password: sql[3] ?? '', database: sql[4] ?? '' },
    ssh: { port: Number(ssh[1]), user: ssh[2] ?? '', password: ssh[3] },
    dirs: [...text.matchAll(/\n {2}server files {2}(\S+) \(removed on exit\)/g)].map((match) => match[1] ?? ''),
  };
}

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0', '--with-servers'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('Press Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`npm start exited early (${String(code)}): ${stdout}${stderr}`)));
  });
  [browser] = await Promise.all([launchChromium(), started]);
  banner = parseBanner(stdout);
});

after(async () => {
  await browser?.close();
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Processes whose command line names `dir` (postgres -D DIR/data, sshd -f DIR/sshd_config). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (command.includes(dir)) found.push(`${pid}: ${command}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function refused(port: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1');
  const outcome = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(false));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
  socket.destroy();
  return outcome;
}

test('the banner: both servers, where, and how to log in; their files; nothing denied or failed', () => {
  assert.equal(banner.dirs.length, 2);
  for (const dir of banner.dirs) {
    assert.ok(existsSync(dir), dir);
    assert.notDeepEqual(processesUsing(dir), [], `a server runs from ${dir}`);
  }
  assert.doesNotMatch(stdout, /Tip: npm start -- --with-servers/, 'no tip: the servers are there');
  assert.equal(stderr, '');
});

test('SQL tab: the form is filled in with the started server; a query runs', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 820 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(banner.url);
  await page.click('#tab-sql');
  await page.locator('#sql-allowed', { hasText: `127.0.0.1:${banner.sql.port}` }).waitFor();
  assert.deepEqual(
    await Promise.all(['#sql-host', '#sql-port', '#sql-user', '#sql-password', '#sql-database'].map((id) => page.inputValue(id))),
    ['127.0.0.1', String(banner.sql.port), banner.sql.user, banner.sql.password, banner.sql.database],
  );
  await page.click('#sql-connect-button');
  await page.locator('#sql-status', { hasText: /^connected to/ }).waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
    throw new Error(`${String(error)}\nstatus: ${await page.textContent('#sql-status')}\nresults: ${await page.textContent('#sql-results')}`);
  });
  await page.fill('#sql-query', 'SELECT current_user, current_database(), 6 * 7 AS answer');
  await page.click('#sql-run');
  await page.locator('#sql-results .sql-elapsed').waitFor();
  const cells = await page.$$eval('#sql-results table tbody tr', (rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')));
  assert.deepEqual(cells, [[banner.sql.user, banner.sql.database, '42']]);
  await page.click('#sql-disconnect');
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('SSH tab: the form is filled in with the started server and its login; a shell command runs', async () => {
  const page: Page = await browser.newPage({ viewport: { width: 960, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(banner.url);
  await page.click('#tab-ssh');
  await page.locator('#ssh-form').waitFor({ state: 'visible' });
  assert.equal(await page.isVisible('#ssh-hint'), false);
  assert.equal(await page.inputValue('#ssh-target'), `127.0.0.1:${banner.ssh.port}`);
  assert.equal(await page.inputValue('#ssh-user'), banner.ssh.user);
  if (banner.ssh.password !== undefined) assert.equal(await page.inputValue('#ssh-password'), banner.ssh.password);
  else assert.match(await page.inputValue('#ssh-key'), /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  await page.click('#ssh-connect');
  const rows = page.locator('#terminal .xterm-rows');
  try {
    await page.locator('#ssh-status', { hasText: `logged in as ${banner.ssh.user}` }).waitFor({ timeout: 20_000 });
    await rows.filter({ hasText: /[$#]\s*$/m }).waitFor({ timeout: 10_000 }); // the shell prompt
  } catch (error) {
    throw new Error(`${String(error)}\nstatus: ${await page.textContent('#ssh-status')}\npage errors: ${pageErrors.join('\n')}`);
  }
  await page.click('#terminal');
  await page.keyboard.type('echo "user=$(id -un)"\n');
  await rows.filter({ hasText: `user=${banner.ssh.user}` }).waitFor({ timeout: 10_000 });
  await page.keyboard.type('exit\n');
  await page.locator('#ssh-status', { hasText: /shell closed|disconnected/ }).waitFor({ timeout: 10_000 });
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('--with-servers with --ssh is a usage error: exit 2, nothing started', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0', '--with-servers', '--ssh', '127.0.0.1:22'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, 'npm start: --with-servers starts its own SSH server: leave out --ssh (or SOCKWAY_DEMO_SSH)\n');
});

test('SIGTERM stops the demo and its servers: no process, no directory, no SSH user left', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(stdout, /SIGTERM: stopping\nstopped\n$/);
  for (const dir of banner.dirs) {
    assert.equal(existsSync(dir), false, `${dir} removed`);
    assert.deepEqual(processesUsing(dir), [], `nothing runs from ${dir}`);
  }
  assert.equal(await refused(banner.sql.port), true, 'PostgreSQL port closed');
  assert.equal(await refused(banner.ssh.port), true, 'sshd port closed');
  if (banner.ssh.password !== undefined) assert.notEqual(spawnSync('id', [banner.ssh.user], { stdio: 'ignore' }).status, 0, 'the SSH user is gone');
});
