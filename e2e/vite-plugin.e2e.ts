/**
 * The Vite plugin as users get it: sockway installed from its tarball into an app whose
 * vite.config.js is the README's Quick start, in `vite dev` (dependency pre-bundling
 * included) and `vite build`. The app (e2e/fixtures/net-app) runs the Quick start against
 * Redis, a CommonJS dependency that require()s `net` and uses the Buffer and process
 * globals, and ioredis, in Chromium through a real gateway.
 *
 * Before the fix, `vite dev` of the installed package showed a blank page:
 * `ReferenceError: require is not defined` (the buffer shim's CommonJS 'buffer/index.js'
 * was served raw; vite/client-dependencies.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { type InlineConfig, build, createLogger, createServer } from 'vite';
import { createGateway } from '../gateway/index.ts';
import { EXPECTED, assertBuildRuns, runNetApp, runQuickStart, setUpBundledApp } from './fixtures/bundled-app.ts';

// The marker of the npm `process` shim: it must be bundled exactly once.
const PROCESS_SHIM_MARKER = 'process.binding is not supported';

const setup = setUpBundledApp(['vite']);

/** The app's own vite.config.js, with what a test run must add (quiet, its own cache). */
function appConfig(): InlineConfig {
  // Vite sets NODE_ENV for the process when it is unset: this file runs dev then build.
  delete process.env['NODE_ENV'];
  return { root: setup.app, configFile: join(setup.app, 'vite.config.js'), cacheDir: join(setup.app, '.vite'), logLevel: 'warn' };
}

function countIn(dir: string, marker: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) count += readFileSync(join(entry.parentPath, entry.name), 'utf8').split(marker).length - 1;
  }
  return count;
}

/** A dev server of the app (extra: test-side config), with a gateway on it at '/sockway'; warnings collected. */
async function devServer(extra: InlineConfig): Promise<{ url: string; warnings: string[]; close(): Promise<void> }> {
  const warnings: string[] = [];
  const logger = createLogger('warn');
  const collect = (message: string): void => {
    warnings.push(message);
    logger.warn(message);
  };
  const server = await createServer({ ...appConfig(), ...extra, customLogger: { ...logger, warn: collect, warnOnce: collect }, server: { host: '127.0.0.1', port: 0, hmr: false } });
  await server.listen();
  const gateway = createGateway(setup.servers.gateway);
  gateway.attach(server.httpServer as http.Server);
  const { port } = server.httpServer?.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/`,
    warnings,
    close: async () => {
      await gateway.close();
      await server.close();
    },
  };
}

test('vite dev: the Quick start alone (failed before: `require is not defined`, a blank page)', async () => {
  // Only this page's imports pre-bundled: the app's own `import 'buffer'` hid the bug.
  const server = await devServer({ cacheDir: join(setup.app, '.vite-quick-start'), optimizeDeps: { entries: ['quick-start.html'] } });
  try {
    await runQuickStart(setup.browser, server.url, setup.servers);
    assert.deepEqual(server.warnings, []);
  } finally {
    await server.close();
  }
});

test('vite dev: the app — require("net") in a pre-bundled dependency, and ioredis', async () => {
  const server = await devServer({});
  try {
    const result = await runNetApp(setup.browser, server.url, setup.servers);
    assert.deepEqual(result, { ...EXPECTED, nodeEnv: 'development' });
    assert.equal(countIn(join(setup.app, '.vite', 'deps'), PROCESS_SHIM_MARKER), 1, "'process' and readable-stream's 'process/' are one module");
    // Such as "Sourcemap for …/dist/client/socket.js points to missing source files".
    assert.deepEqual(server.warnings, []);
  } finally {
    await server.close();
  }
});

test('vite build: the same app, bundled, under a strict Content Security Policy', async () => {
  const outDir = join(setup.app, 'dist');
  await build({ ...appConfig(), build: { reportCompressedSize: false, chunkSizeWarningLimit: 2048 } });
  assert.equal(countIn(outDir, PROCESS_SHIM_MARKER), 1, 'the process shim is bundled once');
  await assertBuildRuns(setup, outDir);
});
