/**
 * Runs the tests written with sockway/playwright/test (e2e/playwright/*.spec.ts) under
 * @playwright/test's own runner, as a user runs theirs (`npx playwright test`), and reports
 * each as a test of this suite: passed only if Playwright says it ended as expected. A
 * skipped or flaky one fails. Some specs expect a failure of sockway's end-of-test checks
 * (test.fail()); for those, the report's attachment of the frame trace is checked here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO } from './fixtures/app-project.ts';
import { assertExpected, runPlaywright, specsOf } from './fixtures/playwright-report.ts';

/** Specs that fail by design (test.fail()) on an end-of-test check, and the error they must fail with. */
const END_OF_TEST_FAILURES: readonly [string, RegExp][] = [
  ['a stream left open fails the test', /the test ended with this still open .*\n\s+stream #1 to db\.internal:5432 is still open \(the page sent 4 bytes, received 4\)/],
  ['a listener left listening fails the test', /the test ended with this still open .*\n\s+1 net\.Server listener\(s\) still listening/],
  ['a handler that throws fails the test', /the handler for broken\.internal:1 threw: Error: the handler broke/],
];

describe('sockway/playwright/test under @playwright/test', { timeout: 600_000 }, () => {
  const report = runPlaywright(join(REPO, 'e2e/playwright/playwright.config.ts'));
  test('the run itself had no error (config, imports, worker fixtures)', () => {
    assert.deepEqual(report.errors.map((error) => error.message), []);
  });
  const specs = specsOf(report);
  test('the specs were found', () => {
    assert.ok(specs.length >= 22, `${specs.length} specs`);
  });
  for (const { title, spec } of specs) {
    test(title, () => {
      assertExpected(spec);
      // A test that fails on sockway's end-of-test checks fails for that reason, with its frames in the report.
      const expectedFailure = END_OF_TEST_FAILURES.find(([titled]) => spec.title.startsWith(titled))?.[1];
      if (expectedFailure !== undefined) {
        const result = spec.tests[0]?.results[0];
        assert.match(result?.errors.map((error) => error.message).join('\n') ?? '', expectedFailure);
        const attachment = result?.attachments.find((item) => item.name === 'sockway frames');
        assert.ok(attachment?.body !== undefined, 'the frame trace is attached');
        assert.match(Buffer.from(attachment.body, 'base64').toString(), /page→gw {2}(OPEN|LISTEN)#1 /);
      }
    });
  }
});
