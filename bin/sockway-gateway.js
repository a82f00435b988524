#!/usr/bin/env node
// The sockway-gateway command: runs the compiled gateway CLI (npm run build makes dist/).
import { existsSync } from 'node:fs';

const main = new URL('../dist/gateway/main.js', import.meta.url);
import(main.href).catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') console.error(error);
  // dist/ not built (a checkout), or a gateway dependency not installed: the message says which.
  else console.error(`sockway-gateway: ${existsSync(main) ? error.message : 'dist/ is missing; run `npm run build` first'}`);
  process.exit(1);
});
