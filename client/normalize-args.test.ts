/**
 * Differential tests: each case runs against real node:net (net.connect, new Socket().connect,
 * new Socket(options), socket.setTimeout, socket.write — any socket destroyed at once) and
 * against this module; both must accept, or both must throw the same error (name, code,
 * message, String(err), stack header, own keys, constructor).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  DNS_HINTS,
  isNormalizedArgs,
  normalizeArgs,
  normalizeConnectArgs,
  validateSocketOptions,
  validateTimeoutArgs,
  validateWriteChunk,
} from './normalize-args.ts';

function shapeOf(error: unknown): Record<string, unknown> {
  const e = error as Error & { code?: unknown };
  return {
    name: e.name,
    code: e.code,
    message: e.message,
    string: String(e),
    stackHeader: String(e.stack).split('\n')[0],
    ctor: (e as { constructor?: { name?: string } }).constructor?.name,
    ownKeys: Reflect.ownKeys(e).map(String),
    typeError: e instanceof TypeError,
    rangeError: e instanceof RangeError,
  };
}

type Outcome = { accepted: true } | { error: Record<string, unknown> };

function outcome(fn: () => unknown): Outcome {
  try {
    fn();
    return { accepted: true };
  } catch (error) {
    return { error: shapeOf(error) };
  }
}

function discard(socket: net.Socket): void {
  socket.on('error', () => {});
  socket.destroy();
}

const noop = (): void => {};
const neverLookup = (): void => {};

/** net.connect(...args) in Node's order: normalizeArgs, Socket, setTimeout, connect. */
function oursCreateConnection(args: unknown[]): void {
  const normalized = normalizeArgs(args);
  validateSocketOptions(normalized[0]);
  if (normalized[0].timeout) validateTimeoutArgs(normalized[0].timeout, undefined);
  normalizeConnectArgs([normalized]);
}

function nodeCreateConnection(args: unknown[]): void {
  discard((net.connect as (...a: unknown[]) => net.Socket)(...args));
}

/** [title, args factory]: each side gets fresh arguments (Node mutates some options). */
type Case = readonly [string, () => unknown[]];

