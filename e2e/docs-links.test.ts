/**
 * Every relative link in the documentation resolves: the README, SECURITY.md, docs/*.md and
 * shared/PROTOCOL.md link into each other's sections, and a section that moves or is
 * renamed breaks them silently on GitHub. The checker itself is tested on a broken link.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchorsOf, brokenLinks, githubSlug, relativeLinks } from './fixtures/markdown-links.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DOCS = ['README.md', 'SECURITY.md', 'shared/PROTOCOL.md', ...readdirSync(join(REPO, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

test('every relative link and #anchor in the README, SECURITY.md, docs/ and PROTOCOL.md resolves', () => {
  assert.ok(DOCS.length > 4, 'docs/ holds the reference pages');
  const broken = brokenLinks(REPO, DOCS);
  assert.deepEqual(broken.map(({ file, line, target, reason }) => `${file}:${String(line)}: (${target}) ${reason}`), []);
});

test('GitHub slugs: code, links and punctuation as GitHub renders them', () => {
  assert.equal(githubSlug('`sockway/crypto`: Node\'s synchronous crypto for SSH'), 'sockwaycrypto-nodes-synchronous-crypto-for-ssh');
  assert.equal(githubSlug('`net.createServer([options][, connectionListener])` / `new net.Server(...)`'), 'netcreateserveroptions-connectionlistener--new-netserver');
  assert.equal(githubSlug('Quick start (Vite)'), 'quick-start-vite');
  assert.equal(githubSlug('[Linked](x.md) heading'), 'linked-heading');
});

test('anchors: repeated headings are numbered, code blocks hold no headings or links, <a id> counts', () => {
  const markdown = '# Limits\n\n## Limits\n\n<a id="resume"></a>\n\n```yaml\n# not a heading\n[not](a-link.md)\n```\n\n`[code](not-a-link.md)` and [a link](b.md#x "title")\n';
  assert.deepEqual([...anchorsOf(markdown)].sort(), ['limits', 'limits-1', 'resume']);
  assert.deepEqual(relativeLinks(markdown), [{ line: 12, target: 'b.md#x' }]);
});

test('the checker reports a missing file, a missing anchor and a missing anchor in the same file', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sockway-docs-links-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'a.md'), '# A\n\n## Real section\n\n[ok](#real-section) [ok](b.md#b) [web](https://example.com/x.md)\n[gone](missing.md) [moved](b.md#real-section) [typo](#real-sectoin)\n');
  writeFileSync(join(root, 'b.md'), '# B\n');
  assert.deepEqual(brokenLinks(root, ['a.md']), [
    { file: 'a.md', line: 6, target: 'missing.md', reason: 'no file missing.md' },
    { file: 'a.md', line: 6, target: 'b.md#real-section', reason: 'no heading or anchor #real-section in b.md' },
    { file: 'a.md', line: 6, target: '#real-sectoin', reason: 'no heading or anchor #real-sectoin in a.md' },
  ]);
});
