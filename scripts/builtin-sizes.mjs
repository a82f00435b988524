#!/usr/bin/env node
// What each Node built-in the plugins provide adds to a page that already has sockway/net:
// the bundle of sockway/net + configure + `import * as m from '<built-in>'`, minus the bundle
// without it, esbuild-minified, gzip -9 (the marginal cost; modules sockway/net already
// carries, like readable-stream, cost nothing more). Usage: node scripts/builtin-sizes.mjs
// (after npm run build).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const BASE = `
export * from './dist/client/net-entry.js';
export { configure } from './dist/client/config.js';
`;

async function gzipSize(esbuild, root, contents) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, sourcefile: 'page.js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022',
    legalComments: 'none', write: false, logLevel: 'silent',
  });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}

/** [specifier, file or package, marginal gzip bytes], one per distinct module. */
export async function measureBuiltins(root = process.cwd()) {
  const esbuild = await import('esbuild');
  const { builtinTable } = await import(pathToFileURL(resolve(root, 'dist/vite/builtins.js')).href);
  const base = await gzipSize(esbuild, root, BASE);
  const seen = new Map();
  for (const [specifier, target] of builtinTable('basic')) {
    if (specifier.startsWith('node:') || target.kind === 'tunnel' || target.kind === 'empty' || target.kind === 'missing') continue;
    // A package by name, so esbuild applies its browser field (os-browserify's main is Node's).
    const file = target.kind === 'client' ? `./dist/client/${target.name}.js` : target.request;
    const key = target.kind === 'client' ? target.name : target.request;
    if (seen.has(key)) { seen.get(key).specifiers.push(specifier); continue; }
    seen.set(key, { specifiers: [specifier], file });
  }
  const rows = [];
  for (const [module, { specifiers, file }] of seen) {
    const size = await gzipSize(esbuild, root, `${BASE}export * as m from ${JSON.stringify(file)};`);
    rows.push({ specifiers, module, gzip: size - base });
  }
  return { base, rows: rows.sort((a, b) => b.gzip - a.gzip) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!existsSync('dist/vite/builtins.js')) {
    console.error('run npm run build first');
    process.exit(1);
  }
  const { base, rows } = await measureBuiltins();
  console.log(`sockway/net + configure: ${(base / 1024).toFixed(1)} KiB gzip; each built-in adds (gzip):`);
  for (const { specifiers, module, gzip } of rows) console.log(`  ${`${(gzip / 1024).toFixed(1)} KiB`.padStart(9)}  ${specifiers.join(', ')} (${module})`);
}