const createConnectionCases: readonly Case[] = [
  // signatures
  ['()', () => []],
  ['(80)', () => [80]],
  ["('80')", () => ['80']],
  ["('0x50')", () => ['0x50']],
  ["(' 80 ')", () => [' 80 ']],
  ["('-0')", () => ['-0']],
  ['(0)', () => [0]],
  ['(65535)', () => [65535]],
  ["(80, 'localhost')", () => [80, 'localhost']],
  ["(80, '127.0.0.1', cb)", () => [80, '127.0.0.1', noop]],
  ["(80, '::1')", () => [80, '::1']],
  ['(80, 123): non-string host ignored', () => [80, 123]],
  ['(80, null, cb)', () => [80, null, noop]],
  ["('abc'): a path (IPC)", () => ['abc']],
  ["('-1'): a path (IPC)", () => ['-1']],
  ["('1.5'): a port string", () => ['1.5']],
  ["('')", () => ['']],
  ['(1.5)', () => [1.5]],
  ['(70000)', () => [70000]],
  ["('65536')", () => ['65536']],
  ['(-1)', () => [-1]],
  ['(NaN)', () => [NaN]],
  ['(undefined)', () => [undefined]],
  ['(null)', () => [null]],
  ['(true)', () => [true]],
  ['(cb): the callback is also the port', () => [noop]],
  ["(Symbol('p'))", () => [Symbol('p')]],
  ['(10n)', () => [10n]],
  ['([80]): arrays are options objects', () => [[80]]],
  ['({})', () => [{}]],
  ['({}, cb)', () => [{}, noop]],
  // port
  ['{ port: 80 }', () => [{ port: 80 }]],
  ["{ port: '443', host: '127.0.0.1' }", () => [{ port: '443', host: '127.0.0.1' }]],
  ['{ port: null }', () => [{ port: null }]],
  ['{ port: true }', () => [{ port: true }]],
  ['{ port: {} }', () => [{ port: {} }]],
  ['{ port: [] }', () => [{ port: [] }]],
  ['{ port: -1 }', () => [{ port: -1 }]],
  ['{ port: 65536 }', () => [{ port: 65536 }]],
  ['{ port: 2 ** 40 }', () => [{ port: 2 ** 40 }]],
  ['{ port: Infinity }', () => [{ port: Infinity }]],
  ['{ port: -0 }', () => [{ port: -0 }]],
  ["{ port: '' }", () => [{ port: '' }]],
  ["{ port: ' ' }", () => [{ port: ' ' }]],
  ["{ port: 'abc' }", () => [{ port: 'abc' }]],
  ["{ port: '8o' }", () => [{ port: '8o' }]],
  ["{ port: 'a long port string that gets truncated' }", () => [{ port: 'a long port string that gets truncated' }]],
  ["{ port: '1e3' }", () => [{ port: '1e3' }]],
  // path
  ["{ path: '/tmp/sockway-test.sock' }", () => [{ path: '/tmp/sockway-test.sock' }]],
  ["{ path: '' }: falls back to TCP port 0", () => [{ path: '' }]],
  ['{ path: 123 }', () => [{ path: 123 }]],
  ['{ path: true }', () => [{ path: true }]],
  ['{ path: null }', () => [{ path: null }]],
  ['{ path: 0, port: 80 }', () => [{ path: 0, port: 80 }]],
  // host
  ["{ port: 80, host: '' }", () => [{ port: 80, host: '' }]],
  ['{ port: 80, host: null }', () => [{ port: 80, host: null }]],
  ['{ port: 80, host: 123 }', () => [{ port: 80, host: 123 }]],
  ['{ port: 80, host: {} }', () => [{ port: 80, host: {} }]],
  ['{ port: 80, host: true }', () => [{ port: 80, host: true }]],
  ["{ port: 80, host: Symbol('h') }", () => [{ port: 80, host: Symbol('h') }]],
  ['{ port: 80, host: 123, lookup }: a custom lookup takes any host', () => [{ port: 80, host: 123, lookup: neverLookup }]],
  // localAddress / localPort
  ["{ port: 80, localAddress: '127.0.0.1' }", () => [{ port: 80, localAddress: '127.0.0.1' }]],
  ["{ port: 80, localAddress: '' }", () => [{ port: 80, localAddress: '' }]],
  ["{ port: 80, localAddress: 'nope' }", () => [{ port: 80, localAddress: 'nope' }]],
  ['{ port: 80, localAddress: 123 }', () => [{ port: 80, localAddress: 123 }]],
  ["{ port: 80, localAddress: '1.2.3.4.5' }", () => [{ port: 80, localAddress: '1.2.3.4.5' }]],
  ['{ port: 80, localPort: 0 }', () => [{ port: 80, localPort: 0 }]],
  ['{ port: 80, localPort: 5555 }', () => [{ port: 80, localPort: 5555, host: '127.0.0.1' }]],
  ["{ port: 80, localPort: '1' }", () => [{ port: 80, localPort: '1' }]],
  ['{ port: 80, localPort: true }', () => [{ port: 80, localPort: true }]],
  ['{ port: 80, localPort: null }', () => [{ port: 80, localPort: null }]],
  ["{ port: 80, localPort: '' }", () => [{ port: 80, localPort: '' }]],
  ['{ port: 80, localPort: NaN }', () => [{ port: 80, localPort: NaN }]],
  // family / hints / lookup (validated by dns.lookup only for a host name without custom lookup)
  ['{ port: 80, family: 4 }', () => [{ port: 80, family: 4 }]],
  ["{ port: 80, family: 'IPv6' }", () => [{ port: 80, family: 'IPv6' }]],
  ['{ port: 80, family: 0 }', () => [{ port: 80, family: 0 }]],
  ['{ port: 80, family: null }', () => [{ port: 80, family: null }]],
  ['{ port: 80, family: 5 }', () => [{ port: 80, family: 5 }]],
  ["{ port: 80, family: '4' }", () => [{ port: 80, family: '4' }]],
  ["{ port: 80, family: 'ipv4' }", () => [{ port: 80, family: 'ipv4' }]],
  ['{ port: 80, family: true }', () => [{ port: 80, family: true }]],
  ['{ port: 80, family: false }', () => [{ port: 80, family: false }]],
  ["{ port: 80, family: '' }", () => [{ port: 80, family: '' }]],
  ['{ port: 80, family: NaN }', () => [{ port: 80, family: NaN }]],
  ["{ port: 80, host: '127.0.0.1', family: 5 }: IP host skips lookup", () => [{ port: 80, host: '127.0.0.1', family: 5 }]],
  ['{ port: 80, family: 5, lookup }', () => [{ port: 80, family: 5, lookup: neverLookup }]],
  ['{ port: 80, hints: 0 }', () => [{ port: 80, hints: 0 }]],
  ['{ port: 80, hints: ADDRCONFIG | ALL | V4MAPPED }', () => [{ port: 80, hints: 56 }]],
  ['{ port: 80, hints: 32.7 }', () => [{ port: 80, hints: 32.7 }]],
  ['{ port: 80, hints: 2 ** 32 } (>>> 0 is 0)', () => [{ port: 80, hints: 2 ** 32 }]],
  ['{ port: 80, hints: -1 }', () => [{ port: 80, hints: -1 }]],
  ['{ port: 80, hints: 1 }', () => [{ port: 80, hints: 1 }]],
  ['{ port: 80, hints: 4096 }', () => [{ port: 80, hints: 4096 }]],
  ["{ port: 80, hints: '8' }", () => [{ port: 80, hints: '8' }]],
  ['{ port: 80, hints: {} }', () => [{ port: 80, hints: {} }]],
  ["{ port: 80, host: '::1', hints: 'x' }", () => [{ port: 80, host: '::1', hints: 'x' }]],
  ["{ port: 80, lookup: 'x' }", () => [{ port: 80, lookup: 'x' }]],
  ['{ port: 80, lookup: false }', () => [{ port: 80, lookup: false }]],
  ['{ port: 80, lookup: null }', () => [{ port: 80, lookup: null }]],
  ["{ port: 80, host: '127.0.0.1', lookup: 'x' }", () => [{ port: 80, host: '127.0.0.1', lookup: 'x' }]],
  // autoSelectFamily
  ['{ port: 80, autoSelectFamily: false }', () => [{ port: 80, autoSelectFamily: false }]],
  ['{ port: 80, autoSelectFamily: null }', () => [{ port: 80, autoSelectFamily: null }]],
  ['{ port: 80, autoSelectFamily: 1 }', () => [{ port: 80, autoSelectFamily: 1 }]],
  ["{ port: 80, autoSelectFamily: 'true' }", () => [{ port: 80, autoSelectFamily: 'true' }]],
  ['{ port: 80, autoSelectFamilyAttemptTimeout: 5 }', () => [{ port: 80, autoSelectFamilyAttemptTimeout: 5 }]],
  ['{ port: 80, autoSelectFamilyAttemptTimeout: 0 }', () => [{ port: 80, autoSelectFamilyAttemptTimeout: 0 }]],
  ['{ port: 80, autoSelectFamilyAttemptTimeout: 1.5 }', () => [{ port: 80, autoSelectFamilyAttemptTimeout: 1.5 }]],
  ["{ port: 80, autoSelectFamilyAttemptTimeout: '10' }", () => [{ port: 80, autoSelectFamilyAttemptTimeout: '10' }]],
  ['{ port: 80, autoSelectFamilyAttemptTimeout: 2 ** 31 }', () => [{ port: 80, autoSelectFamilyAttemptTimeout: 2 ** 31 }]],
  // timeout (net.connect calls setTimeout when truthy)
  ['{ port: 80, timeout: 100 }', () => [{ port: 80, timeout: 100 }]],
  ['{ port: 80, timeout: NaN } (falsy: skipped)', () => [{ port: 80, timeout: NaN }]],
  ['{ port: 80, timeout: -1 }', () => [{ port: 80, timeout: -1 }]],
  ["{ port: 80, timeout: '5' }", () => [{ port: 80, timeout: '5' }]],
  ['{ port: 80, timeout: true }', () => [{ port: 80, timeout: true }]],
  ['{ port: 80, timeout: Infinity }', () => [{ port: 80, timeout: Infinity }]],
  // constructor options
  ['{ port: 80, keepAliveInitialDelay: -5 }', () => [{ port: 80, keepAliveInitialDelay: -5 }]],
  ["{ port: 80, keepAliveInitialDelay: '1' }", () => [{ port: 80, keepAliveInitialDelay: '1' }]],
  ['{ port: 80, keepAliveInitialDelay: null }', () => [{ port: 80, keepAliveInitialDelay: null }]],
  ["{ port: 80, noDelay: 'yes', keepAlive: 1 }", () => [{ port: 80, noDelay: 'yes', keepAlive: 1 }]],
  ['{ port: 80, allowHalfOpen: 1 }', () => [{ port: 80, allowHalfOpen: 1 }]],
  ['{ port: 80, objectMode: false }', () => [{ port: 80, objectMode: false }]],
  ['{ port: 80, objectMode: true }', () => [{ port: 80, objectMode: true }]],
  ['{ port: 80, readableObjectMode: 1 }', () => [{ port: 80, readableObjectMode: 1 }]],
  ["{ port: 80, writableObjectMode: 'y' }", () => [{ port: 80, writableObjectMode: 'y' }]],
  ['{ port: 80, highWaterMark: 0 }', () => [{ port: 80, highWaterMark: 0 }]],
  ['{ port: 80, highWaterMark: -1 }', () => [{ port: 80, highWaterMark: -1 }]],
  ['{ port: 80, highWaterMark: 1.5 }', () => [{ port: 80, highWaterMark: 1.5 }]],
  ["{ port: 80, highWaterMark: 'x' }", () => [{ port: 80, highWaterMark: 'x' }]],
  ['{ port: 80, writableHighWaterMark: -1 }', () => [{ port: 80, writableHighWaterMark: -1 }]],
  ['{ port: 80, readableHighWaterMark: NaN }', () => [{ port: 80, readableHighWaterMark: NaN }]],
  ["{ port: 80, encoding: 'HEX' }", () => [{ port: 80, encoding: 'HEX' }]],
  ["{ port: 80, encoding: 'bogus' }", () => [{ port: 80, encoding: 'bogus' }]],
  ['{ port: 80, encoding: 123 }', () => [{ port: 80, encoding: 123 }]],
  ["{ port: 80, defaultEncoding: 'latin1' }", () => [{ port: 80, defaultEncoding: 'latin1' }]],
  ["{ port: 80, defaultEncoding: 'bogus' }", () => [{ port: 80, defaultEncoding: 'bogus' }]],
  ["{ port: 80, defaultEncoding: '' }", () => [{ port: 80, defaultEncoding: '' }]],
  ['{ port: 80, signal: AbortSignal }', () => [{ port: 80, signal: new AbortController().signal }]],
  ["{ port: 80, signal: 'x' }", () => [{ port: 80, signal: 'x' }]],
  ['{ port: 80, signal: 1 }', () => [{ port: 80, signal: 1 }]],
  ['{ port: 80, signal: {} }', () => [{ port: 80, signal: {} }]],
  ['{ port: 80, signal: null }', () => [{ port: 80, signal: null }]],
  ['{ port: 80, onread: { buffer, callback } }', () => [{ port: 80, onread: { buffer: new Uint8Array(4), callback: noop } }]],
  ["{ port: 80, onread: 'junk' } (ignored)", () => [{ port: 80, onread: 'junk' }]],
  ['{ port: 80, fd: -1 }', () => [{ port: 80, fd: -1 }]],
  ["{ port: 80, fd: 'x' }", () => [{ port: 80, fd: 'x' }]],
  ['{ port: 80, fd: 1.5 }', () => [{ port: 80, fd: 1.5 }]],
  // which error wins
  ['objectMode before port: { port: -1, objectMode: true }', () => [{ port: -1, objectMode: true }]],
  ['timeout before port: { port: -1, timeout: -1 }', () => [{ port: -1, timeout: -1 }]],
  ['highWaterMark before signal: { highWaterMark: -1, signal: 1 }', () => [{ port: 80, highWaterMark: -1, signal: 1 }]],
  ["localAddress before port: { port: 'x', localAddress: 'bad' }", () => [{ port: 'x', localAddress: 'bad' }]],
  ['port before autoSelectFamily: { port: -1, autoSelectFamily: 1 }', () => [{ port: -1, autoSelectFamily: 1 }]],
  ["hostname before hints: { port: 80, host: 123, hints: 'x' }", () => [{ port: 80, host: 123, hints: 'x' }]],
  ["lookup before family: { port: 80, lookup: 'x', family: 5 }", () => [{ port: 80, lookup: 'x', family: 5 }]],
  ["hints before family: { port: 80, hints: 'x', family: 5 }", () => [{ port: 80, hints: 'x', family: 5 }]],
  ['missing args before everything: { objectMode: false, localAddress: "bad" }', () => [{ objectMode: false, localAddress: 'bad' }]],
];

