/**
 * The documented recipes are what the bundler tests run: the README's Quick start
 * (vite.config.js and app code) and the esbuild build.js and webpack.config.js of
 * docs/bundlers.md must be the files of the tested app (e2e/fixtures/net-app), so an edit
 * of either document that is not tested fails here.
 *
 * Normalised, because a test cannot use them as written: the gateway URL (the documents'
 * 'ws://localhost:8080/sockway'; the tests serve the gateway on the page's own server at
 * '/sockway') and the Quick start's Redis port (6379; the test's Redis has a free port,
 * REDIS_PORT in the app).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const APP = join(REPO, 'e2e', 'fixtures', 'net-app');
const DOCUMENTED_GATEWAY = "'ws://localhost:8080/sockway'";
const TESTED_GATEWAY = "'/sockway'";

/** A document's ```js blocks, by their first line (the first block of each). */
function jsBlocks(document: string): Map<string, string> {
  const text = readFileSync(join(REPO, document), 'utf8');
  const blocks = new Map<string, string>();
  for (const match of text.matchAll(/^```js\n([\s\S]*?)^```$/gm)) {
    const code = match[1] as string;
    const firstLine = code.slice(0, code.indexOf('\n'));
    if (!blocks.has(firstLine)) blocks.set(firstLine, code);
  }
  return blocks;
}

function block(document: string, firstLine: string): string {
  const code = jsBlocks(document).get(firstLine);
  assert.ok(code !== undefined, `${document} has no \`\`\`js block starting with ${JSON.stringify(firstLine)}`);
  return code;
}

const appFile = (name: string): string => readFileSync(join(APP, name), 'utf8');

/** Where each recipe is documented: the Quick start in the README, the other bundlers in docs/bundlers.md. */
const RECIPES = [['README.md', 'vite.config.js'], ['docs/bundlers.md', 'build.js'], ['docs/bundlers.md', 'webpack.config.js']] as const;

for (const [document, file] of RECIPES) {
  test(`${document}'s ${file} is the tested app's, but for the gateway URL`, () => {
    const documented = block(document, `// ${file}`);
    assert.ok(documented.includes(DOCUMENTED_GATEWAY), `${document}'s ${file} names the gateway ${DOCUMENTED_GATEWAY}`);
    assert.equal(documented.replaceAll(DOCUMENTED_GATEWAY, TESTED_GATEWAY), appFile(file));
  });
}

test("README's Quick start app code is the tested app's quick-start.js, but for the Redis port", () => {
  const readme = block('README.md', '// anywhere in the app, or in a dependency written for Node');
  assert.match(readme, /net\.connect\(6379, /);
  const tested = readme.replace('net.connect(6379, ', 'net.connect(REDIS_PORT, ');
  assert.ok(appFile('quick-start.js').endsWith(`\n${tested}`), `e2e/fixtures/net-app/quick-start.js must end with the README's Quick start:\n${tested}`);
  assert.match(appFile('main.js'), /^import '\.\/quick-start\.js';$/m, 'the app runs it');
});
