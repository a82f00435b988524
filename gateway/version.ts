/** sockway's version, for `sockway-gateway --version`. */
import { createRequire } from 'node:module';

/**
 * The version in sockway's package.json, found by the package's own name (a self-reference
 * through its `exports`), so the same line works from the sources and from dist/ in an
 * installed package, wherever npm put it.
 */
export const VERSION: string = (createRequire(import.meta.url)('sockway/package.json') as { readonly version: string }).version;