describe('net.connect(...) validation matches Node 20', () => {
  for (const [title, makeArgs] of createConnectionCases) {
    it(`net.connect${title.startsWith('(') ? '' : ' '}${title}`, () => {
      const theirs = outcome(() => nodeCreateConnection(makeArgs()));
      const ours = outcome(() => oursCreateConnection(makeArgs()));
      assert.deepEqual(ours, theirs);
    });
  }
});

// socket.connect() on an existing socket runs no constructor checks and no setTimeout.
const socketConnectCases: readonly Case[] = [
  ['{ port: 80, objectMode: true }', () => [{ port: 80, objectMode: true }]],
  ['{ port: 80, timeout: -1 }', () => [{ port: 80, timeout: -1 }]],
  ["{ port: 80, keepAliveInitialDelay: 'x' }", () => [{ port: 80, keepAliveInitialDelay: 'x' }]],
  ['{ port: -1 }', () => [{ port: -1 }]],
  ['()', () => []],
  ['(cb)', () => [noop]],
  ["(443, 'localhost', cb)", () => [443, 'localhost', noop]],
  ['(_normalizeArgs([80]))', () => ['normalized', 80]],
  ["(_normalizeArgs([{ port: 'bad' }]))", () => ['normalized', { port: 'bad' }]],
  ['(_normalizeArgs([]))', () => ['normalized']],
];

