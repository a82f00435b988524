/**
 * @playwright/test's configuration for the tests written with sockway/playwright/test
 * (e2e/playwright/*.spec.ts), run by e2e/playwright-test.e2e.ts inside `npm test`: Debian's
 * Chromium, one worker (the suite runs one file at a time on 2 cores), no retries (a flaky
 * test is a failing one), no .only.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../fixtures/chromium.ts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  outputDir: process.env['SOCKWAY_PLAYWRIGHT_OUTPUT'] ?? 'test-results',
  use: {
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
});
