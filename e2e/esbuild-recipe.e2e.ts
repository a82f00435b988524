/**
 * The README's esbuild recipe (`sockway/esbuild`), as users get it: sockway installed from
 * its tarball, the app's build.js (the README's, e2e/fixtures/net-app) run with node, and
 * the bundle run in Chromium under a strict Content Security Policy through a real
 * gateway: the Quick start against Redis, a CommonJS dependency that require()s net and
 * uses Buffer/process as globals, and ioredis.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { serveClientApp } from './clients/client-app.ts';
import { type AppServers, EXPECTED, installNetApp, runNetApp, startAppServers } from './fixtures/bundled-app.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { removeApp } from './fixtures/installed-package.ts';

let browser: Browser;
let servers: AppServers;
let app: string;

before(async () => {
  await Promise.all([
    launchChromium().then((launched) => (browser = launched)),
    startAppServers().then((started) => (servers = started)),
    Promise.resolve().then(() => (app = installNetApp(['esbuild']))),
  ]);
});

after(async () => {
  await browser?.close();
  await servers?.close();
  if (app) removeApp(app);
});

test('an app bundled by the README\'s build.js (sockway/esbuild) runs a real client from Chromium', async () => {
  // A browser-only install: the gateway's optional peer dependencies are not there (browser-install.e2e.ts).
  for (const name of ['ws', 'ipaddr.js', 'bufferutil']) assert.equal(existsSync(join(app, 'node_modules', name)), false, `${name} is installed`);
  const built = spawnSync(process.execPath, ['build.js'], { cwd: app, encoding: 'utf8' });
  assert.equal(built.status, 0, `node build.js failed:\n${built.stdout}\n${built.stderr}`);
  assert.equal(built.stderr, '', 'esbuild warned');
  const outdir = join(app, 'dist');
  cpSync(join(app, 'index.html'), join(outdir, 'index.html'));
  const bundle = readFileSync(join(outdir, 'main.js'), 'utf8');
  assert.equal(bundle.split('process.binding is not supported').length - 1, 1, 'one process shim for sockway, readable-stream and the dependency');
  const site = await serveClientApp(outdir, servers.gateway);
  try {
    const result = await runNetApp(browser, site.url, servers);
    assert.deepEqual(result, { ...EXPECTED, nodeEnv: 'production' });
  } finally {
    await site.close();
  }
});
