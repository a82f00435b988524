/**
 * The Playwright example of docs/playwright.md (examples/playwright) tested as written, as a
 * user runs it: an app folder with sockway installed from its tarball and the example's
 * other devDependencies as the app's own (linked), the example's files copied in byte for
 * byte, and `playwright test` run there, whose webServer starts `vite` dev. Each of the
 * example's tests is reported as a test of this suite. Chromium is Debian's, named by
 * CHROMIUM_PATH, which the example's config reads (a user's run takes Playwright's own).
 */
import assert from 'node:assert/strict';
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromiumPath } from './fixtures/chromium.ts';
import { installApp, removeApp } from './fixtures/installed-package.ts';
import { assertExpected, runPlaywright, specsOf } from './fixtures/playwright-report.ts';
import { freePort } from './fixtures/servers/daemon.ts';

const EXAMPLE = fileURLToPath(new URL('../examples/playwright/', import.meta.url));

const exampleFiles = (): string[] =>
  readdirSync(EXAMPLE, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => relative(EXAMPLE, join(entry.parentPath, entry.name))).sort();

/** The example's devDependencies but sockway: what the app links as its own. */
function ownDependencies(): string[] {
  const { devDependencies } = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  return Object.keys(devDependencies).filter((name) => name !== 'sockway');
}

/** An app folder with sockway (from the tarball) and the example's libraries, then the example copied in. */
function installExample(): string {
  // npm installs into a blank app: the example's own package.json would send it to the registry for the rest.
  const blank = mkdtempSync(join(tmpdir(), 'sockway-blank-app-'));
  try {
    writeFileSync(join(blank, 'package.json'), '{ "private": true, "type": "module" }\n');
    const app = installApp(blank, { link: ownDependencies() });
    cpSync(EXAMPLE, app, { recursive: true });
    return app;
  } finally {
    rmSync(blank, { recursive: true, force: true });
  }
}

const app = installExample();
after(() => removeApp(app));
const report = runPlaywright(join(app, 'playwright.config.ts'), app, join(app, 'node_modules/@playwright/test/cli.js'), {
  CHROMIUM_PATH: chromiumPath(),
  PORT: String(await freePort()),
});

describe('examples/playwright, run as a user runs it', () => {
  test('the app holds the example byte for byte, and sockway from the tarball', () => {
    for (const file of exampleFiles()) assert.ok(readFileSync(join(app, file)).equals(readFileSync(join(EXAMPLE, file))), file);
    assert.ok(!lstatSync(join(app, 'node_modules/sockway')).isSymbolicLink(), 'sockway is installed, not linked');
  });
  test('the run itself had no error (config, webServer, imports)', () => {
    assert.deepEqual(report.errors.map((error) => error.message), []);
  });
  const specs = specsOf(report);
  test('every test of the example ran', () => {
    const titles = [...readFileSync(join(EXAMPLE, 'tests/app.spec.ts'), 'utf8').matchAll(/^test\('(.+?)'/gm)].map((match) => match[1]);
    assert.ok(titles.length >= 3, `${titles.length} tests in the example`);
    assert.deepEqual(specs.map(({ spec }) => spec.title), titles);
  });
  for (const { title, spec } of specs) test(title, () => assertExpected(spec));
});
