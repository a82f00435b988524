/**
 * The `timers` and `timers/promises` shims against Node's own: the same Timeout and
 * Immediate methods, clearTimeout by object or primitive, refresh() restarting the
 * countdown, immediates in Node's order, AbortSignal handling and argument errors.
 * Timing is driven by node:test's mock timers (the shim reads the global timer functions
 * at call time), so nothing here waits on the wall clock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeTimers from 'node:timers';
import * as nodeTimerPromises from 'node:timers/promises';
import { mock, test } from 'node:test';
import timersDefault, * as timers from './timers.ts';
import * as timerPromises from './timers-promises.ts';

test('setTimeout returns a Timeout with Node\'s methods; unref/ref/hasRef chain as in Node', () => {
  const shim = timers.setTimeout(() => {}, 1000);
  const node = nodeTimers.setTimeout(() => {}, 1000);
  try {
    for (const method of ['ref', 'unref', 'hasRef', 'refresh', 'close', Symbol.toPrimitive, Symbol.dispose] as const) {
      assert.equal(typeof (node as unknown as Record<PropertyKey, unknown>)[method], 'function', `Node has ${String(method)}`);
      assert.equal(typeof (shim as unknown as Record<PropertyKey, unknown>)[method], 'function', `the shim has ${String(method)}`);
    }
    for (const timer of [shim, node]) {
      assert.equal(timer.hasRef(), true);
      assert.equal(timer.unref(), timer);
      assert.equal(timer.hasRef(), false);
      assert.equal(timer.ref(), timer);
      assert.equal(timer.hasRef(), true);
      assert.equal(timer.refresh(), timer);
      assert.equal(typeof +timer, 'number');
    }
    assert.equal(shim._idleTimeout, 1000);
    assert.equal(shim._repeat, null);
  } finally {
    timers.clearTimeout(shim);
    nodeTimers.clearTimeout(node);
  }
});

test('the callback runs with the timer as `this` and its extra arguments; a delay outside 1..2^31-1 is 1 ms', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const calls: unknown[] = [];
  const timer = timers.setTimeout(function (this: unknown, a: unknown, b: unknown) {
    calls.push([this, a, b]);
  }, -5, 'a', 'b');
  assert.equal(timer._idleTimeout, 1);
  t.mock.timers.tick(1);
  assert.deepEqual(calls, [[timer, 'a', 'b']]);
  assert.equal(timer._destroyed, true);
  assert.equal(timers.setTimeout(() => {}, 2 ** 31)._idleTimeout, 1);
  assert.equal(timers.setTimeout(() => {}, 'x')._idleTimeout, 1);
});

test('refresh() restarts the countdown; a fired one-shot timer stays fired', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let fired = 0;
  const timer = timers.setTimeout(() => {
    fired += 1;
  }, 100);
  t.mock.timers.tick(60);
  timer.refresh();
  t.mock.timers.tick(60);
  assert.equal(fired, 0, 'not at 120 ms: refreshed at 60');
  t.mock.timers.tick(40);
  assert.equal(fired, 1, 'at 160 ms');
  timer.refresh();
  t.mock.timers.tick(200);
  assert.equal(fired, 1);
});

test('clearTimeout takes the Timeout, its primitive, or nothing; clearInterval is the same function', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let fired = 0;
  const count = (): void => {
    fired += 1;
  };
  const byObject = timers.setTimeout(count, 10);
  const byPrimitive = timers.setTimeout(count, 10);
  const interval = timers.setInterval(count, 10);
  timers.clearTimeout(byObject);
  timers.clearTimeout(+byPrimitive);
  t.mock.timers.tick(35);
  assert.equal(fired, 3, 'only the interval, three times');
  timers.clearInterval(interval);
  timers.clearTimeout(undefined);
  timers.clearTimeout(null);
  t.mock.timers.tick(50);
  assert.equal(fired, 3);
  assert.equal(timers.clearInterval, timers.clearTimeout);
  assert.equal(interval._repeat, 10);
});

test('a non-function callback is ERR_INVALID_ARG_TYPE, as in Node', () => {
  for (const set of [timers.setTimeout, timers.setInterval, timers.setImmediate, nodeTimers.setTimeout, nodeTimers.setImmediate] as const) {
    assert.throws(() => (set as (callback: unknown) => unknown)('nope'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
});

test('setImmediate: in order, with arguments; one queued while running waits for the next turn; cleared ones never run', async () => {
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    timers.setImmediate((value: unknown) => {
      order.push(`first ${String(value)}`);
      timers.setImmediate(() => {
        order.push('queued while running');
        resolve();
      });
      queueMicrotask(() => order.push('microtask'));
    }, 1);
    const cleared = timers.setImmediate(() => order.push('cleared'));
    timers.setImmediate(() => order.push('second'));
    assert.equal(cleared.hasRef(), true);
    assert.equal(cleared.unref(), cleared);
    timers.clearImmediate(cleared);
  });
  assert.deepEqual(order, ['first 1', 'microtask', 'second', 'queued while running']);
});

test('setImmediate: an exception is uncaught and the immediates after it still run (as in Node)', () => {
  // In a child process: the uncaught exception must reach the process, not a test.
  const script = (module: string): string => `
    import { setImmediate } from '${module}';
    process.on('uncaughtException', (error) => console.log('uncaught ' + error.message));
    setImmediate(() => { throw new Error('app bug'); });
    setImmediate(() => console.log('after'));`;
  for (const module of [new URL('./timers.ts', import.meta.url).href, 'node:timers']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(module)], { encoding: 'utf8' });
    assert.equal(child.stdout, 'uncaught app bug\nafter\n', `${module}: ${child.stderr}`);
    assert.equal(child.status, 0);
  }
});

test('an unref\'d Immediate does not hold the process open (the channel is unref\'d with it)', async () => {
  const immediate = timers.setImmediate(() => {});
  immediate.unref();
  assert.equal(immediate.hasRef(), false);
  timers.clearImmediate(immediate);
  // Nothing referenced is pending: a referenced one still runs.
  await new Promise<void>((resolve) => timers.setImmediate(resolve));
});

test('the deprecated enroll/active/unenroll item timers still work', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let fired = 0;
  const item = { _onTimeout: () => (fired += 1) };
  timers.enroll(item, 20);
  timers.active(item);
  t.mock.timers.tick(10);
  timers.active(item);
  t.mock.timers.tick(15);
  assert.equal(fired, 0);
  t.mock.timers.tick(10);
  assert.equal(fired, 1);
  timers.active(item);
  timers.unenroll(item);
  t.mock.timers.tick(50);
  assert.equal(fired, 1);
  assert.equal(timersDefault.promises, timers.promises);
  assert.equal(timers.promises.setTimeout, timerPromises.setTimeout);
});

test('timers/promises has Node\'s exports', () => {
  assert.deepEqual(Object.keys(timerPromises).filter((k) => k !== 'default').sort(), Object.keys(nodeTimerPromises).filter((k) => k !== 'default').sort());
});

test('timers/promises setTimeout/setImmediate resolve with the value; an aborted signal rejects with Node\'s AbortError', async (t) => {
  assert.equal(await timerPromises.setImmediate('now'), 'now');
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const later = timerPromises.setTimeout(50, 'later');
  t.mock.timers.tick(50);
  assert.equal(await later, 'later');

  for (const module of [timerPromises, nodeTimerPromises] as const) {
    const controller = new AbortController();
    const pending = module.setTimeout(1000, 'x', { signal: controller.signal });
    controller.abort('because');
    await assert.rejects(pending, (error: Error & { code?: string; cause?: unknown }) => {
      assert.equal(error.name, 'AbortError');
      assert.equal(error.code, 'ABORT_ERR');
      assert.equal(error.message, 'The operation was aborted');
      assert.equal(error.cause, 'because');
      return true;
    });
    await assert.rejects(module.setImmediate('x', { signal: controller.signal }), { code: 'ABORT_ERR' });
    await assert.rejects(module.setTimeout(10, 'x', 'not options' as unknown as object), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(module.setTimeout(10, 'x', { signal: 'nope' as unknown as AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const unreferenced = timerPromises.setTimeout(10, 'u', { ref: false });
  t.mock.timers.tick(10);
  assert.equal(await unreferenced, 'u');
});

test('timers/promises setInterval yields every tick until the loop breaks or the signal aborts', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const controller = new AbortController();
  const seen: unknown[] = [];
  const loop = (async (): Promise<void> => {
    for await (const value of timerPromises.setInterval(10, 'tick', { signal: controller.signal })) {
      seen.push(value);
      if (seen.length === 3) controller.abort();
    }
  })();
  const outcome = loop.then(() => 'ended', (error: unknown) => error);
  for (let i = 0; i < 3; i += 1) {
    t.mock.timers.tick(10);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const error = (await outcome) as Error & { code?: string };
  assert.equal(error.name, 'AbortError');
  assert.equal(error.code, 'ABORT_ERR');
  assert.deepEqual(seen, ['tick', 'tick', 'tick']);
  const waited = timerPromises.scheduler.wait(5);
  t.mock.timers.tick(5);
  assert.equal(await waited, undefined);
});

test('mock timers are off again (the shim reads the globals at call time)', () => {
  mock.timers.reset();
  assert.equal(typeof globalThis.setTimeout(() => {}, 0), 'object');
});
