/**
 * The built-in shims the Vite plugin serves for `buffer` and `diagnostics_channel`:
 * the same shapes as Node's modules where libraries read them.
 */
import assert from 'node:assert/strict';
import * as nodeBuffer from 'node:buffer';
import * as nodeDiagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { Buffer as NpmBuffer } from 'buffer/index.js';
import buffer, * as bufferShim from './buffer.ts';
import diagnostics, * as dc from './diagnostics-channel.ts';

test('buffer: npm Buffer plus Node\'s constants, kMaxLength and the web globals', () => {
  assert.equal(bufferShim.Buffer, NpmBuffer, 'the Buffer sockway sockets emit');
  assert.equal(buffer.Buffer, NpmBuffer);
  assert.deepEqual(Object.keys(bufferShim.constants).sort(), Object.keys(nodeBuffer.constants).sort());
  assert.equal(bufferShim.constants.MAX_STRING_LENGTH, nodeBuffer.constants.MAX_STRING_LENGTH, "V8's limit, as in Node on 64-bit");
  assert.equal(bufferShim.constants.MAX_LENGTH, bufferShim.kMaxLength);
  assert.equal(bufferShim.kStringMaxLength, nodeBuffer.kStringMaxLength);
  assert.equal(typeof bufferShim.SlowBuffer, 'function');
  assert.equal(bufferShim.INSPECT_MAX_BYTES, 50);
  assert.equal(bufferShim.atob('aGk='), 'hi');
  assert.equal(bufferShim.btoa('hi'), 'aGk=');
  assert.equal(bufferShim.Blob, globalThis.Blob);
  assert.ok(Object.isFrozen(bufferShim.constants));
});

test('diagnostics_channel: one channel per name, subscribe/publish/unsubscribe as in Node', () => {
  for (const module of [dc, nodeDiagnostics] as const) {
    const name = `sockway-test-${module === dc ? 'shim' : 'node'}`;
    const channel = module.channel(name);
    assert.equal(module.channel(name), channel);
    assert.equal(channel.hasSubscribers, false);
    assert.equal(module.hasSubscribers(name), false);
    const seen: unknown[] = [];
    const listener = (message: unknown, channelName: string | symbol): void => {
      seen.push([message, channelName]);
    };
    module.subscribe(name, listener);
    assert.equal(channel.hasSubscribers, true);
    assert.equal(module.hasSubscribers(name), true);
    channel.publish({ n: 1 });
    assert.equal(module.unsubscribe(name, listener), true);
    assert.equal(module.unsubscribe(name, listener), false);
    channel.publish({ n: 2 });
    assert.deepEqual(seen, [[{ n: 1 }, name]]);
  }
  assert.equal(diagnostics.channel, dc.channel);
});

test('diagnostics_channel: tracingChannel has no subscribers and just runs the traced function', async () => {
  const tracing = dc.tracingChannel('ioredis:command');
  assert.equal(tracing.hasSubscribers, false);
  tracing.subscribe({});
  assert.equal(tracing.hasSubscribers, false);
  const self = { base: 40 };
  assert.equal(tracing.traceSync(function (this: typeof self, n: unknown) { return this.base + (n as number); }, {}, self, 2), 42);
  assert.equal(await tracing.tracePromise(async (n: unknown) => (n as number) * 2, {}, undefined, 21), 42);
  assert.equal(tracing.traceCallback((a: unknown, b: unknown) => `${String(a)}${String(b)}`, -1, {}, undefined, 'x', 'y'), 'xy');
});

test('path shim: the same answers as node:path.posix (cwd /)', async () => {
  const nodePath = await import('node:path');
  const shim = await import('./path.ts');
  const cases = ['', '.', '/', 'a', '/a/b/', 'a/./b/../c', '../../x', '/../x', 'a//b', '/a/b.c.d', '.hidden', 'a/b/', 'file.', '/x/y/..'];
  for (const p of cases) {
    assert.equal(shim.normalize(p), nodePath.posix.normalize(p), `normalize ${JSON.stringify(p)}`);
    assert.equal(shim.dirname(p), nodePath.posix.dirname(p), `dirname ${JSON.stringify(p)}`);
    assert.equal(shim.basename(p), nodePath.posix.basename(p), `basename ${JSON.stringify(p)}`);
    assert.equal(shim.extname(p), nodePath.posix.extname(p), `extname ${JSON.stringify(p)}`);
    assert.equal(shim.isAbsolute(p), nodePath.posix.isAbsolute(p));
  }
  assert.equal(shim.basename('/a/b.txt', '.txt'), 'b');
  for (const parts of [['/a', 'b', '../c'], ['a', '', 'b'], ['/', '..', 'util/pagent.exe'], ['x', '/y', 'z']]) {
    assert.equal(shim.join(...parts), nodePath.posix.join(...parts), `join ${parts.join(',')}`);
    assert.equal(shim.resolve(...parts), nodePath.posix.resolve('/', ...parts), `resolve ${parts.join(',')}`);
  }
  assert.equal(shim.relative('/a/b/c', '/a/d'), nodePath.posix.relative('/a/b/c', '/a/d'));
  assert.equal(shim.default['posix'], shim.default);
});

test("buffer shim: Node's per-encoding methods (utf8Write, latin1Slice, …) on npm Buffer", async () => {
  const { Buffer: ShimBuffer } = await import('./buffer.ts');
  const b = ShimBuffer.alloc(8) as unknown as Record<string, (...args: unknown[]) => unknown> & Uint8Array;
  assert.equal(b['utf8Write']?.('hé', 1), 3);
  assert.deepEqual([...b.subarray(0, 4)], [0, 0x68, 0xc3, 0xa9]);
  assert.equal(b['utf8Slice']?.(1, 4), 'hé');
  assert.equal(b['latin1Slice']?.(2, 4), '\u00c3\u00a9');
  assert.equal(b['hexSlice']?.(1, 4), '68c3a9');
  assert.equal(b['base64Slice']?.(1, 4), Buffer.from('hé').toString('base64'));
  assert.equal(b['latin1Write']?.('\u00ff', 0), 1);
  assert.equal(b[0], 0xff);
});

test('zlib and http shims load the way ssh2 uses them and refuse real use', async () => {
  const zlib = await import('./zlib.ts');
  const handle = zlib.createInflate()._handle;
  const Handle = handle.constructor as new () => unknown;
  assert.throws(() => new Handle(), { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' });
  assert.equal(zlib.constants.Z_PARTIAL_FLUSH, (await import('node:zlib')).constants.Z_PARTIAL_FLUSH);
  const http = await import('./http.ts');
  class SubAgent extends http.Agent {}
  assert.deepEqual(new SubAgent({ keepAlive: true }).options, { keepAlive: true });
  assert.throws(() => http.request(), { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' });
});
