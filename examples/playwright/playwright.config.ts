import { defineConfig } from '@playwright/test';

const port = Number(process.env.PORT ?? 5173);

export default defineConfig({
  testDir: 'tests',
  webServer: {
    command: `npx vite --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
  },
  use: {
    baseURL: `http://localhost:${port}`,
    // Playwright's own Chromium, or the one CHROMIUM_PATH names (such as /usr/bin/chromium).
    launchOptions: { executablePath: process.env.CHROMIUM_PATH },
  },
});
