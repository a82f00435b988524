/**
 * The esbuild recipe of docs/bundlers.md (`sockway/esbuild`), as users get it: sockway installed
 * from its tarball, the app's build.js (the documented one, e2e/fixtures/net-app) run with node, and
 * the bundle run in Chromium under a strict Content Security Policy through a real
 * gateway: the Quick start against Redis, a CommonJS dependency that require()s net and
 * uses Buffer/process as globals, and ioredis.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertDistRuns, setUpBundledApp } from './fixtures/bundled-app.ts';

const setup = setUpBundledApp(['esbuild']);

test('an app bundled by the documented build.js (sockway/esbuild) runs a real client from Chromium', async () => {
  // A browser-only install: the gateway's optional peer dependencies are not there (browser-install.e2e.ts).
  for (const name of ['ws', 'ipaddr.js', 'prom-client', 'bufferutil']) assert.equal(existsSync(join(setup.app, 'node_modules', name)), false, `${name} is installed`);
  const built = spawnSync(process.execPath, ['build.js'], { cwd: setup.app, encoding: 'utf8' });
  assert.equal(built.status, 0, `node build.js failed:\n${built.stdout}\n${built.stderr}`);
  assert.equal(built.stderr, '', 'esbuild warned');
  await assertDistRuns(setup);
});
