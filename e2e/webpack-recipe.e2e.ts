/**
 * The webpack 5 recipe of docs/bundlers.md (`sockway/webpack`), as users get it: sockway
 * installed from its tarball, the app's webpack.config.js (the documented one, e2e/fixtures/net-app) run
 * by webpack in the app folder, and the bundle run in Chromium under a strict Content
 * Security Policy through a real gateway: the Quick start against Redis, a CommonJS
 * dependency that require()s net and uses Buffer/process as globals, and ioredis.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { assertDistRuns, setUpBundledApp } from './fixtures/bundled-app.ts';

const setup = setUpBundledApp(['webpack']);

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

test('an app bundled with the documented webpack.config.js (sockway/webpack) runs a real client from Chromium', async () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '--eval', RUN_WEBPACK], { cwd: setup.app, encoding: 'utf8' });
  assert.equal(run.status, 0, `webpack failed:\n${run.stdout}\n${run.stderr}`);
  const { errors, warnings } = JSON.parse(run.stdout) as { errors: string[]; warnings: string[] };
  assert.deepEqual(errors, []);
  // webpack's size advice (a client library is bigger than 244 KiB) is not about sockway.
  assert.deepEqual(warnings.filter((message) => !/size limit|performance/i.test(message)), []);
  await assertDistRuns(setup);
});
