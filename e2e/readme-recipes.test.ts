/**
 * The README's recipes are what the bundler tests run: the Quick start's vite.config.js
 * and app code, the esbuild build.js and the webpack.config.js must be the files of the
 * tested app (e2e/fixtures/net-app), so a README edit that is not tested fails here.
 *
 * Normalised, because a test cannot use them as written: the gateway URL (the README's
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
const README_GATEWAY = "'ws://localhost:8080/sockway'";
const TESTED_GATEWAY = "'/sockway'";

/** The README's ```js blocks, by their first line (the first block of each: the Quick start's vite.config.js comes before the client libraries' one). */
function readmeBlocks(): Map<string, string> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = new Map<string, string>();
  for (const match of readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)) {
    const code = match[1] as string;
    const firstLine = code.slice(0, code.indexOf('\n'));
    if (!blocks.has(firstLine)) blocks.set(firstLine, code);
  }
  return blocks;
}

function block(firstLine: string): string {
  const code = readmeBlocks().get(firstLine);
  assert.ok(code !== undefined, `README.md has no \`\`\`js block starting with ${JSON.stringify(firstLine)}`);
  return code;
}

const appFile = (name: string): string => readFileSync(join(APP, name), 'utf8');

for (const file of ['vite.config.js', 'build.js', 'webpack.config.js']) {
  test(`README's ${file} is the tested app's, but for the gateway URL`, () => {
    const readme = block(`// ${file}`);
    assert.ok(readme.includes(README_GATEWAY), `the README's ${file} names the gateway ${README_GATEWAY}`);
    assert.equal(readme.replaceAll(README_GATEWAY, TESTED_GATEWAY), appFile(file));
  });
}

test("README's Quick start app code is the tested app's quick-start.js, but for the Redis port", () => {
  const readme = block('// anywhere in the app, or in a dependency written for Node');
  assert.match(readme, /net\.connect\(6379, /);
  const tested = readme.replace('net.connect(6379, ', 'net.connect(REDIS_PORT, ');
  assert.ok(appFile('quick-start.js').endsWith(`\n${tested}`), `e2e/fixtures/net-app/quick-start.js must end with the README's Quick start:\n${tested}`);
  assert.match(appFile('main.js'), /^import '\.\/quick-start\.js';$/m, 'the app runs it');
});
