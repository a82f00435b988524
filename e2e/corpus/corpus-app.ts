/**
 * The corpus app (e2e/corpus/app): one page per client library, all built by ONE Vite
 * build (multi-input, minified, the sockway plugin as a user sets it up) that every
 * corpus test file of a run shares, served under the strict CSP of e2e/clients with a
 * gateway allowing exactly the servers the file started.
 *
 * The build is cached in `.cache/corpus/<hash>/` (gitignored) under a hash of what goes
 * into it (the app, client/, vite/, shared/, this file, package-lock.json): the test files run in
 * separate processes, and each one rebuilding every page would cost minutes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { type Logger, build, createLogger } from 'vite';
import { sockway } from '../../vite/index.ts';
import { type AppServer, serveClientApp } from '../clients/client-app.ts';
import { launchChromium } from '../fixtures/chromium.ts';
import { type CorpusLibrary, corpusLibrary } from './libraries.ts';

/** The app's root: `<page>.html` + `<page>.ts` per library. */
export const CORPUS_ROOT = fileURLToPath(new URL('./app/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE_DIR = join(REPO_ROOT, '.cache', 'corpus');

/** The corpus build: where it is and what each page weighs. */
export interface CorpusBuild {
  readonly outDir: string;
  /** Per page (by its name): all JavaScript it loads, minified, in bytes and gzip -9 bytes. */
  readonly sizes: Readonly<Record<string, { readonly js: number; readonly gzip: number }>>;
  /** Warnings Vite printed (e.g. a Node built-in left as Vite's empty browser stub). */
  readonly warnings: readonly string[];
}

/** The pages of the app: every `<name>.html` in it. */
export function corpusPages(): string[] {
  return readdirSync(CORPUS_ROOT)
    .filter((file) => file.endsWith('.html') && file !== 'index.html')
    .map((file) => file.slice(0, -'.html'.length))
    .sort();
}

function hashInputs(): string {
  const hash = createHash('sha256');
  const add = (dir: string): void => {
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
      const path = join(dir, file);
      if (file.includes('node_modules') || !/\.(ts|html|json|mjs|js)$/.test(file)) continue;
      hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of [CORPUS_ROOT, join(REPO_ROOT, 'client'), join(REPO_ROOT, 'vite'), join(REPO_ROOT, 'shared')]) add(dir);
  // The build's own settings (this file) and the installed packages.
  hash.update(readFileSync(fileURLToPath(import.meta.url))).update(readFileSync(join(REPO_ROOT, 'package-lock.json')));
  return hash.digest('hex').slice(0, 16);
}

function collectingLogger(warnings: string[]): Logger {
  const logger = createLogger('warn');
  return { ...logger, warn: (message, options) => { warnings.push(message); logger.warn(message, options); }, warnOnce: (message, options) => { warnings.push(message); logger.warnOnce(message, options); } };
}

interface ManifestChunk {
  readonly file: string;
  readonly imports?: readonly string[];
  readonly dynamicImports?: readonly string[];
}

/** Each page's JavaScript: its entry chunk and every chunk reachable from it. */
function pageSizes(outDir: string, pages: readonly string[]): CorpusBuild['sizes'] {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const sizes: Record<string, { js: number; gzip: number }> = {};
  for (const page of pages) {
    const seen = new Set<string>();
    const visit = (key: string): void => {
      if (seen.has(key)) return;
      seen.add(key);
      const chunk = manifest[key];
      for (const next of [...(chunk?.imports ?? []), ...(chunk?.dynamicImports ?? [])]) visit(next);
    };
    visit(`${page}.html`);
    let js = 0;
    let gzip = 0;
    for (const key of seen) {
      const file = manifest[key]?.file;
      if (file === undefined || !file.endsWith('.js')) continue;
      const code = readFileSync(join(outDir, file));
      js += code.length;
      gzip += gzipSync(code, { level: 9 }).length;
    }
    sizes[page] = { js, gzip };
  }
  return sizes;
}

/** Builds every page of the corpus app once per content hash; later calls reuse the build. */
export async function buildCorpus(): Promise<CorpusBuild> {
  const outDir = join(CACHE_DIR, hashInputs());
  const metaFile = join(outDir, 'corpus-build.json');
  if (!existsSync(metaFile)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const pages = corpusPages();
    const staging = mkdtempSync(join(CACHE_DIR, 'building-'));
    const warnings: string[] = [];
    // Vite sets NODE_ENV for the process when unset; a build is production.
    delete process.env['NODE_ENV'];
    const started = performance.now();
    await build({
      configFile: false,
      root: CORPUS_ROOT,
      logLevel: 'warn',
      customLogger: collectingLogger(warnings),
      plugins: [sockway({ gateway: '/sockway' })],
      build: {
        outDir: staging,
        emptyOutDir: true,
        manifest: true,
        reportCompressedSize: false,
        // The pages are test fixtures; their sizes are reported per page instead.
        chunkSizeWarningLimit: 100_000,
        rolldownOptions: { input: Object.fromEntries(pages.map((page) => [page, join(CORPUS_ROOT, `${page}.html`)])) },
      },
    });
    process.stderr.write(`corpus build: ${String(pages.length)} pages in ${(performance.now() - started).toFixed(0)} ms\n`);
    writeFileSync(join(staging, 'corpus-build.json'), JSON.stringify({ sizes: pageSizes(staging, pages), warnings }));
    // Older builds of this checkout (and leftovers of interrupted ones) are stale now.
    for (const entry of readdirSync(CACHE_DIR)) if (join(CACHE_DIR, entry) !== staging) rmSync(join(CACHE_DIR, entry), { recursive: true, force: true });
    renameSync(staging, outDir);
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Omit<CorpusBuild, 'outDir'>;
  return { outDir, ...meta };
}

/** What a page's `corpus.run()` threw or the page's load failure, as plain data. */
export interface PageFailure {
  readonly name?: string;
  readonly code?: string;
  readonly message: string;
}

/** An open page of one library. */
export interface CorpusPage {
  readonly page: Page;
  /** 'ready' when the page's module ran; otherwise the uncaught error that stopped it. */
  readonly loaded: { readonly ready: true } | { readonly ready: false; readonly error: string };
  /** Runs `corpus.run(target)` in the page; rejects after `timeoutMs` (a hung library is a failure, not a hang). */
  run<T = Record<string, unknown>>(target: unknown, timeoutMs?: number): Promise<T>;
  /** Uncaught errors and CSP violations so far. */
  problems(): Promise<string[]>;
  close(): Promise<void>;
}

async function openCorpusPage(browser: Browser, url: string, name: string): Promise<CorpusPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  let firstError: (message: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (firstError = resolve));
  page.on('pageerror', (error) => {
    errors.push(`pageerror: ${error.message}`);
    firstError(error.message);
  });
  await page.addInitScript(() => {
    const violations: string[] = [];
    (globalThis as unknown as { cspViolations: string[] }).cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (event) => violations.push(`CSP ${event.violatedDirective}: ${event.blockedURI} ${event.sourceFile}:${String(event.lineNumber)}`));
  });
  await page.goto(`${url}${name}.html`);
  // The page's module either sets #status to 'ready' or throws while loading.
  const loaded = await Promise.race([
    page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 60_000 }).then(() => ({ ready: true as const })),
    failed.then((error) => ({ ready: false as const, error })),
  ]);
  return {
    page,
    loaded,
    run: async <T>(target: unknown, timeoutMs = 60_000): Promise<T> => {
      if (!loaded.ready) throw new Error(`the ${name} page did not load: ${loaded.error}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name}: corpus.run() did not settle in ${String(timeoutMs)} ms`)), timeoutMs);
      });
      try {
        return (await Promise.race([page.evaluate((t) => (globalThis as unknown as { corpus: { run(t: unknown): Promise<unknown> } }).corpus.run(t), target), timeout])) as T;
      } finally {
        clearTimeout(timer);
      }
    },
    problems: async () => [...errors, ...(await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations))],
    close: () => context.close(),
  };
}

