/**
 * The `process`, `perf_hooks`, `fs` and `fs/promises` shims against Node's modules: the
 * names libraries bind at import time exist, clocks have Node's shapes, and every file
 * system call fails as a Node system call fails (ENOSYS with errno/code/syscall/path),
 * asynchronously for callbacks and promises, synchronously for …Sync.
 */
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import * as nodeFsPromises from 'node:fs/promises';
import * as nodePerfHooks from 'node:perf_hooks';
import { test } from 'node:test';
// @ts-expect-error -- the npm package ships no typings for its browser file
import npmProcess from 'process/browser.js';
import fsDefault, * as fs from './fs.ts';
import fsPromisesDefault, * as fsPromises from './fs-promises.ts';
import perfHooks, * as perf from './perf-hooks.ts';
import process from './process.ts';
import * as processNamespace from './process.ts';

test('process: the npm package\'s object, completed with hrtime, hrtime.bigint, uptime, memoryUsage, emitWarning', () => {
  assert.equal(process, npmProcess, 'one object: what sockway and readable-stream use for nextTick');
  const [seconds, nanoseconds] = process.hrtime();
  assert.ok(Number.isInteger(seconds) && seconds >= 0);
  assert.ok(Number.isInteger(nanoseconds) && nanoseconds >= 0 && nanoseconds < 1e9);
  const start = process.hrtime();
  const elapsed = process.hrtime(start);
  assert.equal(elapsed.length, 2);
  assert.ok(elapsed[0] >= 0 && elapsed[1] >= 0);
  assert.throws(() => process.hrtime([1] as unknown as [number, number]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => process.hrtime('x' as unknown as [number, number]), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  const a = process.hrtime.bigint();
  const b = process.hrtime.bigint();
  assert.equal(typeof a, 'bigint');
  assert.ok(b >= a, 'monotonic');
  assert.equal(typeof process.uptime(), 'number');
  assert.deepEqual(Object.keys(process.memoryUsage()).sort(), Object.keys(globalThis.process.memoryUsage()).sort());
  assert.equal(typeof process.memoryUsage.rss(), 'number');
  assert.equal(process.constrainedMemory(), 0, 'no constraint known');
  assert.equal(typeof process.nextTick, 'function');
});

test('process.nextTick runs before I/O and timers, in order, ticks added meanwhile included, as Node\'s', async () => {
  const order = async (tick: (callback: (...args: unknown[]) => void, ...args: unknown[]) => void): Promise<string[]> => {
    const events: string[] = [];
    const done = new Promise<void>((resolve) => setTimeout(resolve, 5));
    // A message on a channel stands for I/O (a WebSocket message in a page).
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      events.push('io');
      port1.close();
    };
    port2.postMessage(null);
    setTimeout(() => events.push('timer'), 0);
    tick((a, b) => {
      events.push(`tick ${String(a)} ${String(b)}`);
      tick(() => events.push('nested tick'));
    }, 1, 'two');
    tick(() => events.push('second tick'));
    events.push('sync');
    await done;
    return events;
  };
  const ours = await order(process.nextTick.bind(process));
  assert.deepEqual(ours.slice(0, 4), ['sync', 'tick 1 two', 'second tick', 'nested tick'], 'every tick before any I/O or timer');
  assert.deepEqual(ours.slice(0, 4), (await order(globalThis.process.nextTick.bind(globalThis.process))).slice(0, 4), "Node's order");
  for (const value of [5, null, 'x', {}]) {
    const nodeError = (() => { try { globalThis.process.nextTick(value as never); } catch (error) { return error as Error; } return undefined; })();
    assert.throws(() => process.nextTick(value as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: nodeError?.message });
  }
});

test('process.emitWarning prints the warning (a page has no stderr)', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  process.emitWarning('old API', 'DeprecationWarning', 'DEP0001');
  process.emitWarning(new Error('as an error'));
  assert.deepEqual(warn.mock.calls.map((call) => call.arguments[0]), ['(sockway) [DEP0001] DeprecationWarning: old API', '(sockway) Error: as an error']);
});

test('perf_hooks: the global performance and observer classes, and Node\'s constants', () => {
  assert.equal(perf.performance, globalThis.performance);
  assert.equal(typeof perf.performance.now(), 'number');
  assert.equal(perfHooks.performance, globalThis.performance);
  assert.equal(perf.PerformanceObserver, globalThis.PerformanceObserver);
  assert.deepEqual(Object.keys(perf.constants).sort(), Object.keys(nodePerfHooks.constants).sort());
  for (const [name, value] of Object.entries(perf.constants)) assert.equal(value, (nodePerfHooks.constants as Record<string, number>)[name], name);
});

/** Node's fs functions the shim deliberately leaves out (internals and Node-only handles). */
const NOT_IN_A_PAGE = new Set(['_toUnixTimestamp', 'openAsBlob', 'Dir', 'FileReadStream', 'FileWriteStream']);

