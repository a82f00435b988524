/**
 * The Vite plugin's hooks in isolation. What they do inside Vite (dev pre-bundling,
 * build, workers) is covered in Chromium by e2e/vite-plugin.e2e.ts and the e2e page.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Plugin, UserConfig } from 'vite';
import sockwayDefault, { sockway } from './index.ts';

type Hook = (this: unknown, ...args: unknown[]) => unknown;
const call = (plugin: Plugin, hook: 'resolveId' | 'load' | 'config', ...args: unknown[]): unknown => (plugin[hook] as unknown as Hook).call({}, ...args);

test('the default export is the named one', () => {
  assert.equal(sockwayDefault, sockway);
});

test('rejects a gateway that is not a non-empty string', () => {
  assert.throws(() => sockway({ gateway: '' }), { name: 'TypeError', message: /options\.gateway must be a non-empty URL string, got ""/ });
  assert.throws(() => sockway({ gateway: 42 as unknown as string }), { name: 'TypeError' });
});

test('resolves net and node:net, and nothing else, before Vite turns builtins into stubs', () => {
  const plugin = sockway({ gateway: 'ws://localhost:8080/sockway' });
  assert.equal(plugin.enforce, 'pre');
  assert.equal(call(plugin, 'resolveId', 'net'), '\0sockway:net');
  assert.equal(call(plugin, 'resolveId', 'node:net'), '\0sockway:net');
  for (const other of ['net/', 'netx', 'node:tls', 'sockway/net', './net']) assert.equal(call(plugin, 'resolveId', other), null, other);
});

test('the net module binds the gateway as a default that configure() can replace', () => {
  const code = call(sockway({ gateway: 'ws://localhost:8080/sock"way' }), 'load', '\0sockway:net') as string;
  assert.match(code, /^import net from ".*[\\/]client[\\/]net-entry\.ts";$/m);
  assert.match(code, /^if \(getDefaultTunnel\(\) === null\) configure\(\{ url: toWebSocketUrl\("ws:\/\/localhost:8080\/sock\\"way"\) \}\);$/m);
  assert.match(code, /^export \* from ".*net-entry\.ts";\nexport default net;$/m);
  const netEntry = /^import net from (".*");$/m.exec(code)?.[1];
  assert.equal(call(sockway(), 'load', '\0sockway:net'), `import net from ${netEntry};\nexport * from ${netEntry};\nexport default net;\n`, 'no gateway: no configure()');
  assert.equal(call(sockway(), 'load', '/src/main.ts'), null);
});

test('server-side environments (SSR) keep Node net', () => {
  const plugin = sockway();
  const applies = plugin.applyToEnvironment as (environment: { config: { consumer: string } }) => boolean;
  assert.equal(applies({ config: { consumer: 'client' } }), true);
  assert.equal(applies({ config: { consumer: 'server' } }), false);
});

test('config: pre-bundled dependencies import net from the app, get Buffer and process injected', () => {
  const config = call(sockway(), 'config') as UserConfig;
  assert.deepEqual(config.optimizeDeps?.exclude, ['net', 'node:net', 'sockway']);
  assert.deepEqual(config.optimizeDeps?.include, ['buffer', 'process', 'readable-stream', 'events']);
  const inject = (config.optimizeDeps?.rolldownOptions as { transform: { inject: { Buffer: [string, string]; process: string } } }).transform.inject;
  assert.equal(inject.Buffer[1], 'Buffer');
  assert.match(inject.Buffer[0], /node_modules[\\/]buffer[\\/]index\.js$/);
  assert.match(inject.process, /node_modules[\\/]process[\\/]browser\.js$/);
  assert.ok(existsSync(inject.Buffer[0]) && existsSync(inject.process));
  assert.deepEqual(config.build?.rolldownOptions, config.optimizeDeps?.rolldownOptions, 'vite build injects the same');
  assert.deepEqual(config.worker?.rolldownOptions, config.optimizeDeps?.rolldownOptions, 'and so do worker bundles');
  const workerPlugins = (config.worker?.plugins as () => Plugin[])();
  assert.deepEqual(workerPlugins.map((p) => p.name), ['sockway:net']);
  assert.equal(workerPlugins[0]?.config, undefined, 'the worker copy adds no config of its own');
});

test('config with globals: false injects nothing', () => {
  const config = call(sockway({ globals: false }), 'config') as UserConfig;
  assert.deepEqual(config.optimizeDeps?.rolldownOptions, {});
  assert.deepEqual(config.build?.rolldownOptions, {});
});
