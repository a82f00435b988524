/**
 * The `sockway-gateway` command as a separate process, for the CLI tests: from the built
 * package (bin/ → dist/, as users run it) or from the sources (gateway/main.ts through tsx).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** bin/sockway-gateway.js: runs dist/gateway/main.js (npm run build first). */
export const BIN = new URL('../../bin/sockway-gateway.js', import.meta.url).pathname;
/** gateway/main.ts, run through tsx. */
export const MAIN = new URL('../main.ts', import.meta.url).pathname;

/** A running CLI: its process, its URL, and what it wrote to stderr so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
}

/** The node arguments that run the CLI from `entry` with `args`. */
export function cliArgv(entry: 'bin' | 'source', args: readonly string[]): string[] {
  return entry === 'bin' ? [BIN, ...args] : ['--import', 'tsx', MAIN, ...args];
}

/** Starts the CLI and resolves with its URL from the one stdout line it prints. */
export async function startCli(args: readonly string[], options: { entry?: 'bin' | 'source'; env?: NodeJS.ProcessEnv } = {}): Promise<CliProcess> {
  const child = spawn(process.execPath, cliArgv(options.entry ?? 'bin', args), { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`gateway exited (${code}): ${stderr}`); }),
  ])) as [string];
  const match = /^sockway gateway listening on (ws:\/\/\S+)$/.exec(line);
  assert.ok(match, `first stdout line: ${line}`);
  return { child, url: match[1] as string, stderr: () => stderr };
}
