/**
 * The Node built-ins `sockway/vite` provides to a page, as one table: which module each
 * specifier (bare and `node:`) becomes. This is the list docs/real-clients.md documents.
 */

/** What a built-in specifier resolves to. */
export type BuiltinTarget =
  /**
   * A sockway module that uses the tunnel (client/net-entry, tls, dns, dns-promises),
   * re-exported by a virtual module that binds the plugin's gateway first.
   */
  | { readonly kind: 'tunnel'; readonly name: TunnelModule }
  /** Another sockway module in client/ (name without extension: 'crypto/basic'). */
  | { readonly kind: 'client'; readonly name: string }
  /** An npm package sockway depends on, resolved from sockway's client folder. */
  | { readonly kind: 'package'; readonly request: string }
  /** Something a page cannot have: an empty module, so feature checks see "absent". */
  | { readonly kind: 'empty' }
  /** An optional native addon: requiring it throws MODULE_NOT_FOUND, as when not installed. */
  | { readonly kind: 'missing' };

/** The sockway modules that use the tunnel, by file name in client/. */
export type TunnelModule = 'net-entry' | 'tls' | 'dns' | 'dns-promises';

/** Which `crypto` the page gets: the synchronous subset, the full one (ssh2), or none. */
export type CryptoChoice = 'basic' | 'full' | false;

/** Built-ins whose module holds state shared with the app (the tunnel): never duplicated into pre-bundled deps. */
export const SHARED_INSTANCE_BUILTINS = ['net', 'node:net', 'tls', 'node:tls', 'dns', 'node:dns', 'dns/promises', 'node:dns/promises'] as const;

/** Built-ins backed by sockway's own npm dependencies: specifier → package request. */
export const PACKAGE_BUILTINS: Readonly<Record<string, string>> = {
  events: 'events',
  stream: 'readable-stream',
  'stream/promises': 'readable-stream/lib/stream/promises.js',
  string_decoder: 'string_decoder',
  'util/types': 'util/support/types.js',
  assert: 'assert',
  os: 'os-browserify',
};

/** Built-ins implemented by sockway's shims: specifier → module in client/. */
export const CLIENT_SHIMS: Readonly<Record<string, string>> = {
  process: 'shims/process',
  timers: 'shims/timers',
  'timers/promises': 'shims/timers-promises',
  perf_hooks: 'shims/perf-hooks',
  fs: 'shims/fs',
  'fs/promises': 'shims/fs-promises',
  // The npm packages plus what Node's modules also export (TextDecoder, URL), and querystring.
  util: 'shims/util',
  url: 'shims/url',
  querystring: 'shims/querystring',
};

/**
 * Globals injected into code that uses them without importing them (Node code's `Buffer`,
 * `process`, timers…): name → [module in client/, export ('default' for the default)].
 */
export const INJECTED_GLOBALS: Readonly<Record<string, readonly [module: string, exportName: string]>> = {
  Buffer: ['shims/buffer', 'Buffer'],
  process: ['shims/process', 'default'],
  global: ['shims/global', 'default'],
  __dirname: ['shims/dirname', '__dirname'],
  __filename: ['shims/dirname', '__filename'],
  setTimeout: ['shims/timers', 'setTimeout'],
  setInterval: ['shims/timers', 'setInterval'],
  setImmediate: ['shims/timers', 'setImmediate'],
  clearTimeout: ['shims/timers', 'clearTimeout'],
  clearInterval: ['shims/timers', 'clearInterval'],
  clearImmediate: ['shims/timers', 'clearImmediate'],
};

/** Built-ins a page cannot have; libraries feature-check them or use them only on paths a page never takes. */
export const EMPTY_BUILTINS = [
  'child_process',
  'worker_threads',
  'cluster',
  'dgram',
  'readline',
  'v8',
  'vm',
  'tty',
  'inspector',
] as const;

/** Optional native addons that Node clients try and fall back from (pg.native, ssh2). */
export const MISSING_PACKAGES = ['pg-native', 'cpu-features'] as const;

/** The specifier → target table for a plugin configuration. */
export function builtinTable(crypto: CryptoChoice): ReadonlyMap<string, BuiltinTarget> {
  const table = new Map<string, BuiltinTarget>();
  const both = (name: string, target: BuiltinTarget): void => {
    table.set(name, target);
    table.set(`node:${name}`, target);
  };
  both('net', { kind: 'tunnel', name: 'net-entry' });
  both('tls', { kind: 'tunnel', name: 'tls' });
  both('dns', { kind: 'tunnel', name: 'dns' });
  both('dns/promises', { kind: 'tunnel', name: 'dns-promises' });
  // `buffer` is npm buffer plus Node's `constants` (ioredis reads MAX_STRING_LENGTH).
  both('buffer', { kind: 'client', name: 'shims/buffer' });
  both('diagnostics_channel', { kind: 'client', name: 'shims/diagnostics-channel' });
  // Shaped enough for the libraries that load them (ssh2: zlib constants, http.Agent
  // subclasses, path.resolve at load time); real use throws a clear error.
  both('zlib', { kind: 'client', name: 'shims/zlib' });
  both('http', { kind: 'client', name: 'shims/http' });
  both('https', { kind: 'client', name: 'shims/http' });
  both('path', { kind: 'client', name: 'shims/path' });
  // Node's Timeout objects (unref/refresh), promise timers, performance.now(), the npm
  // process with hrtime/uptime/memoryUsage, and an fs whose calls fail with ENOSYS.
  for (const [name, shim] of Object.entries(CLIENT_SHIMS)) both(name, { kind: 'client', name: shim });
  if (crypto !== false) both('crypto', { kind: 'client', name: crypto === 'full' ? 'crypto/full' : 'crypto/basic' });
  for (const [name, request] of Object.entries(PACKAGE_BUILTINS)) both(name, { kind: 'package', request });
  for (const name of EMPTY_BUILTINS) both(name, { kind: 'empty' });
  for (const name of MISSING_PACKAGES) table.set(name, { kind: 'missing' });
  return table;
}

/** The target of `id`, or undefined; any `*.node` file is a missing native addon. */
export function lookupBuiltin(table: ReadonlyMap<string, BuiltinTarget>, id: string): BuiltinTarget | undefined {
  return table.get(id) ?? (id.endsWith('.node') ? { kind: 'missing' } : undefined);
}
