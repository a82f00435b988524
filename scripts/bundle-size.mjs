#!/usr/bin/env node
// The browser bundle size of `sockway/net` with its dependencies, as an app ships it:
// dist/client/net-entry.js plus configure() (without a gateway it cannot connect),
// bundled for the browser by esbuild, minified, then gzip -9. Prints the total and
// what it is made of. Usage: node scripts/bundle-size.mjs (after npm run build).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The size target from issue 3, gzip bytes. */
export const TARGET_GZIP = 40 * 1024;

const ENTRY = `
export * from './dist/client/net-entry.js';
export { default } from './dist/client/net-entry.js';
export { configure } from './dist/client/config.js';
`;

/** Which part of the bundle a module belongs to. */
function groupOf(path) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg === 'buffer' || pkg === 'base64-js' || pkg === 'ieee754') return 'buffer (npm)';
  if (pkg !== undefined) return pkg === 'readable-stream' ? 'readable-stream' : `${pkg} (npm)`;
  if (path.endsWith('node-errors.js') || path.endsWith('/inspect.js')) return 'sockway client/node-errors, inspect (Node-exact messages)';
  if (path.includes('dist/shared/')) return 'sockway shared/ (protocol, session)';
  return 'sockway client/ (the rest)';
}

/** Bundles and measures; resolves with sizes in bytes. */
export async function measureBrowserBundle(root = process.cwd()) {
  const esbuild = await import('esbuild');
  // The page's view: sockway/net + configure, minified for browsers.
  const options = {
    stdin: { contents: ENTRY, resolveDir: root, sourcefile: 'sockway-net-bundle.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  };
  const result = await esbuild.build({ ...options, metafile: true });
  const code = result.outputFiles[0].contents;
  // sockway's own share: the same bundle with its npm dependencies left out.
  const own = await esbuild.build({ ...options, external: ['buffer', 'process', 'events', 'readable-stream'] });
  const ownCode = own.outputFiles[0].contents;
  const groups = new Map();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const group = groupOf(path);
      groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
    }
  }
  return {
    minified: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    ownGzip: gzipSync(ownCode, { level: 9 }).length,
    groups: [...groups].sort((a, b) => b[1] - a[1]),
  };
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Prints the report; never fails the build (a missing esbuild only skips it). */
export async function printBrowserBundleSize(root = process.cwd()) {
  if (!existsSync(resolve(root, 'dist/client/net-entry.js'))) return;
  let size;
  try {
    size = await measureBrowserBundle(root);
  } catch (error) {
    console.log(`browser bundle size: not measured (${error.code === 'ERR_MODULE_NOT_FOUND' ? 'esbuild is not installed' : error.message})`);
    return;
  }
  const verdict = size.gzip <= TARGET_GZIP ? 'within' : 'over';
  console.log(`browser bundle of sockway/net + configure (esbuild, minified): ${kib(size.minified)}, ${kib(size.gzip)} gzip (${verdict} the ${kib(TARGET_GZIP)} target)`);
  console.log(`  sockway's own code alone: ${kib(size.ownGzip)} gzip; minified bytes by part:`);
  for (const [group, bytes] of size.groups) console.log(`  ${kib(bytes).padStart(9)}  ${group}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await printBrowserBundleSize();
