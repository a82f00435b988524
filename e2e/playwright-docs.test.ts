/**
 * docs/playwright.md (and the README, its spec) shows the example as it is tested: each of its code blocks titled with
 * a file (```ts title="tests/app.spec.ts"```) is that file of examples/playwright byte for
 * byte (e2e/playwright-example.e2e.ts runs them), the spec and the config among them; and
 * its reference names every member of the `sockway` fixture, every option and every fault
 * the kit has, so neither drifts from playwright/index.ts and playwright/test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DESTINATION_FAULTS } from '../playwright/fault-socket.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DOC = readFileSync(join(REPO, 'docs/playwright.md'), 'utf8');
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

/** The document's code blocks titled with a file: title → content. */
function titledBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of markdown.matchAll(/^```\w+ title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    const [, title = '', content = ''] = match;
    assert.ok(!blocks.has(title), `${title} is shown twice`);
    blocks.set(title, content);
  }
  return blocks;
}

/** The members of an exported interface of a source file, as its declaration lists them. */
function membersOf(source: string, name: string): string[] {
  const body = new RegExp(`^export interface ${name}\\b[^{]*\\{\\n([\\s\\S]*?)^\\}`, 'm').exec(source)?.[1];
  assert.ok(body !== undefined, `interface ${name} not found`);
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)\??[(:]/gm)].map((match) => match[1] as string);
}

test('the spec, the config and every other file shown are examples/playwright\'s, byte for byte', () => {
  const blocks = titledBlocks(DOC);
  assert.ok(blocks.has('tests/app.spec.ts') && blocks.has('playwright.config.ts'), `shown: ${[...blocks.keys()].join(', ')}`);
  for (const [file, content] of blocks) assert.equal(content, read(`examples/playwright/${file}`), file);
});

test('the README\'s example spec is examples/playwright\'s, byte for byte', () => {
  const blocks = titledBlocks(read('README.md'));
  assert.deepEqual([...blocks.keys()], ['tests/app.spec.ts']);
  assert.equal(blocks.get('tests/app.spec.ts'), read('examples/playwright/tests/app.spec.ts'));
});

test('titled blocks are found, and a changed line is told apart', () => {
  const doc = '# x\n\n```ts title="a.ts"\nconst a = 1;\n```\n\n```sh\nnpm test\n```\n';
  assert.deepEqual([...titledBlocks(doc)], [['a.ts', 'const a = 1;\n']]);
  assert.notEqual(titledBlocks(doc.replace('1;', '2;')).get('a.ts'), 'const a = 1;\n');
});

test('the reference names every member of the sockway fixture', () => {
  const members = membersOf(read('playwright/index.ts'), 'SockwayRoute');
  assert.ok(members.includes('dropConnection') && members.length >= 12, members.join(', '));
  assert.deepEqual(members.filter((member) => !DOC.includes(`| \`sockway.${member}`)), []);
});

test('the reference names every option of sockwayOptions', () => {
  const options = [...membersOf(read('playwright/index.ts'), 'RouteOptions'), ...membersOf(read('playwright/test.ts'), 'SockwayTestOptions')];
  assert.deepEqual(options.sort(), ['allow', 'allowOpen', 'gateway', 'hosts', 'url', 'workers']);
  assert.deepEqual(options.filter((option) => !DOC.includes(`| \`${option}\` |`)), []);
});

test('the faults table has a row for every fault', () => {
  assert.deepEqual(DESTINATION_FAULTS.filter((fault) => !DOC.includes(`| \`'${fault}'\` |`)), []);
});
