/**
 * Differential tests: every builder is compared with the error real Node 20 produces, either
 * triggered through public APIs (node:net, node:dns, Buffer) or, where Node has no easy
 * trigger, built by Node's own internal/errors.js in a child `node --expose-internals`.
 * Compared: name, code, message, String(err), stack header, constructor, own keys (in order),
 * enumerable keys and the Error subclass.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dns from 'node:dns';
import net from 'node:net';
import { once } from 'node:events';
import { describe, it, before } from 'node:test';
import {
  AbortError,
  abortError,
  describeReceived,
  epipeAfterFin,
  errFeatureUnavailableOnPlatform,
  errInvalidAddressFamily,
  errInvalidArgType,
  errInvalidArgValue,
  errInvalidHandleType,
  errInvalidIpAddress,
  errMissingArgs,
  errOutOfRange,
  errServerAlreadyListen,
  errServerNotRunning,
  errSocketBadPort,
  errSocketClosed,
  errSocketClosedBeforeConnection,
  errSocketConnectionTimeout,
  errStreamDestroyed,
  errStreamNullValues,
  errStreamWriteAfterEnd,
  errUnknownEncoding,
  systemError,
} from './node-errors.ts';

/** Everything observable about an error that callers look at. Also sent to the child as source. */
function shapeOf(error: unknown): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  const extra: Record<string, string> = {};
  for (const key of Reflect.ownKeys(e)) {
    if (typeof key === 'string' && key !== 'stack' && key !== 'message' && key !== 'cause') {
      extra[key] = String(e[key]);
    }
  }
  return {
    name: e.name,
    code: e['code'],
    message: e.message,
    string: String(e),
    stackHeader: String(e.stack).split('\n')[0],
    ctor: (e as { constructor?: { name?: string } }).constructor?.name,
    ownKeys: Reflect.ownKeys(e).map(String),
    enumerable: Object.keys(e),
    typeError: e instanceof TypeError,
    rangeError: e instanceof RangeError,
    error: e instanceof Error,
    hasCause: Object.prototype.hasOwnProperty.call(e, 'cause'),
    extra,
  };
}

