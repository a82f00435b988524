#!/usr/bin/env node
// Runs every *.test.ts (unit, integration) and *.e2e.ts (browser) file under
// node:test with tsx, and ends with the single line `N passed, N failed`.
// Usage: node scripts/run-tests.mjs [unit|e2e|all] [file filters...]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const [kind = 'all', ...filters] = process.argv.slice(2);
const roots = ['shared', 'client', 'gateway', 'e2e', 'bench', 'scripts', 'vite', 'bundlers', 'demo', 'playwright'];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(path);
    return [path];
  });
}

const files = roots
  .flatMap((root) => { try { return walk(root); } catch { return []; } })
  .filter((file) =>
    (kind !== 'e2e' && file.endsWith('.test.ts')) || (kind !== 'unit' && file.endsWith('.e2e.ts')))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

const countFile = join(mkdtempSync(join(tmpdir(), 'sockway-test-')), 'count.json');
const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=420000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/count-reporter.mjs', '--test-reporter-destination=stderr',
  ...files,
], { stdio: 'inherit', env: { ...process.env, SOCKWAY_COUNT_FILE: countFile } });

let counts = { passed: 0, failed: 1 };
try { counts = JSON.parse(readFileSync(countFile, 'utf8')); } catch { /* runner crashed: counted as a failure */ }
if (result.status !== 0 && counts.failed === 0) counts.failed = 1;
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 && result.status === 0 ? 0 : 1);
