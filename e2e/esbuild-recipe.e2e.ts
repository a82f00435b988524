/**
 * The README's esbuild recipe, verbatim: `alias` net/node:net → 'sockway/net',
 * `inject: ['sockway/globals']`. Bundles e2e/fixtures/net-app (its CommonJS
 * dependency require()s net and uses Buffer/process as globals) and runs it in Chromium.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { serveStatic } from '../demo/static-files.ts';
import { type Gateway, createGateway } from '../gateway/index.ts';
import { createAppProject, removeAppProject } from './fixtures/app-project.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type TestServer, startEchoServer } from './fixtures/tcp-servers.ts';

let browser: Browser;
let echo: TestServer;
let gateway: Gateway;
let gatewayUrl: string;
let app: string;

before(async () => {
  app = createAppProject();
  [browser, echo] = await Promise.all([launchChromium(), startEchoServer()]);
  gateway = createGateway({ allow: [`127.0.0.1:${echo.port}`] });
  gatewayUrl = `ws://127.0.0.1:${(await gateway.listen({ port: 0 })).port}/`;
});

after(async () => {
  await browser?.close();
  await gateway?.close();
  await echo?.close();
  if (app) removeAppProject(app);
});

test('an app bundled with the esbuild recipe talks TCP from Chromium', async () => {
  const outdir = join(app, 'dist');
  // ---- the recipe (README "esbuild") ----
  await esbuild.build({
    entryPoints: ['main.js'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outdir,
    alias: { net: 'sockway/net', 'node:net': 'sockway/net' },
    inject: ['sockway/globals'],
    define: { 'process.env.NODE_ENV': '"production"' },
    // ---- end of the recipe ----
    absWorkingDir: app,
    logLevel: 'warning',
  });
  cpSync(join(app, 'index.html'), join(outdir, 'index.html'));
  const bundle = readFileSync(join(outdir, 'main.js'), 'utf8');
  assert.equal(bundle.split('process.binding is not supported').length - 1, 1, 'one process shim for sockway, readable-stream and the dependency');

  const server = http.createServer((request, response) => {
    if (!serveStatic(outdir, request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/?gateway=${encodeURIComponent(gatewayUrl)}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const result = await page.evaluate((target) => (globalThis as unknown as { runApp(port: number): Promise<unknown> }).runApp(target), echo.port);
    assert.deepEqual(result, {
      reply: 'hello from a CommonJS dependency\n',
      isBuffer: true,
      sameNet: true,
      sameProcess: true,
      sameBuffer: true,
      nodeEnv: 'production',
      globals: ['undefined', 'undefined'],
    });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
