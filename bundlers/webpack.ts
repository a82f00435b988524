/**
 * `sockway/webpack`: the webpack 5 plugin. The same built-ins as the Vite plugin
 * (vite/builtins.ts: `net`, `tls` and `dns` become sockway's, bound to the gateway; the
 * other Node built-ins browser implementations) and the same injected globals.
 *
 *   import sockway from 'sockway/webpack';
 *   export default { entry: './main.js', plugins: [sockway({ gateway: '/sockway' })] };
 */
import type { Compiler, WebpackPluginInstance } from 'webpack';
import { type BuiltinTarget, builtinTable, lookupBuiltin } from '../vite/builtins.ts';
import { CLIENT_DIR, type SockwayPluginOptions, clientFile, globalModuleCode, injectedGlobals, placeholderCode, resolveOptions, tunnelModuleCode } from './common.ts';

export type { SockwayPluginOptions } from './common.ts';

const NAME = 'sockway';

/**
 * A generated module, as a data: URI (webpack reads those natively). `application/node`
 * makes it 'javascript/auto': CommonJS (`module.exports`) or ESM, as the code is.
 */
function dataModule(code: string): string {
  return `data:application/node;base64,${Buffer.from(code).toString('base64')}`;
}

/** The request a built-in becomes, and the folder it is resolved from. */
function replacement(target: BuiltinTarget, id: string, gateway: string | undefined): { request: string; context?: string } {
  switch (target.kind) {
    case 'tunnel':
      return { request: gateway === undefined ? clientFile(target.name) : dataModule(tunnelModuleCode(target.name, gateway)) };
    case 'client':
      return { request: clientFile(target.name) };
    case 'package':
      // As if sockway's client imported it: its own dependency, with browser fields.
      return { request: target.request, context: CLIENT_DIR };
    case 'empty':
    case 'missing':
      return { request: dataModule(placeholderCode(target.kind, id.replace(/^node:/, ''), true)) };
    default:
      return assertNever(target);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected built-in target ${JSON.stringify(value)}`);
}

/**
 * Node libraries dispatch on Function.name (mysql finds packet parsers by `Packet.name`),
 * so webpack's own minimizer keeps function and class names, unless the app configured
 * its JavaScript minification itself.
 */
function keepNames(compiler: Compiler): void {
  const optimization = compiler.options.optimization as { minimizeOptions?: { javascript?: unknown } };
  optimization.minimizeOptions ??= {};
  optimization.minimizeOptions.javascript ??= { compress: { passes: 2 }, keepFnames: true, keepClassnames: true };
}

/** Creates the sockway webpack plugin. */
export function sockway(options: SockwayPluginOptions = {}): WebpackPluginInstance {
  const { gateway, globals, crypto } = resolveOptions(options, 'sockway()');
  const table = builtinTable(crypto);
  return {
    apply(compiler: Compiler): void {
      keepNames(compiler);
      compiler.hooks.normalModuleFactory.tap(NAME, (factory) => {
        // Before resolving, so `node:net` never reaches webpack's scheme handling.
        factory.hooks.beforeResolve.tap(NAME, (data) => {
          const target = lookupBuiltin(table, data.request);
          if (target === undefined) return;
          const { request, context } = replacement(target, data.request, gateway);
          data.request = request;
          if (context !== undefined) data.context = context;
        });
      });
      if (!globals) return;
      // A free `Buffer`/`process`/… becomes an import of a module whose only export it is.
      const provide: Record<string, [string, string]> = {};
      for (const [name, source] of Object.entries(injectedGlobals())) provide[name] = [dataModule(globalModuleCode(name, source)), name];
      new compiler.webpack.ProvidePlugin(provide).apply(compiler);
    },
  };
}

export default sockway;