function assertSameError(ours: unknown, theirs: unknown): void {
  assert.deepEqual(shapeOf(ours), shapeOf(theirs));
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

/** Runs Node's internal error constructors in a child: `[code, argsSource]` → shape. */
function nodeInternalShapes(cases: readonly (readonly [string, string])[]): Record<string, unknown>[] {
  const script = `
    const { codes } = require('internal/errors');
    const shapeOf = ${shapeOf.toString()};
    const cases = ${JSON.stringify(cases)};
    const out = cases.map(([code, src]) => shapeOf(new codes[code](...new Function('return [' + src + ']')())));
    process.stdout.write(JSON.stringify(out));
  `;
  const result = spawnSync(process.execPath, ['--expose-internals', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

const builders: Record<string, (...args: never[]) => unknown> = {
  ERR_INVALID_ARG_TYPE: errInvalidArgType,
  ERR_INVALID_ARG_VALUE: errInvalidArgValue,
  ERR_OUT_OF_RANGE: errOutOfRange,
  ERR_MISSING_ARGS: errMissingArgs,
  ERR_SOCKET_BAD_PORT: errSocketBadPort,
  ERR_INVALID_IP_ADDRESS: errInvalidIpAddress,
  ERR_INVALID_ADDRESS_FAMILY: errInvalidAddressFamily,
  ERR_STREAM_NULL_VALUES: errStreamNullValues,
  ERR_STREAM_DESTROYED: errStreamDestroyed,
  ERR_STREAM_WRITE_AFTER_END: errStreamWriteAfterEnd,
  ERR_UNKNOWN_ENCODING: errUnknownEncoding,
  ERR_SOCKET_CLOSED: errSocketClosed,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: errSocketClosedBeforeConnection,
  ERR_SOCKET_CONNECTION_TIMEOUT: errSocketConnectionTimeout,
  ERR_FEATURE_UNAVAILABLE_ON_PLATFORM: errFeatureUnavailableOnPlatform,
  ERR_INVALID_HANDLE_TYPE: errInvalidHandleType,
  ERR_SERVER_ALREADY_LISTEN: errServerAlreadyListen,
  ERR_SERVER_NOT_RUNNING: errServerNotRunning,
};

// Builder arguments as JS source, evaluated here and in the child alike.
const internalCases: readonly (readonly [string, string])[] = [
  ['ERR_SOCKET_CONNECTION_TIMEOUT', ''],
  ['ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', "'IPC sockets (path)'"],
  ['ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', '42'],
  ['ERR_INVALID_HANDLE_TYPE', ''],
  ['ERR_SOCKET_CLOSED', ''],
  ['ERR_SOCKET_CLOSED_BEFORE_CONNECTION', ''],
  ['ERR_SERVER_ALREADY_LISTEN', ''],
  ['ERR_SERVER_NOT_RUNNING', ''],
  ['ERR_STREAM_NULL_VALUES', ''],
  ['ERR_STREAM_DESTROYED', "'end'"],
  ['ERR_STREAM_WRITE_AFTER_END', ''],
  ['ERR_UNKNOWN_ENCODING', '{ toString() { return "x" } }'],
  ['ERR_UNKNOWN_ENCODING', '{ a: 1, b: [1, 2] }'],
  ['ERR_INVALID_IP_ADDRESS', '-0'],
  ['ERR_INVALID_IP_ADDRESS', '12n'],
  ['ERR_INVALID_IP_ADDRESS', 'Symbol("s")'],
  ['ERR_INVALID_IP_ADDRESS', '[1, [2, [3]]]'],
  ['ERR_INVALID_IP_ADDRESS', 'Object.create(null)'],
  ['ERR_INVALID_ADDRESS_FAMILY', "100, 'localhost', 0"],
  ['ERR_INVALID_ADDRESS_FAMILY', "'x', undefined, null"],
  ['ERR_INVALID_ARG_TYPE', "'first argument', 'string', 1"],
  ['ERR_INVALID_ARG_TYPE', "'chunk', ['string', 'Buffer', 'Uint8Array'], 1"],
  ['ERR_INVALID_ARG_TYPE', "'options', ['Object', 'Function', 'AbortSignal'], 1"],
  ['ERR_INVALID_ARG_TYPE', "'x', ['object', 'Map'], null"],
  ['ERR_INVALID_ARG_TYPE', "'x', ['a valid thing', 'another'], 1"],
  ['ERR_INVALID_ARG_TYPE', "'x', ['string', 'number', 'boolean', 'bigint', 'symbol'], {}"],
  ['ERR_INVALID_ARG_TYPE', "'x', ['Uppercase thing'], 1"],
  ['ERR_INVALID_ARG_TYPE', "'x', 'AbortSignal', Object.create(null)"],
  ['ERR_INVALID_ARG_TYPE', "'x', 'AbortSignal', Object.assign(Object.create(null), { a: 1 })"],
  ['ERR_INVALID_ARG_TYPE', "'x', 'string', { constructor: {} }"],
  ['ERR_INVALID_ARG_TYPE', "'x', 'string', new (class {})()"],
  ['ERR_INVALID_ARG_TYPE', "'x', 'string', 'it\\'s'"],
  ['ERR_INVALID_ARG_VALUE', "'x', 1, 'must be positive'"],
  ['ERR_INVALID_ARG_VALUE', "'a.b', 'x'.repeat(200)"],
  ['ERR_INVALID_ARG_VALUE', "'a', { deep: { deeper: { deepest: { x: 1 } } } }"],
  ['ERR_OUT_OF_RANGE', "'x', '> 0', 2n ** 32n"],
  ['ERR_OUT_OF_RANGE', "'x', '> 0', -(2n ** 40n)"],
  ['ERR_OUT_OF_RANGE', "'x', '> 0', 5n"],
  ['ERR_OUT_OF_RANGE', "'x', '> 0', -(2 ** 40)"],
  ['ERR_OUT_OF_RANGE', "'x', '> 0', 2 ** 32"],
  ['ERR_OUT_OF_RANGE', "'x', '> 0', 2 ** 32 + 1"],
  ['ERR_OUT_OF_RANGE', "'Custom message.', '> 0', 1, true"],
  ['ERR_OUT_OF_RANGE', "'x', 'ok', 'str'"],
  ['ERR_MISSING_ARGS', "'a'"],
  ['ERR_MISSING_ARGS', "'a', 'b'"],
  ['ERR_MISSING_ARGS', "['a', 'b'], 'c', 'd', 'e'"],
  ['ERR_SOCKET_BAD_PORT', "'options.port', 0, false"],
  ['ERR_SOCKET_BAD_PORT', "'Port', 'abc', true"],
];

describe('node internal errors (child --expose-internals oracle)', () => {
  let shapes: Record<string, unknown>[] = [];
  before(() => {
    shapes = nodeInternalShapes(internalCases);
  });
  internalCases.forEach(([code, src], index) => {
    it(`new ${code}(${src})`, () => {
      const args = new Function(`return [${src}]`)() as never[];
      const builder = builders[code];
      assert.ok(builder, code);
      assert.deepEqual(shapeOf(builder(...args)), shapes[index]);
    });
  });
});

// Every kind of value Node's determineSpecificType describes, through socket.setTimeout(x),
// which throws ERR_INVALID_ARG_TYPE for "msecs" on any non-number.
const receivedValues: readonly [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['true', () => true],
  ['false', () => false],
  ['10n', () => 10n],
  ['-0n', () => -0n],
  ["Symbol('s')", () => Symbol('s')],
  ['Symbol()', () => Symbol()],
  ["''", () => ''],
  ["'1'", () => '1'],
  ['25-char string', () => 'a'.repeat(25)],
  ['28-char string', () => 'b'.repeat(28)],
  ['29-char string (truncated)', () => 'c'.repeat(29)],
  ["string with '", () => "it's"],
  ['long string with \' and "', () => `it's a "quoted" string that is quite long`],
  ['named function', () => function named() {}],
  ['arrow function', () => () => {}],
  ['class', () => class Klass {}],
  ['{}', () => ({})],
  ['[]', () => []],
  ['new Map()', () => new Map()],
  ['class instance', () => new (class Thing {})()],
  ['anonymous class instance', () => new (class {})()],
  ['Object.create(null)', () => Object.create(null)],
  ['null-proto with keys', () => Object.assign(Object.create(null), { a: 1 })],
  ['{ constructor: {} }', () => ({ constructor: {} })],
  ['new Date(0)', () => new Date(0)],
  ['Uint8Array', () => new Uint8Array(2)],
];

describe('ERR_INVALID_ARG_TYPE received-value formatting (socket.setTimeout)', () => {
  for (const [label, make] of receivedValues) {
    it(`setTimeout(${label})`, () => {
      const socket = new net.Socket();
      const theirs = thrown(() => socket.setTimeout(make() as number));
      socket.destroy();
      assertSameError(errInvalidArgType('msecs', 'number', make()), theirs);
    });
  }

  it('describeReceived of a primitive truthy constructor throws like Node', () => {
    const value = { constructor: 'x' };
    const theirs = thrown(() => new net.Socket().setTimeout(value as unknown as number));
    const ours = thrown(() => describeReceived(value));
    assert.ok(theirs instanceof TypeError && ours instanceof TypeError);
    assert.equal((ours as Error).message, (theirs as Error).message);
  });
});

describe('ERR_OUT_OF_RANGE (autoSelectFamilyAttemptTimeout, setTimeout, Buffer)', () => {
  const int32Cases: readonly [string, number][] = [
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['2 ** 31', 2 ** 31],
    ['2 ** 40', 2 ** 40],
    ['-(2 ** 40)', -(2 ** 40)],
    ['2 ** 32 + 0.5', 2 ** 32 + 0.5],
  ];
  for (const [label, value] of int32Cases) {
    it(`autoSelectFamilyAttemptTimeout: ${label}`, () => {
      const theirs = thrown(() => net.connect({ port: 80, autoSelectFamilyAttemptTimeout: value }));
      const range = Number.isInteger(value) ? '>= 1 && <= 2147483647' : 'an integer';
      assertSameError(errOutOfRange('options.autoSelectFamilyAttemptTimeout', range, value), theirs);
    });
  }
  for (const [label, value] of [['-1', -1], ['-Infinity', -Infinity], ['NaN', NaN], ['Infinity', Infinity]] as const) {
    it(`setTimeout(${label})`, () => {
      const socket = new net.Socket();
      const theirs = thrown(() => socket.setTimeout(value));
      socket.destroy();
      assertSameError(errOutOfRange('msecs', 'a non-negative finite number', value), theirs);
    });
  }
  it('bigint received (Buffer#writeBigInt64LE(2n ** 64n))', () => {
    const theirs = thrown(() => Buffer.alloc(8).writeBigInt64LE(2n ** 64n));
    assertSameError(errOutOfRange('value', '>= -(2n ** 63n) and < 2n ** 63n', 2n ** 64n), theirs);
  });
});

describe('ERR_INVALID_ARG_VALUE received-value formatting (objectMode, family, hints)', () => {
  const objectModeValues: readonly [string, () => unknown][] = [
    ['true', () => true],
    ['1', () => 1],
    ["'yes'", () => 'yes'],
    ['{}', () => ({})],
    ['[1, 2, 3]', () => [1, 2, 3]],
    ['nested object', () => ({ a: { b: { c: { d: 1 } } } })],
    ['long array', () => Array.from({ length: 40 }, (_, i) => i)],
    ['200-char string (truncated at 128)', () => 'z'.repeat(200)],
    ['Map', () => new Map([['k', 1]])],
    ['function', () => function objectMode() {}],
    ['class instance', () => new (class Mode { x = 1; })()],
    ['Symbol', () => Symbol('mode')],
    ['-1n', () => -1n],
  ];
  for (const [label, make] of objectModeValues) {
    it(`new Socket({ objectMode: ${label} })`, () => {
      const theirs = thrown(() => new net.Socket({ objectMode: make() } as net.SocketConstructorOpts));
      assertSameError(errInvalidArgValue('options.objectMode', make(), 'is not supported'), theirs);
    });
  }
  const familyValues: readonly [string, unknown][] = [
    ['5', 5],
    ["'4'", '4'],
    ["'ipv4'", 'ipv4'],
    ['false', false],
    ["''", ''],
    ['NaN', NaN],
    ['{}', {}],
    ['[]', []],
  ];
  for (const [label, value] of familyValues) {
    it(`connect({ port: 80, family: ${label} })`, () => {
      const theirs = thrown(() => net.connect({ port: 80, family: value as number }));
      assertSameError(errInvalidArgValue('options.family', value, 'must be one of: 0, 4, 6'), theirs);
    });
  }
  it('connect({ port: 80, hints: -1 }): received after >>> 0', () => {
    const theirs = thrown(() => net.connect({ port: 80, hints: -1 }));
    assertSameError(errInvalidArgValue('hints', 4294967295), theirs);
  });
});

describe('ERR_MISSING_ARGS, ERR_SOCKET_BAD_PORT, ERR_INVALID_IP_ADDRESS (public triggers)', () => {
  it('net.connect({})', () => {
    assertSameError(errMissingArgs(['options', 'port', 'path']), thrown(() => net.connect({} as net.NetConnectOpts)));
  });
  it('dns.lookupService()', () => {
    const theirs = thrown(() => (dns.lookupService as unknown as () => void)());
    assertSameError(errMissingArgs('address', 'port', 'callback'), theirs);
  });
  for (const port of [70000, -1, 1.5, '', ' ', '65536', NaN] as const) {
    it(`net.connect({ port: ${JSON.stringify(port)} })`, () => {
      assertSameError(errSocketBadPort('Port', port), thrown(() => net.connect({ port: port as number })));
    });
  }
  for (const address of ['nope', '1.2.3', 123] as const) {
    it(`localAddress: ${JSON.stringify(address)}`, () => {
      const theirs = thrown(() => net.connect({ port: 80, localAddress: address as string }));
      assertSameError(errInvalidIpAddress(address), theirs);
    });
  }
  it('localAddress: { a: 1 } (format %s inspects)', () => {
    const theirs = thrown(() => net.connect({ port: 80, localAddress: { a: 1 } as unknown as string }));
    assertSameError(errInvalidIpAddress({ a: 1 }), theirs);
  });
});

describe('stream and socket errors (public triggers)', () => {
  it('write(null): ERR_STREAM_NULL_VALUES', () => {
    const socket = new net.Socket();
    const theirs = thrown(() => socket.write(null as unknown as string));
    socket.destroy();
    assertSameError(errStreamNullValues(), theirs);
  });

  it("write('x', 'bogus'): ERR_UNKNOWN_ENCODING", () => {
    const socket = new net.Socket();
    const theirs = thrown(() => socket.write('x', 'bogus' as BufferEncoding));
    socket.destroy();
    assertSameError(errUnknownEncoding('bogus'), theirs);
  });

  it('write after destroy: ERR_STREAM_DESTROYED', async () => {
    const socket = new net.Socket();
    socket.destroy();
    const theirs = await new Promise<Error | null | undefined>((resolve) => socket.write('x', resolve));
    assertSameError(errStreamDestroyed('write'), theirs);
  });

  it('write after end: ERR_STREAM_WRITE_AFTER_END', async () => {
    const socket = new net.Socket();
    socket.on('error', () => {});
    socket.end();
    const theirs = await new Promise<Error | null | undefined>((resolve) => socket.write('x', resolve));
    socket.destroy();
    assertSameError(errStreamWriteAfterEnd(), theirs);
  });

  it('resetAndDestroy() without a handle: ERR_SOCKET_CLOSED', async () => {
    const socket = new net.Socket();
    socket.resetAndDestroy();
    const [theirs] = (await once(socket, 'error')) as [Error];
    assertSameError(errSocketClosed(), theirs);
  });

  it('write then destroy while connecting: ERR_SOCKET_CLOSED_BEFORE_CONNECTION', async () => {
    const port = await closedPort();
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const result = new Promise<Error | null | undefined>((resolve) => socket.write('x', resolve));
    socket.destroy();
    assertSameError(errSocketClosedBeforeConnection(), await result);
  });

  it('server.listen twice: ERR_SERVER_ALREADY_LISTEN', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const theirs = thrown(() => server.listen(0, '127.0.0.1'));
    server.close();
    assertSameError(errServerAlreadyListen(), theirs);
  });

  it('close() on a server not listening: ERR_SERVER_NOT_RUNNING', async () => {
    const theirs = await new Promise<Error | undefined>((resolve) => new net.Server().close(resolve));
    assertSameError(errServerNotRunning(), theirs);
  });

  // Node passes the raw `options.host` (undefined here), not the 'localhost' default.
  it("custom lookup answering family 100: ERR_INVALID_ADDRESS_FAMILY 'undefined:7'", async () => {
    const socket = net.connect({
      port: 7,
      family: 4,
      lookup: ((_host: string, _options: unknown, cb: (e: null, a: string, f: number) => void) =>
        cb(null, '127.0.0.1', 100)) as unknown as net.LookupFunction,
    });
    const [theirs] = (await once(socket, 'error')) as [Error];
    assertSameError(errInvalidAddressFamily(100, undefined, 7), theirs);
  });

  it('custom lookup answering a non-IP: ERR_INVALID_IP_ADDRESS', async () => {
    const socket = net.connect({
      port: 7,
      family: 4,
      lookup: ((_host: string, _options: unknown, cb: (e: null, a: string, f: number) => void) =>
        cb(null, 'not-an-ip', 4)) as unknown as net.LookupFunction,
    });
    const [theirs] = (await once(socket, 'error')) as [Error];
    assertSameError(errInvalidIpAddress('not-an-ip'), theirs);
  });

  it("aborted signal: AbortError (name, code, message, own cause)", async () => {
    const reason = new Error('why');
    const socket = new net.Socket({ signal: AbortSignal.abort(reason) });
    const [theirs] = (await once(socket, 'error')) as [Error];
    const ours = abortError(reason);
    assertSameError(ours, theirs);
    assert.equal(ours.cause, (theirs as Error & { cause: unknown }).cause);
    assert.equal(ours.constructor, AbortError);
  });

  it('AbortError rejects non-object options like Node', () => {
    const ours = thrown(() => new AbortError('x', 5 as unknown as { cause: unknown }));
    assert.equal((ours as { code?: unknown }).code, 'ERR_INVALID_ARG_TYPE');
    assert.equal((ours as Error).message, 'The "options" argument must be of type object. Received type number (5)');
  });

  it("write after the peer's FIN: EPIPE 'This socket has been ended by the other party'", async () => {
    const server = net.createServer((connection) => connection.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.resume();
    await once(socket, 'end');
    await new Promise((resolve) => setImmediate(resolve));
    const theirs = await new Promise<Error | null | undefined>((resolve) => socket.write('x', resolve));
    socket.destroy();
    server.close();
    assertSameError(epipeAfterFin(), theirs);
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Rebuilds a real system error from only the fields the gateway forwards. */
function rebuild(real: Record<string, unknown>, description?: string): Error {
  return systemError({
    code: real['code'] as string,
    errno: real['errno'] as number | undefined,
    syscall: real['syscall'] as string,
    ...('address' in real && { address: real['address'] as string }),
    ...('port' in real && { port: real['port'] as number }),
    ...('hostname' in real && { hostname: real['hostname'] as string }),
    ...('localAddress' in real && { localAddress: real['localAddress'] as string }),
    ...('localPort' in real && { localPort: real['localPort'] as number }),
    ...(description !== undefined && { description }),
  });
}

describe('systemError against real system errors', () => {
  it('connect ECONNREFUSED 127.0.0.1:<port>', async () => {
    const port = await closedPort();
    const socket = net.connect(port, '127.0.0.1');
    const [theirs] = (await once(socket, 'error')) as [Error & Record<string, unknown>];
    assert.equal(theirs.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
    assertSameError(rebuild(theirs), theirs);
  });

  it('connect ECONNREFUSED with a local address and port (" - Local (...)")', async () => {
    const port = await closedPort();
    const localPort = await closedPort();
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort });
    const [theirs] = (await once(socket, 'error')) as [Error & Record<string, unknown>];
    assert.match(theirs.message, / - Local \(127\.0\.0\.1:\d+\)$/);
    assertSameError(rebuild(theirs), theirs);
  });

  it('getaddrinfo <code> nosuch.invalid (DNSException)', async () => {
    const theirs = await new Promise<Error & Record<string, unknown>>((resolve) =>
      dns.lookup('nosuch.invalid', (error) => resolve(error as Error & Record<string, unknown>)),
    );
    assert.equal(theirs['syscall'], 'getaddrinfo');
    assertSameError(rebuild(theirs), theirs);
  });

  it('listen EADDRINUSE: address already in use (UVExceptionWithHostPort)', async () => {
    const first = net.createServer().listen(0, '127.0.0.1');
    await once(first, 'listening');
    const { port } = first.address() as net.AddressInfo;
    const second = net.createServer().listen(port, '127.0.0.1');
    const [theirs] = (await once(second, 'error')) as [Error & Record<string, unknown>];
    first.close();
    assertSameError(rebuild(theirs, 'address already in use'), theirs);
  });

  it('read/connect ECONNRESET from a peer reset', async () => {
    const server = net.createServer((connection) => connection.resetAndDestroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    socket.resume();
    const [theirs] = (await once(socket, 'error')) as [Error & Record<string, unknown>];
    server.close();
    assert.equal(theirs['code'], 'ECONNRESET');
    assertSameError(rebuild(theirs), theirs);
  });

  const shapes: readonly [string, Parameters<typeof systemError>[0], string][] = [
    ['errno only', { code: 'ECONNRESET', errno: -104, syscall: 'read' }, 'read ECONNRESET'],
    ['port 0 is not printed', { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '::1', port: 0 }, 'connect ECONNREFUSED ::1'],
    ['no address, no port', { code: 'EPIPE', errno: -32, syscall: 'write', address: '' }, 'write EPIPE'],
    ['empty hostname', { code: 'EAI_AGAIN', errno: -3001, syscall: 'getaddrinfo', hostname: '' }, 'getaddrinfo EAI_AGAIN'],
    ['message override', { code: 'ETIMEDOUT', errno: -110, syscall: 'connect', address: '10.0.0.1', port: 5, message: 'custom' }, 'custom'],
  ];
  for (const [label, init, message] of shapes) {
    it(`systemError: ${label} → ${JSON.stringify(message)}`, () => {
      const error = systemError(init);
      assert.equal(error.message, message);
      assert.equal(error.constructor, Error);
      assert.equal(String(error), `Error: ${message}`);
      assert.equal(error.code, init.code);
    });
  }
});
