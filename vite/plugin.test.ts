/**
 * The Vite plugin's hooks in isolation. What they do inside Vite (dev pre-bundling,
 * build, workers) is covered in Chromium by e2e/vite-plugin.e2e.ts, the e2e page and
 * the client-library apps (e2e/clients).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Plugin, Rolldown, UserConfig } from 'vite';
import { EMPTY_BUILTINS, PACKAGE_BUILTINS, builtinTable } from './builtins.ts';
import { bareImports, clientDependencies } from './client-dependencies.ts';
import sockwayDefault, { sockway } from './index.ts';

type Hook = (this: unknown, ...args: unknown[]) => unknown;
type HookName = 'resolveId' | 'load' | 'config' | 'configResolved';
const call = (plugin: Plugin | Rolldown.Plugin, hook: HookName, ...args: unknown[]): unknown => ((plugin as unknown as Record<string, unknown>)[hook] as Hook).call(context, ...args);

const CLIENT = fileURLToPath(new URL('../client/', import.meta.url));
const NET_ENTRY = `${CLIENT}net-entry.ts`;

/** A plugin context whose resolve() echoes what it was asked, as Vite's would resolve it. */
const resolveCalls: { request: string; importer: string; skipSelf: boolean }[] = [];
const context = {
  resolve: async (request: string, importer: string, options: { skipSelf?: boolean }) => {
    resolveCalls.push({ request, importer, skipSelf: options.skipSelf === true });
    return { id: `/resolved/${request}` };
  },
  error: (message: string): never => {
    throw new Error(message);
  },
};

async function resolve(plugin: Plugin | Rolldown.Plugin, id: string): Promise<unknown> {
  return call(plugin, 'resolveId', id, '/app/src/main.ts', { kind: 'import-statement' });
}

test('the default export is the named one', () => {
  assert.equal(sockwayDefault, sockway);
});

test('rejects a gateway that is not a non-empty string, and an unknown crypto choice', () => {
  assert.throws(() => sockway({ gateway: '' }), { name: 'TypeError', message: /options\.gateway must be a non-empty URL string, got ""/ });
  assert.throws(() => sockway({ gateway: 42 as unknown as string }), { name: 'TypeError' });
  assert.throws(() => sockway({ crypto: 'yes' as unknown as 'basic' }), { name: 'TypeError', message: `sockway(): options.crypto must be 'basic', 'full' or false, got "yes"` });
});

test('net, tls, dns and dns/promises (bare and node:) become virtual modules that bind the gateway', async () => {
  const plugin = sockway({ gateway: 'ws://localhost:8080/sockway' });
  assert.equal(plugin.enforce, 'pre');
  const expected: Record<string, string> = { net: 'net-entry', tls: 'tls', dns: 'dns', 'dns/promises': 'dns-promises' };
  for (const [specifier, name] of Object.entries(expected)) {
    assert.equal(await resolve(plugin, specifier), `\0sockway:${name}`, specifier);
    assert.equal(await resolve(plugin, `node:${specifier}`), `\0sockway:${name}`, `node:${specifier}`);
  }
  for (const other of ['net/', 'netx', 'sockway/net', './net', 'tls/x', 'dnsx', 'http2', 'zlibx', 'pg']) assert.equal(await resolve(plugin, other), null, other);
});