test('fs and fs/promises have every function Node\'s have (libraries bind them at import time)', () => {
  const nodeNames = Object.keys(nodeFs).filter((name) => typeof (nodeFs as Record<string, unknown>)[name] === 'function' && !NOT_IN_A_PAGE.has(name));
  const missing = nodeNames.filter((name) => typeof (fsDefault as Record<string, unknown>)[name] !== 'function' || typeof (fs as Record<string, unknown>)[name] !== 'function');
  assert.deepEqual(missing, []);
  const nodePromiseNames = Object.keys(nodeFsPromises).filter((name) => name !== 'default' && name !== 'constants');
  assert.deepEqual(nodePromiseNames.filter((name) => typeof (fsPromisesDefault as Record<string, unknown>)[name] !== 'function'), []);
  assert.equal(fs.promises, fsPromisesDefault);
  assert.equal(typeof fs.realpath.native, 'function');
  assert.equal(typeof fs.realpathSync.native, 'function');
  for (const [name, value] of Object.entries(fs.constants)) assert.equal(value, (nodeFs.constants as Record<string, number>)[name], name);
  assert.equal(fs.F_OK, nodeFs.constants.F_OK);
  assert.equal(fsPromises.constants, fs.constants);
});

test('a callback gets ENOSYS with Node\'s fields, never synchronously; …Sync throws it', async () => {
  let synchronous = true;
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    fs.readFile('/etc/app.conf', 'utf8', (err: unknown) => resolve(err as NodeJS.ErrnoException));
    synchronous = false;
  });
  assert.equal(synchronous, false);
  assert.equal(error.message, "ENOSYS: function not implemented, open '/etc/app.conf'");
  assert.equal(error.code, 'ENOSYS');
  assert.equal(error.errno, -38);
  assert.equal(error.syscall, 'open');
  assert.equal(error.path, '/etc/app.conf');
  assert.throws(() => fs.readdirSync('/srv'), { message: "ENOSYS: function not implemented, scandir '/srv'", code: 'ENOSYS', syscall: 'scandir', path: '/srv' });
  assert.throws(() => fs.renameSync('/a', '/b'), { message: "ENOSYS: function not implemented, rename '/a' -> '/b'", dest: '/b' });
  assert.throws(() => fs.fstatSync(3), { message: 'ENOSYS: function not implemented, fstat', syscall: 'fstat' });
  assert.throws(() => fs.stat('/x'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, 'no callback: as Node, a TypeError');
  // What real Node says for the same call shape (only the code differs).
  assert.throws(() => nodeFs.readdirSync('/no/such/dir/sockway'), { message: "ENOENT: no such file or directory, scandir '/no/such/dir/sockway'", syscall: 'scandir' });
});

test('fs/promises reject with ENOSYS; util.promisify(fs.x) works', async () => {
  await assert.rejects(fsPromises.readFile('/x'), { code: 'ENOSYS', syscall: 'open', path: '/x' });
  await assert.rejects(fs.promises.stat('/y'), { code: 'ENOSYS', syscall: 'stat' });
  const { promisify } = await import('node:util');
  await assert.rejects(promisify(fs.readdir as (path: string, callback: (error: Error | null) => void) => void)('/z'), { code: 'ENOSYS', syscall: 'scandir' });
});

test('exists/existsSync answer false; streams fail with an error event; watch throws', async () => {
  assert.equal(fs.existsSync('/'), false);
  assert.equal(await new Promise((resolve) => fs.exists('/', resolve)), false);
  const read = fs.createReadStream('/var/log/x');
  const readError = await new Promise<NodeJS.ErrnoException>((resolve) => read.once('error', resolve));
  assert.equal(readError.code, 'ENOSYS');
  assert.equal(readError.syscall, 'open');
  const write = fs.createWriteStream('/tmp/x');
  assert.equal((await new Promise<NodeJS.ErrnoException>((resolve) => write.once('error', resolve))).code, 'ENOSYS');
  assert.throws(() => fs.watch('/'), { code: 'ENOSYS' });
  assert.equal(fs.unwatchFile(), undefined);
});

test("process: require('process') (this module's namespace from CommonJS) has the object's members", () => {
  for (const name of ['env', 'argv', 'version', 'versions', 'browser', 'title', 'nextTick', 'cwd', 'hrtime', 'uptime', 'memoryUsage', 'emitWarning', 'on', 'once', 'off', 'emit', 'removeListener', 'listeners', 'binding', 'chdir', 'umask'] as const) {
    assert.equal((processNamespace as unknown as Record<string, unknown>)[name], (process as unknown as Record<string, unknown>)[name], name);
    assert.notEqual((processNamespace as unknown as Record<string, unknown>)[name], undefined, name);
  }
});