describe('socket.connect(...) validation matches Node 20', () => {
  for (const [title, makeArgs] of socketConnectCases) {
    it(`new Socket().connect${title.startsWith('(') ? '' : ' '}${title}`, () => {
      const theirs = outcome(() => {
        const args = makeArgs();
        const socket = new net.Socket();
        socket.on('error', () => {});
        try {
          if (args[0] === 'normalized') {
            const normalize = (net as unknown as { _normalizeArgs(a: unknown[]): unknown })._normalizeArgs;
            (socket.connect as (...a: unknown[]) => void)(normalize(args.slice(1)));
          } else {
            (socket.connect as (...a: unknown[]) => void)(...args);
          }
        } finally {
          socket.destroy();
        }
      });
      const ours = outcome(() => {
        const args = makeArgs();
        normalizeConnectArgs(args[0] === 'normalized' ? [normalizeArgs(args.slice(1))] : args);
      });
      assert.deepEqual(ours, theirs);
    });
  }
});

describe('normalizeArgs matches net._normalizeArgs', () => {
  const nodeNormalize = (net as unknown as { _normalizeArgs(a: unknown[]): unknown[] })._normalizeArgs;
  const options = { port: 1 };
  const cases: readonly Case[] = [
    ['[]', () => []],
    ['[80]', () => [80]],
    ["[80, 'h']", () => [80, 'h']],
    ["[80, 'h', cb]", () => [80, 'h', noop]],
    ['[80, 5, cb]', () => [80, 5, noop]],
    ["['path']", () => ['path']],
    ["['path', cb]", () => ['path', noop]],
    ["['8080']", () => ['8080']],
    ['[options, cb] (same object)', () => [options, noop]],
    ['[null, cb]', () => [null, noop]],
    ['[cb]', () => [noop]],
    ["[80, 'h', 'not a cb']", () => [80, 'h', 'not a cb']],
  ];
  for (const [title, makeArgs] of cases) {
    it(`normalizeArgs(${title})`, () => {
      const ours = normalizeArgs(makeArgs());
      const theirs = nodeNormalize(makeArgs());
      assert.deepEqual([...ours], [...theirs]);
      assert.equal(ours[0] === options, theirs[0] === options);
      assert.ok(isNormalizedArgs(ours));
    });
  }
  it('isNormalizedArgs is false for plain arrays and other values', () => {
    assert.equal(isNormalizedArgs([{}, null]), false);
    assert.equal(isNormalizedArgs({ 0: {}, 1: null }), false);
    assert.equal(isNormalizedArgs(null), false);
  });
});

