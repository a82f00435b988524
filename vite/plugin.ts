/**
 * The `sockway/vite` plugin: `net`, `tls` and `dns` (bare, `node:` and `require()`), in
 * the app and in its dependencies (dev pre-bundling, build, workers), become sockway's
 * modules bound to one gateway; the other Node built-ins that client libraries import
 * (vite/builtins.ts lists them) become browser implementations taken from sockway's own
 * dependencies; dependencies that use `Buffer`, `process`, `global` and `setImmediate`
 * as globals get them injected.
 *
 *   import sockway from 'sockway/vite';
 *   export default { plugins: [sockway({ gateway: 'ws://localhost:8080/sockway' })] };
 */
import type { Plugin, Rolldown, UserConfig } from 'vite';
import { CLIENT_DIR, CLIENT_IMPORTER, type SockwayPluginOptions, clientFile, injectedGlobals, placeholderCode, resolveOptions, tunnelModuleCode } from '../bundlers/common.ts';
import { type BuiltinTarget, type CryptoChoice, PACKAGE_BUILTINS, type TunnelModule, SHARED_INSTANCE_BUILTINS, builtinTable, lookupBuiltin } from './builtins.ts';
import { clientDependencies } from './client-dependencies.ts';

export type { SockwayPluginOptions } from '../bundlers/common.ts';

/** Ids of the plugin's virtual modules; `\0` keeps other plugins off them (the Rollup convention). */
const TUNNEL_PREFIX = '\0sockway:';
const EMPTY_PREFIX = '\0sockway:empty:';
const MISSING_PREFIX = '\0sockway:missing:';
const TUNNEL_MODULES: readonly TunnelModule[] = ['net-entry', 'tls', 'dns', 'dns-promises'];

/** Loads the virtual modules; null for other ids. */
function loadVirtual(id: string, gateway: string | undefined, commonjs: boolean): string | null {
  if (id.startsWith(EMPTY_PREFIX)) return placeholderCode('empty', id.slice(EMPTY_PREFIX.length), commonjs);
  if (id.startsWith(MISSING_PREFIX)) return placeholderCode('missing', id.slice(MISSING_PREFIX.length), commonjs);
  const tunnelModule = TUNNEL_MODULES.find((name) => id === TUNNEL_PREFIX + name);
  return tunnelModule === undefined ? null : tunnelModuleCode(tunnelModule, gateway);
}

/** The id a target resolves to, for every kind but 'package' (which needs a resolver). */
function virtualOrFile(target: Exclude<BuiltinTarget, { kind: 'package' }>, id: string): string {
  switch (target.kind) {
    case 'tunnel':
      return TUNNEL_PREFIX + target.name;
    case 'client':
      return clientFile(target.name);
    case 'empty':
      return EMPTY_PREFIX + id.replace(/^node:/, '');
    case 'missing':
      return MISSING_PREFIX + id;
    default:
      return assertNever(target);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected built-in target ${JSON.stringify(value)}`);
}

/** The resolve/load half, shared by the app's plugin and the one Vite runs for worker bundles. */
function builtinsPlugin(gateway: string | undefined, crypto: CryptoChoice): Plugin {
  const table = builtinTable(crypto);
  let serving = false;
  return {
    name: 'sockway:builtins',
    // Before vite:resolve, which would turn a builtin into an empty browser stub.
    enforce: 'pre',
    // Server-side code (SSR) keeps Node's own modules.
    applyToEnvironment: (environment) => environment.config.consumer === 'client',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    async resolveId(id, _importer, options) {
      const target = lookupBuiltin(table, id);
      if (target === undefined) return null;
      if (target.kind !== 'package') return virtualOrFile(target, id);
      // As if sockway's client imported it: Vite applies browser fields and, in dev,
      // finds the pre-bundled copy (optimizeDeps.include below).
      const resolved = await this.resolve(target.request, CLIENT_IMPORTER, { ...options, skipSelf: true });
      if (resolved === null) this.error(`sockway: cannot resolve '${target.request}' (for '${id}') from ${CLIENT_IMPORTER}; is sockway installed completely?`);
      return resolved;
    },
    load(id) {
      return loadVirtual(id, gateway, !serving);
    },
  };
}

/**
 * The same table for Vite's dependency pre-bundler (dev), which resolves with its own
 * resolver rather than the app's plugins. The shared-instance built-ins (net, tls, dns)
 * stay imports there (optimizeDeps.exclude), resolved in the browser by builtinsPlugin.
 */
function prebundlePlugin(crypto: CryptoChoice): Rolldown.Plugin {
  const table = builtinTable(crypto);
  const shared = new Set<string>(SHARED_INSTANCE_BUILTINS);
  return {
    name: 'sockway:builtins-prebundle',
    async resolveId(id, _importer, options) {
      if (shared.has(id)) return null;
      const target = lookupBuiltin(table, id);
      if (target === undefined) return null;
      if (target.kind !== 'package') return virtualOrFile(target, id);
      return this.resolve(target.request, CLIENT_IMPORTER, { ...options, skipSelf: true });
    },
    load(id) {
      return loadVirtual(id, undefined, true);
    },
  };
}

/**
 * Minified builds keep functions' and classes' `name` unless the app chose otherwise: Node
 * code reads it (ldapjs names its search events after its message classes, so a renamed
 * class loses every search result). It costs 3 to 5% of a page's gzip size.
 */
function keepNamesUnlessSet(output: unknown): { output?: { keepNames: true } } {
  if (Array.isArray(output)) return {};
  if (output !== undefined && (output as { keepNames?: unknown }).keepNames !== undefined) return {};
  return { output: { keepNames: true } };
}

/** Creates the sockway Vite plugin. */
export function sockway(options: SockwayPluginOptions = {}): Plugin {
  const { gateway, globals, crypto } = resolveOptions(options, 'sockway()');
  const plugin = builtinsPlugin(gateway, crypto);
  return {
    ...plugin,
    config(user?: UserConfig): UserConfig {
      // Rolldown's inject (as esbuild's): a free `Buffer`/`process`/… becomes an import.
      const inject: Record<string, string | [string, string]> = {};
      for (const [name, source] of Object.entries(injectedGlobals())) inject[name] = source.export === 'default' ? source.file : [source.file, source.export];
      const transform = globals ? { transform: { inject } } : {};
      // Installed, sockway's own CommonJS dependencies are only reachable through it, and
      // its modules (excluded below) are served as they are: everything they import must
      // be pre-bundled, or a CommonJS package reaches the page raw.
      const insideNodeModules = /[\\/]node_modules[\\/]/.test(CLIENT_IMPORTER);
      const packages = [...new Set(['buffer', ...Object.values(PACKAGE_BUILTINS), ...clientDependencies(CLIENT_DIR)])];
      const include = packages.map((dep) => (insideNodeModules ? `sockway > ${dep}` : dep));
      return {
        optimizeDeps: {
          // Pre-bundled dependencies keep `net` (and tls, dns) as an import that this plugin
          // resolves in the browser, so they share the app's instance (and its configure()).
          exclude: [...SHARED_INSTANCE_BUILTINS, 'sockway'],
          include,
          rolldownOptions: { ...transform, output: { keepNames: true }, plugins: [prebundlePlugin(crypto)] },
        },
        build: { rolldownOptions: { ...transform, ...keepNamesUnlessSet(user?.build?.rolldownOptions?.output) } },
        worker: { plugins: () => [builtinsPlugin(gateway, crypto)], rolldownOptions: { ...transform, ...keepNamesUnlessSet(user?.worker?.rolldownOptions?.output) } },
      };
    },
  };
}
