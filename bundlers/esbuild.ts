/**
 * `sockway/esbuild`: the esbuild plugin. The same built-ins as the Vite plugin
 * (vite/builtins.ts: `net`, `tls` and `dns` become sockway's, bound to the gateway; the
 * other Node built-ins browser implementations) and the same injected globals.
 *
 *   import sockway from 'sockway/esbuild';
 *   await esbuild.build({ entryPoints: ['main.js'], bundle: true, outdir: 'dist', plugins: [sockway({ gateway: '/sockway' })] });
 */
import type { Plugin } from 'esbuild';
import { type BuiltinTarget, builtinTable, lookupBuiltin } from '../vite/builtins.ts';
import { CLIENT_DIR, type SockwayPluginOptions, clientFile, globalModuleCode, injectedGlobals, placeholderCode, resolveOptions, tunnelModuleCode } from './common.ts';

export type { SockwayPluginOptions } from './common.ts';

/** The namespace of the plugin's generated modules. */
const NAMESPACE = 'sockway';
/** Marks the plugin's own resolve() calls, which must not be answered by the plugin again. */
const OWN_RESOLVE = Symbol('sockway');

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Creates the sockway esbuild plugin. */
export function sockway(options: SockwayPluginOptions = {}): Plugin {
  const { gateway, globals, crypto } = resolveOptions(options, 'sockway()');
  const table = builtinTable(crypto);
  const sources = injectedGlobals();
  // Only the table's names (and native addons) reach the plugin's callbacks.
  const filter = new RegExp(`^(?:${[...table.keys()].map(escape).join('|')})$|\\.node$`);
  return {
    name: 'sockway',
    setup(build) {
      const initial = build.initialOptions;
      initial.platform ??= 'browser';
      // Node libraries dispatch on Function.name (mysql finds packet parsers by
      // `Packet.name`): minified names broke its handshake.
      initial.keepNames ??= true;
      // A free `Buffer`/`process`/… becomes an import of a module whose only export it is.
      if (globals) initial.inject = [...(initial.inject ?? []), ...Object.keys(sources).map((name) => `sockway-global:${name}`)];

      build.onResolve({ filter: /^sockway-global:/ }, (args) => ({ path: args.path.slice('sockway-global:'.length), namespace: `${NAMESPACE}-global` }));
      build.onLoad({ filter: /.*/, namespace: `${NAMESPACE}-global` }, (args) => {
        const source = sources[args.path];
        return source === undefined ? undefined : { contents: globalModuleCode(args.path, source), loader: 'js', resolveDir: CLIENT_DIR };
      });

      build.onResolve({ filter }, async (args) => {
        if (args.pluginData === OWN_RESOLVE) return undefined;
        const target = lookupBuiltin(table, args.path);
        if (target === undefined) return undefined;
        switch (target.kind) {
          case 'tunnel':
            return gateway === undefined ? { path: clientFile(target.name) } : { path: target.name, namespace: NAMESPACE, pluginData: target };
          case 'client':
            return { path: clientFile(target.name) };
          case 'package': {
            // As if sockway's client imported it: its own dependency, with browser fields.
            const resolved = await build.resolve(target.request, { kind: args.kind, resolveDir: CLIENT_DIR, pluginData: OWN_RESOLVE });
            if (resolved.errors.length > 0) return { errors: [{ text: `sockway: cannot resolve '${target.request}' (for '${args.path}') from ${CLIENT_DIR}; is sockway installed completely?` }] };
            return { path: resolved.path, namespace: resolved.namespace, sideEffects: resolved.sideEffects };
          }
          case 'empty':
          case 'missing':
            return { path: args.path.replace(/^node:/, ''), namespace: NAMESPACE, pluginData: target };
          default:
            return undefined;
        }
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const target = args.pluginData as Extract<BuiltinTarget, { kind: 'tunnel' | 'empty' | 'missing' }>;
        const contents = target.kind === 'tunnel' ? tunnelModuleCode(target.name, gateway) : placeholderCode(target.kind, args.path, true);
        return { contents, loader: 'js', resolveDir: CLIENT_DIR };
      });
    },
  };
}

export default sockway;
