/**
 * Differential tests of inspect.ts: `inspect(value)` and `formatS(value)` against Node 20's
 * own `util.inspect` and `util.format('%s')`, value by value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import util from 'node:util';
import { formatS, inspect } from './inspect.ts';

describe('inspect and format(%s) match util', () => {
  class Point {
    x = 1;
    y = 2;
  }
  const circular: Record<string, unknown> = { name: 'loop' };
  circular['self'] = circular;
  const values: readonly [string, unknown][] = [
    ['-0', -0],
    ['string with both quotes', `a'b"c`],
    ['string with all quotes', 'a\'b"c`'],
    ['control characters', '\n\t\u0001\u007f\u009f'],
    ['lone surrogate', '\ud800x'],
    ['multi-line long string', `first line\nsecond line ${'x'.repeat(80)}`],
    ['sparse array', [1, , 3]],
    ['grouped numbers', Array.from({ length: 30 }, (_, i) => i * 7)],
    ['grouped strings', Array.from({ length: 12 }, (_, i) => `item${i}`)],
    ['more than 100 items', Array.from({ length: 120 }, (_, i) => i)],
    ['nested beyond depth', { a: { b: { c: { d: { e: 1 } } } } }],
    ['odd keys, symbols, getters', { 'a-b': 1, [Symbol('k')]: 2, get g() { return 1; }, set s(_v: unknown) {} }],
    ['class instance', new Point()],
    ['null prototype', Object.assign(Object.create(null), { a: [1, 2] })],
    ['circular', circular],
    ['Map and Set', new Map<unknown, unknown>([[1, new Set(['a'])]])],
    ['Date, RegExp', [new Date(0), /a+b/giu]],
    ['boxed primitives', [new Number(3), new String('str'), Object(5n)]],
    ['typed arrays', [new Uint8Array([1, 2, 3]), new BigInt64Array(2), new Float32Array(0)]],
    ['ArrayBuffer', new ArrayBuffer(4)],
    ['functions', [function named() {}, async () => {}, class Klass extends Point {}]],
    ['Buffer (custom inspect)', Buffer.from('hi')],
    ['long object breaking lines', { alpha: 'a'.repeat(30), beta: 'b'.repeat(30), gamma: 'c'.repeat(30) }],
  ];
  for (const [label, value] of values) {
    it(`inspect: ${label}`, () => {
      assert.equal(inspect(value), util.inspect(value));
      assert.equal(inspect(value, { depth: 0 }), util.inspect(value, { depth: 0 }));
    });
  }
  for (const [label, value] of [
    ['number', 1.5],
    ['bigint', 7n],
    ['object', { a: 1 }],
    ['own toString', { toString: () => 'mine' }],
    ['function source', function f() { return 1; }],
    ['Buffer (not a V8 built-in)', Buffer.from('hi')],
    ['class instance', new Point()],
  ] as const) {
    it(`format('%s'): ${label}`, () => {
      assert.equal(formatS(value), util.format('%s', value));
    });
  }
});
