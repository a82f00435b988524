/**
 * The abuse suite runs its processes (the gateway CLI, the well-behaved client) as plain
 * JavaScript bundled by esbuild, as deployments do: under tsx, V8 follows nearly every
 * scavenge with a full mark-compact (bench/lib/processes.ts), which would be measured as
 * gateway latency. Bundled on first use from the current sources, into gateway/abuse/.build/
 * (inside the repository, so the bundle's packages resolve from node_modules).
 */
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const OUT_DIR = fileURLToPath(new URL('../abuse/.build/', import.meta.url));
const built = new Map<string, string>();

/**
 * The path of `entry` (a .ts file URL) bundled to an .mjs file. `standalone`: its packages
 * bundled too, into one CommonJS file, for processes that must start fast (a fleet of
 * short-lived clients: ~40 ms less per process than resolving the packages' ES modules).
 */
export function bundled(entry: URL, options: { readonly standalone?: boolean } = {}): string {
  const file = fileURLToPath(entry);
  const standalone = options.standalone === true;
  const key = `${file}${standalone ? ' standalone' : ''}`;
  const known = built.get(key);
  if (known !== undefined) return known;
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = `${OUT_DIR}${basename(file, '.ts')}${standalone ? '.cjs' : '.mjs'}`;
  buildSync({
    entryPoints: [file], outfile, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning',
    // ws's optional native add-ons stay optional.
    ...(standalone ? { format: 'cjs', external: ['bufferutil', 'utf-8-validate'] } : { format: 'esm', packages: 'external' }),
  });
  built.set(key, outfile);
  return outfile;
}
