#!/usr/bin/env node
// npm run build: compiles client/, gateway/, shared/, vite/ and bundlers/ to dist/ (JavaScript + .d.ts), checks
// that every package.json export was built, and prints the browser bundle size of sockway/net.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { printBrowserBundleSize } from './bundle-size.mjs';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log('built dist/ (client, gateway, shared, vite, bundlers)');
checkExports();
await printBrowserBundleSize();

/** Every file package.json `exports` names must have been built. */
function checkExports() {
  const { exports } = JSON.parse(readFileSync('package.json', 'utf8'));
  const missing = Object.values(exports)
    .flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))
    .filter((file) => !existsSync(file));
  if (missing.length > 0) {
    console.error(`package.json exports name files the build did not produce: ${missing.join(', ')}`);
    process.exit(1);
  }
}
