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

/** The path of `entry` (a .ts file URL) bundled to an .mjs file. */
export function bundled(entry: URL): string {
  const file = fileURLToPath(entry);
  const known = built.get(file);
  if (known !== undefined) return known;
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = `${OUT_DIR}${basename(file, '.ts')}.mjs`;
  buildSync({ entryPoints: [file], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  built.set(file, outfile);
  return outfile;
}
