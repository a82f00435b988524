/**
 * The README's webpack 5 recipe (`sockway/webpack`), as users get it: sockway installed
 * from its tarball, the app's webpack.config.js (the README's, e2e/fixtures/net-app) run
 * by webpack in the app folder, and the bundle run in Chromium under a strict Content
 * Security Policy through a real gateway: the Quick start against Redis, a CommonJS
 * dependency that require()s net and uses Buffer/process as globals, and ioredis.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
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
    Promise.resolve().then(() => (app = installNetApp(['webpack']))),
  ]);
});

after(async () => {
  await browser?.close();
  await servers?.close();
  if (app) removeApp(app);
});

/**
 * Runs webpack on the app's webpack.config.js as its CLI does: in the app folder (webpack's
 * defaults, the context and dist/, are the working directory), with the app's webpack.
 */
const RUN_WEBPACK = `
import webpack from 'webpack';
import config from './webpack.config.js';
webpack(config, (error, stats) => {
  if (error) throw error;
  const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
  process.stdout.write(JSON.stringify({ errors: errors.map((e) => e.message), warnings: warnings.map((w) => w.message) }));
});
`;

test('an app bundled with the README\'s webpack.config.js (sockway/webpack) runs a real client from Chromium', async () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '--eval', RUN_WEBPACK], { cwd: app, encoding: 'utf8' });
  assert.equal(run.status, 0, `webpack failed:\n${run.stdout}\n${run.stderr}`);
  const { errors, warnings } = JSON.parse(run.stdout) as { errors: string[]; warnings: string[] };
  assert.deepEqual(errors, []);
  // webpack's size advice (a client library is bigger than 244 KiB) is not about sockway.
  assert.deepEqual(warnings.filter((message) => !/size limit|performance/i.test(message)), []);
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