describe('what a custom lookup receives matches Node', () => {
  const cases: readonly [string, Record<string, unknown>][] = [
    ['{}', {}],
    ['{ family: 4 }', { family: 4 }],
    ["{ family: 'IPv6' }", { family: 'IPv6' }],
    ['{ family: 5 } (unvalidated)', { family: 5 }],
    ['{ hints: 8 }', { hints: 8 }],
    ["{ hints: '8' } (unvalidated)", { hints: '8' }],
    ["{ localAddress: '127.0.0.1' } (no all)", { localAddress: '127.0.0.1' }],
    ['{ autoSelectFamily: false }', { autoSelectFamily: false }],
    ["{ host: 'db.internal' }", { host: 'db.internal' }],
  ];
  for (const [title, extra] of cases) {
    it(`connect({ port: 80, lookup, ...${title} })`, () => {
      let received: unknown[] = [];
      const spy = (...args: unknown[]): void => {
        received = args.slice(0, 2);
      };
      discard(net.connect({ port: 80, lookup: spy as unknown as net.LookupFunction, ...extra } as net.NetConnectOpts));
      const { options } = normalizeConnectArgs([{ port: 80, lookup: spy, ...extra }]);
      assert.ok(options.path === undefined);
      assert.deepEqual([options.host, options.lookupOptions], received);
    });
  }

  it('normalized TCP options carry Node defaults', () => {
    const { options, callback } = normalizeConnectArgs(['8080', noop]);
    assert.equal(callback, noop);
    assert.deepEqual(options, {
      path: undefined,
      host: 'localhost',
      port: 8080,
      family: 0,
      hints: 0,
      localAddress: undefined,
      localPort: undefined,
      lookup: undefined,
      autoSelectFamily: true,
      autoSelectFamilyAttemptTimeout: 250,
      lookupOptions: { family: undefined, hints: DNS_HINTS.ADDRCONFIG, all: true },
    });
  });

  it('attempt timeouts below 10 become 10; defaults are injectable', () => {
    const { options } = normalizeConnectArgs([{ port: 1, host: '::1', family: 'IPv6', autoSelectFamilyAttemptTimeout: 3 }], {
      autoSelectFamily: false,
      autoSelectFamilyAttemptTimeout: 500,
    });
    assert.ok(options.path === undefined);
    assert.equal(options.autoSelectFamilyAttemptTimeout, 10);
    assert.equal(options.autoSelectFamily, false);
    assert.equal(options.family, 6);
  });

  // Not differential: Node 20.20 passes -0 validateOneOf (SameValueZero) and then aborts the
  // process in cares_wrap's GetAddrInfo (`Assertion failed: args[2]->IsInt32()`).
  it('{ port: 80, family: -0 } is accepted as family 0 (Node 20.20 aborts in C++)', () => {
    const { options } = normalizeConnectArgs([{ port: 80, family: -0 }]);
    assert.ok(options.path === undefined);
    assert.equal(options.family, 0);
  });

  it("a path is marked for ERR_FEATURE_UNAVAILABLE_ON_PLATFORM: connect('/run/x.sock')", () => {
    assert.deepEqual(normalizeConnectArgs(['/run/x.sock']).options, { path: '/run/x.sock' });
  });
});