/** Servers a corpus test file starts, and the gateway rules that reach exactly them. */
export interface CorpusServers {
  /** `host:port` rules (ranges for FTP passive ports). */
  readonly allow: readonly string[];
  close(): Promise<void>;
}

/** useCorpus()'s servers when the suite needs one, reached on its port: `servers[key]` is it. */
export function oneServer<K extends string, T extends { readonly port: number; close(): Promise<void> }>(key: K, server: T): Record<K, T> & CorpusServers {
  // A computed key widens to an index signature; the object has exactly `key`.
  return { [key]: server, allow: [`127.0.0.1:${String(server.port)}`], close: () => server.close() } as Record<K, T> & CorpusServers;
}

/** What useCorpus() gives the test file once its `before` has run. */
export interface CorpusSuite<S extends CorpusServers> {
  readonly servers: S;
  readonly build: CorpusBuild;
  /** The library's page (opened once, on first use); its data-file row is checked to exist. */
  page(library: string): Promise<CorpusPage>;
  /** The library's row in e2e/corpus/libraries.ts. */
  library(name: string): CorpusLibrary;
}

/**
 * The setup a corpus test file shares: starts its servers, gets the build and launches
 * Chromium (in parallel), serves the app with a gateway allowing `servers.allow`, opens
 * each library's page on demand, prints each page's size, and tears it all down after.
 */
