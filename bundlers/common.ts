/**
 * What the bundler plugins (sockway/vite, sockway/esbuild, sockway/webpack) share: their
 * options, where sockway's client modules are, the code of the modules they generate, and
 * the values injected for Node's globals. Which built-in becomes what is vite/builtins.ts.
 */
import { fileURLToPath } from 'node:url';
import { type CryptoChoice, INJECTED_GLOBALS, type TunnelModule } from '../vite/builtins.ts';

/** Options of every sockway bundler plugin. */
export interface SockwayPluginOptions {
  /**
   * The gateway's WebSocket URL. A path ('/sockway') or an http(s) URL is resolved
   * against the page at run time (http → ws, https → wss). Without it, call
   * `configure({ url })` from 'sockway' before the first connect.
   */
  readonly gateway?: string;
  /** Provide `Buffer`, `process`, `global`, Node's timers, `__dirname` and `__filename` to code that uses them as globals (default true). */
  readonly globals?: boolean;
  /**
   * What `crypto` / `node:crypto` become: 'basic' (default: hashes, HMAC, PBKDF2, random;
   * enough for pg, ioredis, mqtt), 'full' (sockway/crypto: also ciphers, signatures and key
   * exchange, for ssh2), or false (not provided: the bundler's own handling).
   */
  readonly crypto?: CryptoChoice;
}

/** The options with their defaults, after checking them. */
export interface ResolvedOptions {
  readonly gateway: string | undefined;
  readonly globals: boolean;
  readonly crypto: CryptoChoice;
}

/** Checks a plugin's options (`plugin` names it in the errors: 'sockway()'). */
export function resolveOptions(options: SockwayPluginOptions, plugin: string): ResolvedOptions {
  const { gateway, globals = true, crypto = 'basic' } = options;
  if (gateway !== undefined && (typeof gateway !== 'string' || gateway === '')) {
    throw new TypeError(`${plugin}: options.gateway must be a non-empty URL string, got ${JSON.stringify(gateway)}`);
  }
  if (crypto !== 'basic' && crypto !== 'full' && crypto !== false) {
    throw new TypeError(`${plugin}: options.crypto must be 'basic', 'full' or false, got ${JSON.stringify(crypto)}`);
  }
  return { gateway, globals, crypto };
}

// This file runs as bundlers/common.ts in the repository and as dist/bundlers/common.js
// when installed; the client modules sit beside it with the same extension.
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The path of a sockway client module ('net-entry', 'shims/buffer'). */
export function clientFile(name: string): string {
  return fileURLToPath(new URL(`../client/${name}${EXTENSION}`, import.meta.url));
}

/** sockway's client folder. */
export const CLIENT_DIR = fileURLToPath(new URL('../client/', import.meta.url));

/** The importer the shims are resolved from: sockway's client, so a nested install finds its own. */
export const CLIENT_IMPORTER = clientFile('net-entry');

/**
 * The module `net` (or tls, dns, dns/promises) resolves to: sockway's, with the tunnel
 * bound to the gateway first when one is given.
 */
export function tunnelModuleCode(name: TunnelModule, gateway: string | undefined): string {
  const file = JSON.stringify(clientFile(name));
  const lines: string[] = [];
  if (gateway !== undefined) {
    lines.push(
      `import { configure, getDefaultTunnel } from ${JSON.stringify(clientFile('config'))};`,
      `import { toWebSocketUrl } from ${JSON.stringify(clientFile('gateway-url'))};`,
      // A configure() that ran first (or runs later) wins: this is only the default.
      `if (getDefaultTunnel() === null) configure({ url: toWebSocketUrl(${JSON.stringify(gateway)}) });`,
    );
  }
  lines.push(`export * from ${file};`, `export { default } from ${file};`);
  return `${lines.join('\n')}\n`;
}

/**
 * An empty or missing module. `commonjs`: CommonJS, so that `require('fs').existsSync` and
 * `import { readFile } from 'fs'` both give undefined rather than a bundling error; Vite's
 * dev server serves ES modules only, hence the ESM form there.
 */
export function placeholderCode(kind: 'empty' | 'missing', name: string, commonjs: boolean): string {
  if (kind === 'empty') return commonjs ? 'module.exports = {};\n' : 'export default {};\n';
  // Thrown when required, as Node does for an optional dependency that is not installed:
  // the library's try/catch takes its pure-JavaScript path.
  const message = JSON.stringify(`Cannot find module '${name}' (a native addon; not available in a browser)`);
  const lines = [`const error = new Error(${message});`, "error.code = 'MODULE_NOT_FOUND';"];
  lines.push(commonjs ? 'module.exports = {};\nthrow error;' : 'throw error;');
  return `${lines.join('\n')}\n`;
}

/** Where an injected global comes from: a module and its export ('default' for the module's default). */
export interface GlobalSource {
  readonly file: string;
  readonly export: string;
}

/**
 * The values injected for Node's globals in code that uses them without importing them:
 * the same instances sockway and readable-stream use.
 */
export function injectedGlobals(): Readonly<Record<string, GlobalSource>> {
  return Object.fromEntries(Object.entries(INJECTED_GLOBALS).map(([name, [module, exportName]]) => [name, { file: clientFile(module), export: exportName }]));
}

/** A module whose only export is the global `name`, for bundlers that inject a module's exports (esbuild) or one named export (webpack). */
export function globalModuleCode(name: string, source: GlobalSource): string {
  return `export { ${source.export} as ${name} } from ${JSON.stringify(source.file)};\n`;
}
