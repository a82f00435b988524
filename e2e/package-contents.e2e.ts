/**
 * What `npm pack` ships (the tarball the bundler tests install): every file package.json
 * `exports` names, no source map naming a source the package does not contain (Vite
 * warned "Sourcemap … points to missing source files" for each of sockway's modules; the
 * maps named ../../client/*.ts, which are not in `files`), no test code, and declarations
 * without `@internal` members (stripInternal) that still type-check on their own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, packSockway } from './fixtures/installed-package.ts';

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

test('no test code ships: no testing/ or abuse/ folder, no *.test file', () => {
  assert.deepEqual(files.filter((file) => /\/(testing|abuse)\/|\.test(-d)?\.[jt]s$|\.test\.d\.ts$/.test(file)), []);
});

test('no declaration in the tarball has an @internal member (stripInternal)', () => {
  const declarations = files.filter((file) => file.endsWith('.d.ts'));
  assert.ok(declarations.includes('dist/client/socket.d.ts'), 'the tarball has declarations');
  const leaking = declarations.filter((file) => readFileSync(join(unpacked, 'package', file), 'utf8').includes('@internal'));
  assert.deepEqual(leaking, []);
});

test('the declarations type-check on their own (skipLibCheck off): nothing they use was stripped', () => {
  const root = join(unpacked, 'package');
  // Their imports (ws, readable-stream, vite, …) resolve to this repository's packages and types.
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2023', 'DOM'], types: ['node'] },
    include: ['dist/**/*.d.ts'],
  }));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', root, '--listFilesOnly'], { encoding: 'utf8' });
  assert.ok(result.stdout.includes('dist/client/socket.d.ts'), result.stdout + result.stderr);
  const check = spawnSync(process.execPath, [tsc, '-p', root], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test('the installed command prints the package version: sockway-gateway --version from the tarball\'s bin/ and dist/', () => {
  const root = join(unpacked, 'package');
  // The gateway's peer dependencies (ws, ipaddr.js) come from this repository's node_modules.
  try {
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const run = spawnSync(process.execPath, [join(root, 'bin', 'sockway-gateway.js'), '--version'], { cwd: tmpdir(), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `sockway-gateway ${version}\n`);
});
