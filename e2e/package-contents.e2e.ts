/**
 * What `npm pack` ships (the tarball the bundler tests install): every file package.json
 * `exports` names, and no source map naming a source the package does not contain (Vite
 * warned "Sourcemap … points to missing source files" for each of sockway's modules; the
 * maps named ../../client/*.ts, which are not in `files`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { packSockway } from './fixtures/installed-package.ts';

let unpacked: string;
let files: string[];

before(() => {
  const tarball = packSockway();
  unpacked = mkdtempSync(join(tmpdir(), 'sockway-unpacked-'));
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked], { encoding: 'utf8' });
  assert.equal(tar.status, 0, tar.stderr);
  const root = join(unpacked, 'package');
  files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'));
  const size = statSync(tarball).size;
  process.stderr.write(`sockway tarball: ${String(files.length)} files, ${(size / 1024).toFixed(1)} KiB\n`);
});

after(() => {
  if (unpacked) rmSync(unpacked, { recursive: true, force: true });
});

test('every file package.json exports names is in the tarball', () => {
  const pkg = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
  const shipped = new Set(files);
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) assert.ok(shipped.has(posix.normalize(file)), `${subpath} → ${file}`);
  }
  for (const subpath of ['./vite', './esbuild', './webpack', './shims/diagnostics_channel']) assert.ok(subpath in pkg.exports, subpath);
});

test('every source map in the tarball names sources that are in it', () => {
  const shipped = new Set(files);
  const missing: string[] = [];
  for (const map of files.filter((file) => file.endsWith('.map'))) {
    const { sources, sourceRoot = '' } = JSON.parse(readFileSync(join(unpacked, 'package', map), 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const source of sources) {
      const path = posix.normalize(posix.join(dirname(map), sourceRoot, source));
      if (!shipped.has(path)) missing.push(`${map} → ${source}`);
    }
  }
  assert.deepEqual(missing, []);
});
