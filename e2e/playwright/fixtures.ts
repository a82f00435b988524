/**
 * The e2e page (e2e/page: sockway's net in `globalThis.sockwayE2E` through the Vite
 * plugin) built once per worker and served by a plain static server with no gateway, as
 * the `baseURL`: sockway/playwright/test's route is the page's only way out.
 */
import { test as sockwayTest } from '../../playwright/test.ts';
import { buildE2ePage, removeBuild } from '../fixtures/e2e-page.ts';
import { serveDirectory } from './static-site.ts';

export { expect } from '../../playwright/test.ts';

export const test = sockwayTest.extend<object, { site: string }>({
  site: [
    async ({}, use) => {
      const dir = await buildE2ePage();
      const site = await serveDirectory(dir);
      await use(site.url);
      await site.close();
      removeBuild(dir);
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ site }, use) => use(site),
});
