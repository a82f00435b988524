/**
 * The gateway's npm dependencies, `ws`, `ipaddr.js` and `prom-client`. They are optional peer
 * dependencies of sockway, so that a browser-only install pulls none (nor `bufferutil`, the native addon
 * ws uses when it is there). They are loaded here rather than imported: a missing one then
 * fails `import 'sockway/gateway'` (and the CLI) with what to install, where an import would
 * fail to resolve from some internal file of dist/.
 */
import { createRequire } from 'node:module';
import { codedError } from '../shared/errors.ts';

/** The packages the gateway needs, as `npm install` names them. */
export const GATEWAY_DEPENDENCIES = ['ws', 'ipaddr.js', 'prom-client'] as const;

const require = createRequire(import.meta.url);

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** 'a', 'a and b', 'a, b and c'. */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

const missing = GATEWAY_DEPENDENCIES.filter((name) => !installed(name));
if (missing.length > 0) {
  throw codedError(
    'ERR_MODULE_NOT_FOUND',
    `sockway/gateway needs ${listed(missing)}, which a browser-only install of sockway leaves out: ` +
      `npm install ${missing.join(' ')} (and bufferutil, optional, for faster WebSocket masking)`,
  );
}

/** The `ws` package (the CommonJS module, which its ESM wrapper re-exports: one instance). */
export const wsPackage = require('ws') as typeof import('ws');
/** The `ipaddr.js` package. */
export const ipaddr = require('ipaddr.js') as typeof import('ipaddr.js');

/**
 * An optional peer dependency that one feature needs (`yaml` for --config), loaded when
 * that feature is used; a missing one throws ERR_MODULE_NOT_FOUND saying what to install.
 */
export function optionalDependency<T>(name: string, feature: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw codedError('ERR_MODULE_NOT_FOUND', `${feature} needs the ${name} package: npm install ${name}`);
  }
}
/**
 * The `prom-client` package (metrics.ts), loaded when metrics are first served: loaded, it
 * costs a gateway 20-30 % of its throughput in `npm run bench` though no metric is updated
 * on the data path (upload 607-660 MB/s against 813-946 without it, same runs; not its
 * default process metrics; the cause is not pinned down: docs/gateway.md).
 */
export function promClient(): typeof import('prom-client') {
  return require('prom-client') as typeof import('prom-client');
}
