/**
 * The table of client libraries in docs/real-clients.md is the one generated from the corpus data
 * file (with the installed versions), and the data file is consistent with the app.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { corpusPages } from './corpus-app.ts';
import { CORPUS } from './libraries.ts';
import { corpusTable } from './table.ts';

const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

test('docs/real-clients.md contains exactly the generated corpus table (node --import tsx scripts/corpus-table.ts)', () => {
  const docs = readFileSync(root('docs/real-clients.md'), 'utf8');
  const table = corpusTable();
  assert.ok(docs.includes(table), `docs/real-clients.md does not contain the corpus table; paste this:\n\n${table}`);
});

test('every library is listed once, its test file exists, and each corpus page belongs to one library', () => {
  const names = CORPUS.map((library) => library.name);
  assert.deepEqual(names, [...new Set(names)]);
  for (const library of CORPUS) assert.ok(existsSync(root(library.test)), `${library.name}: no ${library.test}`);
  const pages = CORPUS.flatMap((library) => (library.page === undefined ? [] : [library.page])).sort();
  assert.deepEqual(pages, corpusPages());
});
