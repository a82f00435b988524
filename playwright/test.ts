/**
 * `sockway/playwright/test`: @playwright/test's `test` with sockway's fixtures. Every test
 * gets its own in-process gateway behind its page's sockway WebSocket (sockway.route()),
 * configured by the `sockwayOptions` option and reached as the `sockway` fixture:
 *
 *   import { test, expect } from 'sockway/playwright/test';
 *   test.use({ sockwayOptions: { hosts: { 'db.internal:5432': 'localhost:54321' } } });
 *   test('…', async ({ page, sockway }) => { … sockway.fault('db.internal:5432', 'reset') … });
 *
 * At the test's end: a stream or listener the page left open fails the test (unless
 * `allowOpen` says so), so does an exception in a hosts handler, and a test that failed gets
 * the session's frames attached to its report ("sockway frames").
 */
import { test as base, expect } from '@playwright/test';
import { type RouteOptions, type SockwayRoute, route } from './index.ts';

export type * from './index.ts';
export { expect };

/** The `sockwayOptions` option: route()'s options, and what may stay open at the end. */
export interface SockwayTestOptions extends RouteOptions {
  /**
   * Streams allowed to be open when the test ends: true (any, and listeners), or the
   * destinations (`'db.internal:5432'`) of a connection the app keeps. Default: none.
   */
  readonly allowOpen?: boolean | readonly string[];
}

export interface SockwayFixtures {
  /** Set with test.use({ sockwayOptions: { hosts: … } }). */
  sockwayOptions: SockwayTestOptions;
  /** This test's route: faults, throttle, drops, waits, streams (see sockway/playwright). */
  sockway: SockwayRoute;
}

/** How long the end-of-test check lets closes already under way arrive. */
const SETTLE_MS = 1000;

export const test = base.extend<SockwayFixtures>({
  sockwayOptions: [{}, { option: true }],
  sockway: [
    async ({ page, sockwayOptions }, use, testInfo) => {
      const { allowOpen = false, ...options } = sockwayOptions;
      const sockway = await route(page, options);
      let ended = false;
      try {
        await use(sockway);
        ended = true;
      } finally {
        const leaks = (): string[] => (allowOpen === true ? [] : sockway.leaks(allowOpen === false ? [] : allowOpen));
        // A close the page started as the test ended is still on its way: it may land first.
        if (ended && leaks().length > 0) await sockway.waitFor(() => leaks().length === 0, { timeout: SETTLE_MS }).catch(() => {});
        const left = ended ? leaks() : [];
        const errors = sockway.handlerErrors();
        if (testInfo.status !== testInfo.expectedStatus || left.length > 0 || errors.length > 0) {
          await testInfo.attach('sockway frames', { body: sockway.trace(), contentType: 'text/plain' });
        }
        await sockway.close();
        if (errors.length > 0) throw errors[0];
        if (left.length > 0) {
          throw new Error(`sockway: the test ended with ${left.length === 1 ? 'this' : 'these'} still open (close them, or list them in sockwayOptions.allowOpen):\n  ${left.join('\n  ')}`);
        }
      }
    },
    { auto: true },
  ],
});
