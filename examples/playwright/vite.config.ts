import { defineConfig } from 'vite';
import { sockway } from 'sockway/vite';

export default defineConfig({
  // The page's net reaches the gateway at /sockway on its own origin (in tests, sockway/playwright answers there).
  plugins: [sockway({ gateway: '/sockway' })],
});
