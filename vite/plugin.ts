/**
 * The `sockway/vite` plugin: `net`, `node:net` and `require('net')`, in the app and in
 * its dependencies (dev pre-bundling, build, workers), become sockway's `net` bound to
 * one gateway; dependencies that use the `Buffer` and `process` globals get the npm
 * `buffer` and `process` packages, the ones sockway itself runs on.
 *
 *   import sockway from 'sockway/vite';
 *   export default { plugins: [sockway({ gateway: 'ws://localhost:8080/sockway' })] };
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';

/** Options of the sockway Vite plugin. */
export interface SockwayPluginOptions {
  /**
   * The gateway's WebSocket URL. A path ('/sockway') or an http(s) URL is resolved
   * against the page at run time (http → ws, https → wss). Without it, call
   * `configure({ url })` from 'sockway' before the first connect.
   */
  readonly gateway?: string;
  /** Provide `Buffer` and `process` to code that uses them as globals (default true). */
  readonly globals?: boolean;
}

/** The id `net` resolves to; `\0` keeps other plugins off it (the Rollup convention). */
const NET_ID = '\0sockway:net';
const NET_SPECIFIERS = new Set(['net', 'node:net']);

// This file runs as vite/plugin.ts in the repository and as dist/vite/plugin.js when
// installed; the client modules sit beside it with the same extension.
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
function clientFile(name: string): string {
  return fileURLToPath(new URL(`../client/${name}${EXTENSION}`, import.meta.url));
}

/** Where the shims live: resolved from the client, as its own imports resolve them. */
function shimFiles(): { buffer: string; process: string } {
  const require = createRequire(clientFile('net-entry'));
  return { buffer: require.resolve('buffer/'), process: require.resolve('process/browser.js') };
}

/** The module `net` resolves to: sockway/net, bound to the gateway when one is given. */
function netModuleCode(gateway: string | undefined): string {
  const netEntry = JSON.stringify(clientFile('net-entry'));
  const lines = [`import net from ${netEntry};`];
  if (gateway !== undefined) {
    lines.push(
      `import { configure, getDefaultTunnel } from ${JSON.stringify(clientFile('config'))};`,
      `import { toWebSocketUrl } from ${JSON.stringify(clientFile('gateway-url'))};`,
      // A configure() that ran first (or runs later) wins: this is only the default.
      `if (getDefaultTunnel() === null) configure({ url: toWebSocketUrl(${JSON.stringify(gateway)}) });`,
    );
  }
  lines.push(`export * from ${netEntry};`, 'export default net;');
  return `${lines.join('\n')}\n`;
}

/** The resolve/load half, shared by the app's plugin and the one Vite runs for worker bundles. */
function netAliasPlugin(gateway: string | undefined): Plugin {
  return {
    name: 'sockway:net',
    // Before vite:resolve, which would turn the builtin into an empty browser stub.
    enforce: 'pre',
    // Server-side code (SSR) keeps Node's own net.
    applyToEnvironment: (environment) => environment.config.consumer === 'client',
    resolveId(id) {
      return NET_SPECIFIERS.has(id) ? NET_ID : null;
    },
    load(id) {
      return id === NET_ID ? netModuleCode(gateway) : null;
    },
  };
}

/** Creates the sockway Vite plugin. */
export function sockway(options: SockwayPluginOptions = {}): Plugin {
  const { gateway, globals = true } = options;
  if (gateway !== undefined && (typeof gateway !== 'string' || gateway === '')) {
    throw new TypeError(`sockway(): options.gateway must be a non-empty URL string, got ${JSON.stringify(gateway)}`);
  }
  const plugin = netAliasPlugin(gateway);
  return {
    ...plugin,
    config(): UserConfig {
      const shims = shimFiles();
      // Rolldown's inject (as esbuild's): a free `Buffer`/`process` becomes an import.
      const transform = globals ? { transform: { inject: { Buffer: [shims.buffer, 'Buffer'] as [string, string], process: shims.process } } } : {};
      // Installed, sockway's own CommonJS dependencies are only reachable through it.
      const insideNodeModules = /[\\/]node_modules[\\/]/.test(clientFile('net-entry'));
      const include = ['buffer', 'process', 'readable-stream', 'events'].map((dep) => (insideNodeModules ? `sockway > ${dep}` : dep));
      return {
        optimizeDeps: {
          // Pre-bundled dependencies keep `net` as an import that this plugin resolves
          // in the browser, so they share the app's instance (and its configure()).
          exclude: ['net', 'node:net', 'sockway'],
          include,
          rolldownOptions: { ...transform },
        },
        build: { rolldownOptions: { ...transform } },
        worker: { plugins: () => [netAliasPlugin(gateway)], rolldownOptions: { ...transform } },
      };
    },
  };
}