test('the tunnel modules re-export sockway\'s, with the gateway as a default that configure() can replace', () => {
  for (const name of ['net-entry', 'tls', 'dns', 'dns-promises']) {
    const code = call(sockway({ gateway: 'ws://localhost:8080/sock"way' }), 'load', `\0sockway:${name}`) as string;
    const file = JSON.stringify(`${CLIENT}${name}.ts`);
    assert.match(code, /^import \{ configure, getDefaultTunnel \} from ".*[\\/]client[\\/]config\.ts";$/m);
    assert.match(code, /^if \(getDefaultTunnel\(\) === null\) configure\(\{ url: toWebSocketUrl\("ws:\/\/localhost:8080\/sock\\"way"\) \}\);$/m);
    assert.ok(code.endsWith(`export * from ${file};\nexport { default } from ${file};\n`), code);
    assert.equal(call(sockway(), 'load', `\0sockway:${name}`), `export * from ${file};\nexport { default } from ${file};\n`, 'no gateway: no configure()');
  }
  assert.equal(call(sockway(), 'load', '/src/main.ts'), null);
  assert.equal(call(sockway(), 'load', '\0sockway:other'), null);
});

test('buffer, diagnostics_channel and crypto are sockway modules; crypto follows the option', async () => {
  const plugin = sockway();
  for (const prefix of ['', 'node:']) {
    assert.equal(await resolve(plugin, `${prefix}buffer`), `${CLIENT}shims/buffer.ts`);
    assert.equal(await resolve(plugin, `${prefix}diagnostics_channel`), `${CLIENT}shims/diagnostics-channel.ts`);
    assert.equal(await resolve(plugin, `${prefix}crypto`), `${CLIENT}crypto/basic.ts`);
    assert.equal(await resolve(sockway({ crypto: 'full' }), `${prefix}crypto`), `${CLIENT}crypto/full.ts`);
    assert.equal(await resolve(sockway({ crypto: false }), `${prefix}crypto`), null, 'crypto: false leaves it to Vite');
  }
});

test('the other built-ins resolve to npm packages as if sockway\'s client imported them', async () => {
  const plugin = sockway();
  resolveCalls.length = 0;
  assert.deepEqual(await resolve(plugin, 'stream'), { id: '/resolved/readable-stream' });
  assert.deepEqual(await resolve(plugin, 'node:util/types'), { id: '/resolved/util/support/types.js' });
  assert.deepEqual(await resolve(plugin, 'os'), { id: '/resolved/os-browserify' });
  assert.deepEqual(resolveCalls, [
    { request: 'readable-stream', importer: NET_ENTRY, skipSelf: true },
    { request: 'util/support/types.js', importer: NET_ENTRY, skipSelf: true },
    { request: 'os-browserify', importer: NET_ENTRY, skipSelf: true },
  ]);
});

test('every module the table names exists, and every package resolves from the client folder', () => {
  const require = createRequire(NET_ENTRY);
  for (const crypto of ['basic', 'full'] as const) {
    for (const [specifier, target] of builtinTable(crypto)) {
      if (target.kind === 'tunnel' || target.kind === 'client') assert.ok(existsSync(`${CLIENT}${target.name}.ts`), `${specifier} → client/${target.name}.ts`);
      // A trailing slash: the npm package even where Node has a built-in of that name.
      if (target.kind === 'package') assert.ok(existsSync(require.resolve(target.request.includes('/') ? target.request : `${target.request}/`)), `${specifier} → ${target.request}`);
    }
  }
  assert.deepEqual(Object.keys(PACKAGE_BUILTINS).sort(), ['assert', 'events', 'os', 'stream', 'stream/promises', 'string_decoder', 'util/types']);
});

test('what a page cannot have is an empty module: CommonJS in builds, ESM when Vite serves it', async () => {
  const plugin = sockway();
  for (const name of EMPTY_BUILTINS) {
    assert.equal(await resolve(plugin, name), `\0sockway:empty:${name}`);
    assert.equal(await resolve(plugin, `node:${name}`), `\0sockway:empty:${name}`);
  }
  assert.deepEqual([...EMPTY_BUILTINS].sort(), ['child_process', 'cluster', 'dgram', 'inspector', 'readline', 'tty', 'v8', 'vm', 'worker_threads']);
  call(plugin, 'configResolved', { command: 'build' });
  assert.equal(call(plugin, 'load', '\0sockway:empty:vm'), 'module.exports = {};\n');
  call(plugin, 'configResolved', { command: 'serve' });
  assert.equal(call(plugin, 'load', '\0sockway:empty:vm'), 'export default {};\n');
});

test('optional native addons (pg-native, cpu-features, *.node) throw MODULE_NOT_FOUND when required', async () => {
  const plugin = sockway();
  call(plugin, 'configResolved', { command: 'build' });
  for (const id of ['pg-native', 'cpu-features', '../build/Release/sshcrypto.node']) {
    const resolved = (await resolve(plugin, id)) as string;
    assert.equal(resolved, `\0sockway:missing:${id}`);
    const code = call(plugin, 'load', resolved) as string;
    const module = { exports: {} };
    // The module body, run as a CommonJS wrapper would: require() of it throws.
    assert.throws(() => new Function('module', 'exports', code)(module, module.exports), { code: 'MODULE_NOT_FOUND', message: `Cannot find module '${id}' (a native addon; not available in a browser)` });
  }
});

test('server-side environments (SSR) keep Node\'s modules', () => {
  const plugin = sockway();
  const applies = plugin.applyToEnvironment as (environment: { config: { consumer: string } }) => boolean;
  assert.equal(applies({ config: { consumer: 'client' } }), true);
  assert.equal(applies({ config: { consumer: 'server' } }), false);
});

test('config: pre-bundled dependencies keep net/tls/dns as imports, get the shims, and globals injected', async () => {
  const config = call(sockway(), 'config') as UserConfig;
  assert.deepEqual(config.optimizeDeps?.exclude, ['net', 'node:net', 'tls', 'node:tls', 'dns', 'node:dns', 'dns/promises', 'node:dns/promises', 'sockway']);
  const include = config.optimizeDeps?.include ?? [];
  assert.deepEqual(include.slice(0, 8), ['buffer', 'events', 'readable-stream', 'readable-stream/lib/stream/promises.js', 'string_decoder', 'util/support/types.js', 'assert', 'os-browserify']);
  // What sockway's own modules import: installed, they are served as they are, and the
  // buffer shim's CommonJS 'buffer/index.js' served raw was `require is not defined`.
  for (const dependency of clientDependencies(CLIENT)) assert.ok(include.includes(dependency), dependency);
  assert.ok(include.includes('buffer/index.js'));
  for (const file of ['process/browser.js', 'util/util.js', 'url/url.js']) assert.ok(include.includes(file), `${file}: a shim completes the npm package's file`);
  assert.equal(new Set(include).size, include.length, 'each once');
  const options = config.optimizeDeps?.rolldownOptions as { transform: { inject: Record<string, string | [string, string]> }; plugins: Rolldown.Plugin[] };
  const inject = options.transform.inject;
  assert.deepEqual(Object.keys(inject), ['Buffer', 'process', 'global', '__dirname', '__filename', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate']);
  assert.equal((inject['Buffer'] as [string, string])[0], `${CLIENT}shims/buffer.ts`);
  assert.deepEqual(inject['__dirname'], [`${CLIENT}shims/dirname.ts`, '__dirname']);
  assert.equal((inject['Buffer'] as [string, string])[1], 'Buffer');
  assert.equal(inject['process'], `${CLIENT}shims/process.ts`);
  assert.equal(inject['global'], `${CLIENT}shims/global.ts`);
  assert.deepEqual(inject['setImmediate'], [`${CLIENT}shims/timers.ts`, 'setImmediate']);
  assert.deepEqual(inject['setTimeout'], [`${CLIENT}shims/timers.ts`, 'setTimeout']);
  for (const value of Object.values(inject)) assert.ok(existsSync(typeof value === 'string' ? value : value[0]));
  assert.deepEqual(config.build?.rolldownOptions, { transform: options.transform, output: { keepNames: true } }, 'vite build injects the same');
  assert.deepEqual(config.worker?.rolldownOptions, { transform: options.transform, output: { keepNames: true } }, 'and so do worker bundles');
  // Function and class names survive minifying (mysql dispatches packets on Packet.name).
  assert.deepEqual((options as { output?: unknown }).output, { keepNames: true });
  const workerPlugins = (config.worker?.plugins as () => Plugin[])();
  assert.deepEqual(workerPlugins.map((p) => p.name), ['sockway:builtins']);
  assert.equal(workerPlugins[0]?.config, undefined, 'the worker copy adds no config of its own');

  // The pre-bundler's plugin: the same table, except what must stay one instance with the app.
  const [prebundle] = options.plugins;
  assert.equal(prebundle?.name, 'sockway:builtins-prebundle');
  for (const shared of ['net', 'node:tls', 'dns', 'dns/promises']) assert.equal(await resolve(prebundle!, shared), null, shared);
  assert.equal(await resolve(prebundle!, 'node:buffer'), `${CLIENT}shims/buffer.ts`);
  assert.equal(await resolve(prebundle!, 'crypto'), `${CLIENT}crypto/basic.ts`);
  assert.equal(await resolve(prebundle!, 'fs'), `${CLIENT}shims/fs.ts`);
  assert.equal(await resolve(prebundle!, 'node:vm'), '\0sockway:empty:vm');
  assert.deepEqual(await resolve(prebundle!, 'node:stream'), { id: '/resolved/readable-stream' });
  assert.equal(await resolve(prebundle!, 'left-pad'), null);
  assert.equal(call(prebundle!, 'load', '\0sockway:empty:vm'), 'module.exports = {};\n', 'pre-bundles are CommonJS-aware');
});

test('config with globals: false injects nothing; crypto: false leaves crypto to Vite in pre-bundles too', async () => {
  const config = call(sockway({ globals: false, crypto: false }), 'config') as UserConfig;
  const options = config.optimizeDeps?.rolldownOptions as { transform?: unknown; plugins: Rolldown.Plugin[] };
  assert.equal(options.transform, undefined);
  assert.deepEqual(config.build?.rolldownOptions, { output: { keepNames: true } });
  assert.equal(await resolve(options.plugins[0]!, 'crypto'), null);
});

test("config: minified builds keep names (Node code reads Function.name) unless the app's config says", () => {
  const userSays = call(sockway(), 'config', { build: { rolldownOptions: { output: { keepNames: false } } }, worker: { rolldownOptions: { output: { keepNames: false } } } }) as UserConfig;
  assert.equal(userSays.build?.rolldownOptions?.output, undefined, "the app's keepNames: false stands");
  assert.equal(userSays.worker?.rolldownOptions?.output, undefined);
  const otherOutput = call(sockway(), 'config', { build: { rolldownOptions: { output: { entryFileNames: '[name].js' } } } }) as UserConfig;
  assert.deepEqual(otherOutput.build?.rolldownOptions?.output, { keepNames: true }, 'merged by Vite with the output options the app set');
  const outputs = call(sockway(), 'config', { build: { rolldownOptions: { output: [{ format: 'es' }, { format: 'cjs' }] } } }) as UserConfig;
  assert.equal(outputs.build?.rolldownOptions?.output, undefined, 'several outputs: left as the app made them');
});

test('a package that cannot be resolved is a build error naming it', async () => {
  // A broken install: Vite's resolver finds nothing.
  const broken = { ...context, resolve: async () => null };
  await assert.rejects(async () => (sockway().resolveId as Hook).call(broken, 'os', '/app/main.ts', {}), {
    message: `sockway: cannot resolve 'os-browserify' (for 'os') from ${NET_ENTRY}; is sockway installed completely?`,
  });
});

test('bareImports: the packages a module imports, not its relative or node: imports, not its comments', () => {
  const code = [
    "/** import net from 'sockway/net'; */",
    " * from 'sockway' in a comment",
    "import * as npmBuffer from 'buffer/index.js';",
    'import {',
    '  a,',
    '  b,',
    "} from '@noble/hashes/sha2.js';",
    "export { x } from './x.js';",
    "export * from \"events\";",
    "import 'side-effect';",
    "import fs from 'node:fs';",
    "const lazy = () => import('lazy-package');",
    "const text = 'import nothing from here';",
  ].join('\n');
  assert.deepEqual(bareImports(code).sort(), ['@noble/hashes/sha2.js', 'buffer/index.js', 'events', 'lazy-package', 'side-effect']);
});
