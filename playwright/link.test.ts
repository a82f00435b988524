import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinkPath, type PathClock } from './link.ts';

/** A clock the test moves by hand; timers fire as it passes them. */
function fakeClock(): PathClock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  let next = 1;
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      timers.set(next, { at: now + ms, callback });
      return next++;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = end;
    },
  };
}

test('no conditions: a message is delivered at once, nothing is buffered', () => {
  const path = new LinkPath(fakeClock());
  const got: string[] = [];
  path.send(10, () => got.push('a'));
  assert.deepEqual([got, path.bufferedAmount], [['a'], 0]);
});

test('latency: each message arrives that much later, in order; what waits is buffered', () => {
  const clock = fakeClock();
  const path = new LinkPath(clock);
  path.set({ latency: 100 });
  const got: string[] = [];
  path.send(10, () => got.push('a'));
  clock.advance(40);
  path.send(5, () => got.push('b'));
  assert.equal(path.bufferedAmount, 15);
  clock.advance(59);
  assert.deepEqual(got, []);
  clock.advance(1);
  assert.deepEqual([got, path.bufferedAmount], [['a'], 5]);
  clock.advance(40);
  assert.deepEqual([got, path.bufferedAmount], [['a', 'b'], 0]);
});

test('bandwidth: messages leave one after the other at the capped rate', () => {
  const clock = fakeClock();
  const path = new LinkPath(clock);
  path.set({ bandwidth: 1000 });
  const got: [string, number][] = [];
  path.send(500, () => got.push(['a', clock.now()]));
  path.send(250, () => got.push(['b', clock.now()]));
  clock.advance(2000);
  assert.deepEqual(got, [['a', 500], ['b', 750]]);
  // An idle link starts over from now, not from its last busy time.
  path.send(100, () => got.push(['c', clock.now()]));
  clock.advance(1000);
  assert.deepEqual(got.at(-1), ['c', 2100]);
});

test('a lowered latency never lets a message overtake one sent before it', () => {
  const clock = fakeClock();
  const path = new LinkPath(clock);
  path.set({ latency: 100 });
  const got: string[] = [];
  path.send(1, () => got.push('slow'));
  path.set(null);
  path.send(1, () => got.push('fast'));
  clock.advance(99);
  assert.deepEqual(got, []);
  clock.advance(1);
  assert.deepEqual(got, ['slow', 'fast']);
});

test('clear(): what waits is dropped and never delivered', () => {
  const clock = fakeClock();
  const path = new LinkPath(clock);
  path.set({ latency: 10 });
  const got: string[] = [];
  path.send(3, () => got.push('a'));
  path.clear();
  clock.advance(100);
  assert.deepEqual([got, path.bufferedAmount], [[], 0]);
});

test('invalid conditions are refused by name', () => {
  const path = new LinkPath(fakeClock());
  assert.throws(() => path.set({ latency: -1 }), /latency must be a number of milliseconds >= 0, got -1/);
  assert.throws(() => path.set({ bandwidth: 0 }), /bandwidth must be a number of bytes per second > 0, got 0/);
});