export function useCorpus<S extends CorpusServers>(startServers: () => Promise<S>): CorpusSuite<S> {
  const parts: { servers?: S; build?: CorpusBuild; browser?: Browser; site?: AppServer } = {};
  const pages = new Map<string, Promise<CorpusPage>>();
  let starting: Promise<unknown>[] = [];
  before(async () => {
    const started = performance.now();
    // Assigned one by one, so that after() stops whatever started when another part fails.
    starting = [
      startServers().then((servers) => (parts.servers = servers)),
      buildCorpus().then((built) => (parts.build = built)),
      launchChromium().then((browser) => (parts.browser = browser)),
    ];
    await Promise.all(starting);
    process.stderr.write(`corpus setup (servers, build, Chromium): ${(performance.now() - started).toFixed(0)} ms\n`);
    parts.site = await serveClientApp(parts.build!.outDir, { allow: parts.servers!.allow });
  });
  after(async () => {
    // A part that failed fails before the others finish starting: wait for them, then stop them.
    await Promise.allSettled(starting);
    for (const page of pages.values()) await page.then((open) => open.close()).catch(() => {});
    await parts.browser?.close();
    await parts.site?.close();
    await parts.servers?.close();
  });
  const need = <K extends keyof typeof parts>(key: K): NonNullable<(typeof parts)[K]> => {
    const value = parts[key];
    if (value === undefined) throw new Error(`the corpus test setup did not finish (no ${key})`);
    return value as NonNullable<(typeof parts)[K]>;
  };
  return {
    get servers() { return need('servers'); },
    get build() { return need('build'); },
    library: corpusLibrary,
    page: (library) => {
      const row = corpusLibrary(library);
      const name = row.page;
      if (name === undefined) return Promise.reject(new Error(`${library} has no corpus page (its test is ${row.test})`));
      let open = pages.get(name);
      if (open === undefined) {
        const size = need('build').sizes[name];
        if (size !== undefined) process.stderr.write(`${row.name} page: ${(size.js / 1024).toFixed(1)} KiB minified, ${(size.gzip / 1024).toFixed(1)} KiB gzip\n`);
        open = openCorpusPage(need('browser'), need('site').url, name);
        pages.set(name, open);
      }
      return open;
    },
  };
}
