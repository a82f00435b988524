/**
 * Child-process helpers: server-side pieces (targets, relays, gateways) run in
 * their own processes so that, on a 2-core machine, client and server each get
 * a core instead of sharing one event loop.
 */
import { fork, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The repository root (also from bench/.build/, which is as deep as bench/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const built = new Map<string, string>();

/**
 * The JavaScript a bench process runs for `file`: a TypeScript entry is bundled on first
 * use (esbuild, packages left to node_modules) into bench/.build/, so every process runs
 * plain JavaScript, as deployments do. Under tsx, V8 followed nearly every scavenge in
 * sockway's processes with a full mark-compact and halved its throughput: that measured
 * the loader, not sockway.
 */
export function runnable(file: string): string {
  if (!file.endsWith('.ts')) return file;
  const known = built.get(file);
  if (known !== undefined) return known;
  const outfile = `${REPO_ROOT}bench/.build/${relative(REPO_ROOT, file).replace(/\.ts$/, '').replaceAll('/', '__')}.mjs`;
  mkdirSync(`${REPO_ROOT}bench/.build`, { recursive: true });
  buildSync({ entryPoints: [file], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  built.set(file, outfile);
  return outfile;
}

/** What a forked bench server sends once it listens. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
}

/** A child process we started and must stop. */
export interface ChildHandle {
  child: ChildProcess;
  /** The last output lines, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves once it exited. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Whoever stops us (SIGTERM, or process.exit anywhere) takes our children along:
// a signal death would skip 'exit' handlers and orphan e.g. websockify.
process.on('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});
process.once('SIGTERM', () => process.exit(143));

/** Keeps the last `limit` characters of a child's stdout and stderr. */
function captureOutput(child: ChildProcess, echo: boolean, limit = 8192): () => string {
  let text = '';
  const onChunk = (chunk: Buffer): void => {
    if (echo) process.stderr.write(chunk);
    text = (text + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  return () => text;
}

function track(child: ChildProcess, output: () => string): ChildHandle {
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  void exited.then(() => live.delete(child));
  return {
    child,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Forks a module (TypeScript: its runnable() bundle) and waits for its `{ type: 'ready', port }`
 * IPC message. The child should exit when its IPC channel disconnects
 * (see `exitWithParent`), so no orphan survives a crashed parent.
 */
export async function forkServer(
  file: string,
  args: readonly string[] = [],
  timeoutMs = 15_000,
  options: ForkOptions = {},
): Promise<ChildHandle & { port: number }> {
  const child = forkNode(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const handle = track(child, captureOutput(child, true));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(new Error(`${file} did not start: ${err.message}\n${handle.output()}`));
    }
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`exited (code ${code}, signal ${signal})`)));
    child.on('message', (message: unknown) => {
      const ready = message as Partial<ReadyMessage> | null;
      if (ready?.type === 'ready' && typeof ready.port === 'number') {
        clearTimeout(timer);
        resolve(ready.port);
      }
    });
  });
  return { ...handle, port };
}

/** How forkNode() starts a bench process. */
export interface ForkOptions {
  /** Node flags (e.g. --expose-gc, --import a preload). */
  readonly execArgv?: readonly string[];
  /** Open files the process needs (RLIMIT_NOFILE); see forkNode(). */
  readonly nofile?: number;
  readonly stdio?: StdioOptions;
}

/**
 * The hard RLIMIT_NOFILE of this process (and so of its children), from /proc/self/limits;
 * Infinity when unlimited or unreadable.
 */
export function hardFdLimit(): number {
  try {
    const match = /^Max open files\s+\S+\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match === null || match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return Infinity;
  }
}

/**
 * Forks a module (TypeScript: its runnable() bundle) with an IPC channel. Node raises its
 * soft file limit to the hard one at start, so a process that needs more open files than
 * the hard limit starts through prlimit(1), which raises both first (root only; a shell's
 * `ulimit -n` cannot be set from inside Node): one pid, as prlimit execs node.
 */
export function forkNode(file: string, args: readonly string[], options: ForkOptions = {}): ChildProcess {
  const execArgv = [...(options.execArgv ?? [])];
  const raise = options.nofile !== undefined && options.nofile > hardFdLimit();
  return fork(runnable(file), [...args], {
    cwd: REPO_ROOT,
    ...(raise ? { execPath: 'prlimit', execArgv: [`--nofile=${options.nofile}:${options.nofile}`, process.execPath, ...execArgv] } : { execArgv }),
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Call in a forked server: reports the port to the parent and exits with it. */
export function reportReady(port: number): void {
  const message: ReadyMessage = { type: 'ready', port };
  process.send?.(message);
  process.on('disconnect', () => process.exit(0));
}

/** Spawns a non-Node program (e.g. websockify); output is kept, not echoed. */
export function spawnProgram(command: string, args: readonly string[]): ChildHandle {
  const child = spawn(command, [...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child, captureOutput(child, false));
}

/** Asks the kernel for a free TCP port (racy by nature, good enough on loopback). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/** Polls until something accepts TCP connections on host:port. */
export async function waitForPort(host: string, port: number, handle: ChildHandle, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (handle.child.exitCode !== null || handle.child.signalCode !== null) {
      throw new Error(`process exited before listening on ${port}:\n${handle.output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms:\n${handle.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
