/**
 * The Vite plugin in `vite dev` (dependency pre-bundling included) and `vite build`:
 * an app (e2e/fixtures/net-app) whose CommonJS dependency require()s `net` and uses
 * the Buffer and process globals, run in Chromium against a real gateway.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type InlineConfig, build, createServer } from 'vite';
import { serveStatic } from '../demo/static-files.ts';
import { type Gateway, createGateway } from '../gateway/index.ts';
import { sockway } from '../vite/index.ts';
import { REPO, createAppProject, removeAppProject } from './fixtures/app-project.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type TestServer, startEchoServer } from './fixtures/tcp-servers.ts';

// The marker of the npm `process` shim: it must be bundled exactly once.
const PROCESS_SHIM_MARKER = 'process.binding is not supported';

let browser: Browser;
let echo: TestServer;
let gateway: Gateway;
let gatewayUrl: string;
let app: string;

/** The app's Vite config: the plugin with a dead gateway, which the app's configure() replaces. */
function appConfig(): InlineConfig {
  // Vite sets NODE_ENV for the process when it is unset: this file runs dev then build.
  delete process.env['NODE_ENV'];
  return {
    configFile: false,
    root: app,
    cacheDir: join(app, '.vite'),
    logLevel: 'warn',
    plugins: [sockway({ gateway: 'ws://127.0.0.1:9/dead' })],
  };
}

before(async () => {
  app = createAppProject();
  [browser, echo] = await Promise.all([launchChromium(), startEchoServer()]);
  gateway = createGateway({ allow: [`127.0.0.1:${echo.port}`] });
  const address = await gateway.listen({ port: 0 });
  gatewayUrl = `ws://127.0.0.1:${address.port}/`;
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  await echo?.close();
  if (app) removeAppProject(app);
});

/** Loads the app from `origin`, runs it, returns what it reports. */
async function runInChromium(origin: string): Promise<Record<string, unknown>> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${origin}/?gateway=${encodeURIComponent(gatewayUrl)}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 30_000 });
    const result = await page.evaluate((port) => (globalThis as unknown as { runApp(port: number): Promise<Record<string, unknown>> }).runApp(port), echo.port);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await context.close();
  }
}

function countIn(dir: string, marker: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) count += readFileSync(join(entry.parentPath, entry.name), 'utf8').split(marker).length - 1;
  }
  return count;
}

const EXPECTED = {
  reply: 'hello from a CommonJS dependency\n',
  isBuffer: true,
  sameNet: true,
  sameProcess: true,
  sameBuffer: true,
  globals: ['undefined', 'undefined'],
};

test('vite dev: require("net") in a pre-bundled dependency, net and node:net in the app, one configure()', async () => {
  const server = await createServer({ ...appConfig(), server: { host: '127.0.0.1', port: 0, fs: { allow: [app, REPO] }, hmr: false } });
  try {
    await server.listen();
    const { port } = server.httpServer?.address() as AddressInfo;
    const result = await runInChromium(`http://127.0.0.1:${port}`);
    assert.deepEqual(result, { ...EXPECTED, nodeEnv: 'development' });
    assert.equal(countIn(join(app, '.vite', 'deps'), PROCESS_SHIM_MARKER), 1, "'process' and readable-stream's 'process/' are one module");
  } finally {
    await server.close();
  }
});

test('vite build: the same app, bundled', async () => {
  const outDir = join(app, 'dist');
  await build({ ...appConfig(), build: { outDir, emptyOutDir: true, reportCompressedSize: false } });
  assert.equal(countIn(outDir, PROCESS_SHIM_MARKER), 1, 'the process shim is bundled once');
  const server = http.createServer((request, response) => {
    if (!serveStatic(outDir, request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const result = await runInChromium(`http://127.0.0.1:${port}`);
    assert.deepEqual(result, { ...EXPECTED, nodeEnv: 'production' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
