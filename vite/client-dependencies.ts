/**
 * The npm packages sockway's client modules import, as written ('buffer/index.js',
 * '@noble/hashes/sha2.js'). Installed, sockway is excluded from Vite's pre-bundling (its
 * modules must stay one instance with the app), so Vite serves them as they are, and every
 * package they import must be pre-bundled for them: a CommonJS one served raw fails in the
 * page (`require is not defined`). Read from the files, so a new import is never missed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The emitted code (tsc keeps one statement per line): `import … from 'x'`, `export … from
// 'x'`, `import 'x'`, `import('x')`. Anchored at a line start, so doc comments do not count.
const STATIC_IMPORT = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The bare specifiers in `code`'s imports (not relative, not `node:`). */
export function bareImports(code: string): string[] {
  const found = new Set<string>();
  for (const pattern of [STATIC_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[1] as string;
      if (!specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:')) found.add(specifier);
    }
  }
  return [...found];
}

/** Every bare specifier imported by the modules under `dir` (tests and declarations left out), sorted. */
export function clientDependencies(dir: string): string[] {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const name = entry.name;
    if (!entry.isFile() || name.endsWith('.d.ts') || name.endsWith('.test.ts') || !/\.[jt]s$/.test(name)) continue;
    for (const specifier of bareImports(readFileSync(join(entry.parentPath, name), 'utf8'))) found.add(specifier);
  }
  return [...found].sort();
}
