/**
 * The client-library test app (e2e/clients/app): one page per library, built by Vite
 * with the sockway plugin as a user builds it, served under a strict Content Security
 * Policy (no 'unsafe-eval') with the gateway on the same HTTP server at /sockway.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type Logger, build, createLogger } from 'vite';
import { serveStatic } from '../../demo/static-files.ts';
import { type Gateway, type GatewayOptions, createGateway } from '../../gateway/index.ts';
import { sockway } from '../../vite/index.ts';
import { launchChromium } from '../fixtures/chromium.ts';

/** The app's root. */
export const APP_ROOT = fileURLToPath(new URL('./app/', import.meta.url));

/** The pages, one per library. */
export type ClientEntry = 'pg' | 'ioredis' | 'mqtt';

/** The policy pages are served with: scripts from the origin only, so no eval / new Function. */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; connect-src 'self'";

/** A built entry and what it weighs. */
export interface BuiltApp {
  readonly outDir: string;
  /** The entry's JavaScript (all chunks), minified, in bytes and gzip -9 bytes. */
  readonly jsBytes: number;
  readonly jsGzip: number;
  /** Warnings Vite printed (e.g. a Node built-in left as an empty browser stub). */
  readonly warnings: readonly string[];
}

function collectingLogger(warnings: string[]): Logger {
  const logger = createLogger('warn');
  return { ...logger, warn: (message, options) => { warnings.push(message); logger.warn(message, options); }, warnOnce: (message, options) => { warnings.push(message); logger.warnOnce(message, options); } };
}

/** Builds one page of the app (minified, as for production) into a temporary directory. */
export async function buildClientApp(entry: ClientEntry): Promise<BuiltApp> {
  const outDir = mkdtempSync(join(tmpdir(), `sockway-client-app-${entry}-`));
  const warnings: string[] = [];
  // Vite sets NODE_ENV for the process when unset; a build is production.
  delete process.env['NODE_ENV'];
  await build({
    configFile: false,
    root: APP_ROOT,
    customLogger: collectingLogger(warnings),
    plugins: [sockway({ gateway: '/sockway' })],
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, rolldownOptions: { input: { [entry]: join(APP_ROOT, `${entry}.html`) } } },
  });
  let jsBytes = 0;
  let jsGzip = 0;
  for (const file of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(join(outDir, file));
    jsBytes += code.length;
    jsGzip += gzipSync(code, { level: 9 }).length;
  }
  return { outDir, jsBytes, jsGzip, warnings };
}

/** A served build and its gateway. */
export interface AppServer {
  readonly url: string;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

/** Serves `outDir` with the CSP header and a gateway allowing exactly `allow`. */
export async function serveClientApp(outDir: string, options: Partial<GatewayOptions> & { allow: readonly string[] }): Promise<AppServer> {
  const gateway = createGateway({ path: '/sockway', ...options });
  const server = http.createServer((request, response) => {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    if (!serveStatic(outDir, request, response)) response.writeHead(404).end('not found\n');
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/`,
    gateway,
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An open page of the app and what went wrong in it. */
export interface AppPage {
  readonly page: Page;
  /** Uncaught errors and CSP violations so far. */
  problems(): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens `<url><entry>.html` in a new context; resolves once the entry has run. */
export async function openAppPage(browser: Browser, url: string, entry: ClientEntry): Promise<AppPage> {
  const context: BrowserContext = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.addInitScript(() => {
    const violations: string[] = [];
    (globalThis as unknown as { cspViolations: string[] }).cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (event) => violations.push(`CSP ${event.violatedDirective}: ${event.blockedURI} ${event.sourceFile}:${String(event.lineNumber)}`));
  });
  await page.goto(`${url}${entry}.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 30_000 }).catch((error: unknown) => {
    throw new Error(`the ${entry} page did not start: ${errors.join('; ') || String(error)}`);
  });
  return {
    page,
    problems: async () => [...errors, ...(await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations))],
    close: () => context.close(),
  };
}

/** Removes a build made by buildClientApp(). */
export function removeClientApp(app: BuiltApp | undefined): void {
  if (app !== undefined) rmSync(app.outDir, { recursive: true, force: true });
}

/** "123.4 KiB" */
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

type Scenarios = Record<string, (...args: never[]) => Promise<unknown>>;

/** A typed caller for the scenarios an entry puts on `globalThis[api]`. */
export function scenarioRunner<App extends Scenarios>(getPage: () => Page, api: string) {
  return async <K extends keyof App & string>(name: K, ...args: Parameters<App[K]>): Promise<Awaited<ReturnType<App[K]>>> => {
    const result = await getPage().evaluate(
      ([apiName, scenario, scenarioArgs]) => {
        const scenarios = (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[apiName];
        const run = scenarios?.[scenario];
        if (run === undefined) throw new Error(`no scenario ${apiName}.${scenario} in the page`);
        return run(...scenarioArgs);
      },
      [api, name, args as unknown[]] as const,
    );
    return result as Awaited<ReturnType<App[K]>>;
  };
}

/** A server the test starts for the library (PostgreSQL, Redis, Mosquitto). */
interface StartedServer {
  readonly port: number;
  close(): Promise<void>;
}

/** What useClientApp() gives the test file once its `before` has run. */
export interface ClientAppSuite<S extends StartedServer> {
  readonly server: S;
  readonly app: BuiltApp;
  readonly page: AppPage;
}

/**
 * The setup every client-library test file shares: starts the library's server, builds
 * its page and launches Chromium (in parallel), reports the bundle size, serves the page
 * with a gateway allowing exactly that server, and tears all of it down after.
 */
export function useClientApp<S extends StartedServer>(entry: ClientEntry, startServer: () => Promise<S>): ClientAppSuite<S> {
  const parts: { server?: S; app?: BuiltApp; browser?: Browser; site?: AppServer; page?: AppPage } = {};
  before(async () => {
    // Assigned one by one, so that after() stops whatever started when another part fails.
    await Promise.all([
      startServer().then((started) => (parts.server = started)),
      buildClientApp(entry).then((built) => (parts.app = built)),
      launchChromium().then((launched) => (parts.browser = launched)),
    ]);
    const { server, app, browser } = parts as Required<typeof parts>;
    process.stderr.write(`${entry} page bundle: ${kib(app.jsBytes)} minified, ${kib(app.jsGzip)} gzip\n`);
    parts.site = await serveClientApp(app.outDir, { allow: [`127.0.0.1:${String(server.port)}`] });
    parts.page = await openAppPage(browser, parts.site.url, entry);
  });
  after(async () => {
    await parts.page?.close();
    await parts.browser?.close();
    await parts.site?.close();
    await parts.server?.close();
    removeClientApp(parts.app);
  });
  const started = <K extends 'server' | 'app' | 'page'>(key: K): NonNullable<(typeof parts)[K]> => {
    const value = parts[key];
    if (value === undefined) throw new Error(`the ${entry} test setup did not finish (no ${key})`);
    return value as NonNullable<(typeof parts)[K]>;
  };
  return {
    get server() { return started('server'); },
    get app() { return started('app'); },
    get page() { return started('page'); },
  };
}