describe('new Socket(options) validation matches Node 20', () => {
  const cases: readonly [string, () => unknown][] = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['{}', () => ({})],
    ["'string' (spread)", () => 'string'],
    ['{ allowHalfOpen: true, readable: false }', () => ({ allowHalfOpen: true, readable: false })],
    ['{ objectMode: true }', () => ({ objectMode: true })],
    ['{ readableObjectMode: false, writableObjectMode: true }', () => ({ readableObjectMode: false, writableObjectMode: true })],
    ['{ keepAliveInitialDelay: NaN }', () => ({ keepAliveInitialDelay: NaN })],
    ['{ keepAliveInitialDelay: 1n }', () => ({ keepAliveInitialDelay: 1n })],
    ['{ highWaterMark: 2 ** 53 }', () => ({ highWaterMark: 2 ** 53 })],
    ['{ readableHighWaterMark: -2 }', () => ({ readableHighWaterMark: -2 })],
    ["{ encoding: 'ucs-2', defaultEncoding: 'BASE64URL' }", () => ({ encoding: 'ucs-2', defaultEncoding: 'BASE64URL' })],
    ["{ encoding: 'utf16' }", () => ({ encoding: 'utf16' })],
    ['{ signal: function }', () => ({ signal: noop })],
    ['{ fd: 2 ** 31 }', () => ({ fd: 2 ** 31 })],
    ["{ fd: 'x', handle: {} } (handle wins)", () => ({ fd: 'x', handle: {} })],
  ];
  for (const [title, make] of cases) {
    it(`new Socket(${title})`, () => {
      const theirs = outcome(() => discard(new net.Socket(make() as net.SocketConstructorOpts)));
      const ours = outcome(() => validateSocketOptions(make()));
      assert.deepEqual(ours, theirs);
    });
  }

  it('negative keepAliveInitialDelay is set to 0 on the caller object, as in Node', () => {
    const theirs = { keepAliveInitialDelay: -5 };
    const ours = { keepAliveInitialDelay: -5 };
    discard(new net.Socket(theirs as net.SocketConstructorOpts));
    validateSocketOptions(ours);
    assert.deepEqual(ours, theirs);
  });

  it('normalized options: forced Duplex options, booleans, onread shape', () => {
    const buffer = new Uint8Array(4);
    const normalized = validateSocketOptions({ allowHalfOpen: 1, noDelay: 'x', onread: { buffer, callback: noop } });
    assert.equal(normalized.allowHalfOpen, true);
    assert.equal(normalized.emitClose, false);
    assert.equal(normalized.autoDestroy, true);
    assert.equal(normalized.decodeStrings, false);
    assert.equal(normalized.noDelay, true);
    assert.equal(normalized.keepAlive, false);
    assert.equal(normalized.onread?.buffer, buffer);
    assert.equal(validateSocketOptions({ onread: { buffer: 'no', callback: noop } }).onread, null);
    assert.equal(validateSocketOptions(3).fd, 3);
  });
});

