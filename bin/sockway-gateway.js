#!/usr/bin/env node
// The sockway-gateway command: runs the compiled gateway CLI (npm run build makes dist/).
import('../dist/gateway/main.js').catch((error) => {
  console.error(error?.code === 'ERR_MODULE_NOT_FOUND'
    ? 'sockway-gateway: dist/ is missing; run `npm run build` first'
    : error);
  process.exit(1);
});
