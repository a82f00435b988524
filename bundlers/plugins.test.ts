/**
 * What the esbuild and webpack plugins share with the Vite plugin: the options, the
 * injected globals, and the shims the built-in table names, exported for other bundlers.
 * They run in real builds in e2e/esbuild-recipe.e2e.ts and e2e/webpack-recipe.e2e.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { UserConfig } from 'vite';
import { builtinTable } from '../vite/builtins.ts';
import { sockway as vitePlugin } from '../vite/plugin.ts';
import { globalModuleCode, injectedGlobals } from './common.ts';
import esbuildPlugin from './esbuild.ts';
import webpackPlugin from './webpack.ts';

test('every plugin checks its options the same way', () => {
  for (const plugin of [vitePlugin, esbuildPlugin, webpackPlugin] as const) {
    assert.throws(() => plugin({ gateway: '' }), { name: 'TypeError', message: /options\.gateway must be a non-empty URL string, got ""/ });
    assert.throws(() => plugin({ crypto: 'yes' as unknown as 'basic' }), { name: 'TypeError', message: `sockway(): options.crypto must be 'basic', 'full' or false, got "yes"` });
  }
});

test('the globals esbuild and webpack inject are the ones Vite injects, each from a module exporting only it', () => {
  const config = (vitePlugin().config as () => UserConfig)();
  const inject = (config.build?.rolldownOptions as { transform: { inject: Record<string, unknown> } }).transform.inject;
  const globals = injectedGlobals();
  assert.deepEqual(Object.keys(globals), Object.keys(inject));
  for (const source of Object.values(globals)) assert.ok(existsSync(source.file), source.file);
  assert.equal(globalModuleCode('process', { file: '/x/browser.js', export: 'default' }), 'export { default as process } from "/x/browser.js";\n');
});

test('every built-in the table maps to a sockway module is exported as sockway/shims/<built-in>', () => {
  const { exports } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { default: string }> };
  for (const crypto of ['basic', 'full'] as const) {
    for (const [specifier, target] of builtinTable(crypto)) {
      if (target.kind !== 'client' || specifier.startsWith('node:')) continue;
      const exported = exports[`./shims/${specifier}`];
      // crypto: 'full' is sockway/crypto, its own export.
      if (crypto === 'full' && specifier === 'crypto') assert.equal(exports['./crypto']?.default, `./dist/client/${target.name}.js`);
      else assert.equal(exported?.default, `./dist/client/${target.name}.js`, `sockway/shims/${specifier}`);
    }
  }
});

test('minified builds keep function and class names, which Node libraries dispatch on (mysql: Packet.name)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockway-keep-names-'));
  try {
    writeFileSync(join(dir, 'entry.js'), 'function HandshakePacket() {}\nclass ResultSetPacket {}\nglobalThis.names = [HandshakePacket.name, ResultSetPacket.name];\n');
    const esbuild = await import('esbuild');
    const built = await esbuild.build({ entryPoints: [join(dir, 'entry.js')], bundle: true, minify: true, write: false, plugins: [esbuildPlugin()] });
    const esbuildOutput = built.outputFiles[0]?.text ?? '';
    const { default: webpack } = await import('webpack');
    const stats = await new Promise<{ hasErrors(): boolean; toString(): string }>((resolve, reject) => {
      webpack({ mode: 'production', context: dir, entry: './entry.js', output: { path: join(dir, 'out'), filename: 'main.js' }, plugins: [webpackPlugin({ globals: false })] }, (error, result) => (error || result === undefined ? reject(error ?? new Error('no stats')) : resolve(result)));
    });
    assert.equal(stats.hasErrors(), false, stats.toString());
    const webpackOutput = readFileSync(join(dir, 'out', 'main.js'), 'utf8');
    for (const output of [esbuildOutput, webpackOutput]) {
      const names: unknown[] = [];
      new Function('globalThis', output)({ set names(value: unknown[]) { names.push(...value); } });
      assert.deepEqual(names, ['HandshakePacket', 'ResultSetPacket']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