describe('socket.setTimeout validation matches Node 20', () => {
  const cases: readonly [string, unknown, unknown][] = [
    ['0', 0, undefined],
    ['-0', -0, undefined],
    ['1.5, cb', 1.5, noop],
    ['2 ** 31 (clamped)', 2 ** 31, undefined],
    ["'100'", '100', undefined],
    ['null', null, undefined],
    ['-1', -1, undefined],
    ['NaN', NaN, undefined],
    ['Infinity', Infinity, undefined],
    ["100, 'cb'", 100, 'cb'],
    ['0, null', 0, null],
    ['-1, null (msecs first)', -1, null],
  ];
  for (const [title, msecs, callback] of cases) {
    it(`setTimeout(${title})`, () => {
      const theirs = outcome(() => {
        const socket = new net.Socket();
        try {
          socket.setTimeout(msecs as number, callback as () => void);
        } finally {
          socket.destroy();
        }
      });
      assert.deepEqual(outcome(() => validateTimeoutArgs(msecs, callback)), theirs);
    });
  }
  it('returns the duration, clamped to 2^31 - 1', () => {
    assert.equal(validateTimeoutArgs(2 ** 40, undefined), 2 ** 31 - 1);
    assert.equal(validateTimeoutArgs(250, noop), 250);
  });
});

describe('socket.write validation matches Node 20', () => {
  const cases: readonly [string, () => unknown[]][] = [
    ["'x'", () => ['x']],
    ["''", () => ['']],
    ['Buffer', () => [Buffer.from('x')]],
    ['Uint8Array', () => [new Uint8Array(1)]],
    ['Float64Array', () => [new Float64Array(1)]],
    ['DataView', () => [new DataView(new ArrayBuffer(1))]],
    ['null', () => [null]],
    ['undefined', () => [undefined]],
    ['123', () => [123]],
    ['true', () => [true]],
    ['{}', () => [{}]],
    ['[1, 2]', () => [[1, 2]]],
    ['ArrayBuffer', () => [new ArrayBuffer(1)]],
    ["Symbol('c')", () => [Symbol('c')]],
    ["'x', 'hex'", () => ['x', 'hex']],
    ["'x', 'UTF-16LE'", () => ['x', 'UTF-16LE']],
    ["'x', 'buffer'", () => ['x', 'buffer']],
    ["'x', 'bogus'", () => ['x', 'bogus']],
    ["'x', ''", () => ['x', '']],
    ["'x', 7", () => ['x', 7]],
    ['123, cb', () => [123, noop]],
    ["null, 'bogus' (null first)", () => [null, 'bogus']],
    ["123, 'bogus' (encoding first)", () => [123, 'bogus']],
  ];
  for (const [title, makeArgs] of cases) {
    it(`write(${title})`, () => {
      const theirs = outcome(() => {
        const socket = new net.Socket();
        socket.on('error', () => {});
        try {
          (socket.write as (...a: unknown[]) => boolean)(...makeArgs());
        } finally {
          socket.destroy();
        }
      });
      const args = makeArgs();
      assert.deepEqual(outcome(() => validateWriteChunk(args[0], args[1])), theirs);
    });
  }
});
