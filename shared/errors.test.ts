/**
 * Error helpers: wireError defaults, ProtocolError shape, the type guards
 * (positive and negative cases) and toWireError. @see PROTOCOL.md#errors
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ProtocolError,
  SockwayErrorCode,
  type SockwayErrorCodeValue,
  captureStack,
  isProtocolError,
  isSockwayErrorCode,
  toWireError,
  wireError,
} from './errors.ts';

const ALL_CODES: readonly SockwayErrorCodeValue[] = Object.values(SockwayErrorCode);

describe('SockwayErrorCode', () => {
  it('every code is SOCKWAY_ERR_ + the UPPER_SNAKE key', () => {
    for (const [key, code] of Object.entries(SockwayErrorCode)) {
      const snake = key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
      assert.equal(code, `SOCKWAY_ERR_${snake}`);
    }
  });

  it('codes are unique', () => {
    assert.equal(new Set(ALL_CODES).size, ALL_CODES.length);
  });

  it('every code is in the error table of PROTOCOL.md#errors', () => {
    const spec = readFileSync(new URL('./PROTOCOL.md', import.meta.url), 'utf8');
    const start = spec.indexOf('<a id="errors"></a>');
    assert.ok(start >= 0, 'PROTOCOL.md has an #errors anchor');
    // From the anchor past its own heading line, to the next level-2 heading.
    const section = spec.slice(start, spec.indexOf('\n## ', spec.indexOf('\n', start) + 1));
    for (const code of ALL_CODES) assert.match(section, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `${code} is not in the table`);
  });
});

describe('wireError', () => {
  it('fills every unset field with its default', () => {
    assert.deepEqual(wireError({ code: 'ECONNRESET' }), {
      code: 'ECONNRESET', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '',
    });
  });

  it('keeps every field that is set', () => {
    const full = { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 1, hostname: 'localhost', message: 'm' };
    assert.deepEqual(wireError(full), full);
  });

  it('keeps falsy values that are set (port 0, errno 0, empty strings)', () => {
    const error = wireError({ code: 'X', port: 0, errno: 0, message: '' });
    assert.equal(error.port, 0);
    assert.equal(error.errno, 0);
    assert.equal(error.message, '');
  });

  it('has exactly the seven wire fields, and no extra ones passed in', () => {
    const error = wireError({ code: 'X', extra: 1 } as { code: string });
    assert.deepEqual(Object.keys(error).sort(), ['address', 'code', 'errno', 'hostname', 'message', 'port', 'syscall']);
  });

  it('treats explicit undefined as unset', () => {
    assert.equal(wireError({ code: 'X', port: undefined } as unknown as { code: string }).port, -1);
  });
});

describe('ProtocolError', () => {
  const error = new ProtocolError(SockwayErrorCode.Frame, 'truncated DATA frame');

  it('has name, code and message', () => {
    assert.equal(error.name, 'ProtocolError');
    assert.equal(error.code, 'SOCKWAY_ERR_FRAME');
    assert.equal(error.message, 'truncated DATA frame');
    assert.equal(String(error), 'ProtocolError: truncated DATA frame');
  });

  it('is an Error and a ProtocolError', () => {
    assert.ok(error instanceof Error);
    assert.ok(error instanceof ProtocolError);
  });

  it('code is an own enumerable property (survives spreading and logging)', () => {
    assert.ok(Object.keys(error).includes('code'));
    assert.equal({ ...error }.code, 'SOCKWAY_ERR_FRAME');
  });

  it('stack starts with "ProtocolError: message" and omits the constructor frame', () => {
    const stack = error.stack ?? '';
    assert.ok(stack.startsWith('ProtocolError: truncated DATA frame\n'), stack);
    assert.ok(!stack.includes('new ProtocolError'), stack);
    assert.match(stack, /errors\.test\.ts/);
  });

  it('works for every code', () => {
    for (const code of ALL_CODES) {
      const e = new ProtocolError(code, 'x');
      assert.equal(e.code, code);
      assert.ok(isProtocolError(e));
    }
  });
});

describe('captureStack', () => {
  it('is a no-op where Error.captureStackTrace does not exist', () => {
    const errorCtor = Error as unknown as { captureStackTrace?: unknown };
    const original = errorCtor.captureStackTrace;
    try {
      errorCtor.captureStackTrace = undefined;
      const target = {};
      assert.doesNotThrow(() => captureStack(target, captureStack));
      assert.equal('stack' in target, false);
      const error = new ProtocolError(SockwayErrorCode.Internal, 'no V8');
      assert.equal(error.code, 'SOCKWAY_ERR_INTERNAL');
      assert.equal(typeof error.stack, 'string');
    } finally {
      errorCtor.captureStackTrace = original;
    }
  });

  it('sets a stack on a plain object where it exists', () => {
    const target: { stack?: string } = {};
    captureStack(target, captureStack);
    assert.equal(typeof target.stack, 'string');
  });
});

describe('isProtocolError', () => {
  it('true for a ProtocolError', () => {
    assert.equal(isProtocolError(new ProtocolError(SockwayErrorCode.Protocol, 'x')), true);
  });

  it('true for a subclass that keeps the name', () => {
    class Sub extends ProtocolError {}
    assert.equal(isProtocolError(new Sub(SockwayErrorCode.Protocol, 'x')), true);
  });

  it('true for an Error from this realm shaped like one (matched by name and code, not instanceof)', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'ProtocolError', code: 'SOCKWAY_ERR_FRAME' });
    assert.equal(isProtocolError(lookalike), true);
  });

  const negatives: ReadonlyArray<readonly [string, unknown]> = [
    ['plain Error with a sockway code', Object.assign(new Error('x'), { code: 'SOCKWAY_ERR_FRAME' })],
    ['system error (ECONNREFUSED)', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['Error named ProtocolError without a code', Object.assign(new Error('x'), { name: 'ProtocolError' })],
    ['Error named ProtocolError with a numeric code', Object.assign(new Error('x'), { name: 'ProtocolError', code: 1002 })],
    ['TypeError', new TypeError('x')],
    ['object lookalike (not an Error)', { name: 'ProtocolError', code: 'SOCKWAY_ERR_FRAME', message: 'x', stack: '' }],
    ['object with Error.prototype-less shape from JSON', JSON.parse('{"name":"ProtocolError","code":"SOCKWAY_ERR_FRAME","message":"x"}')],
    ['null', null],
    ['undefined', undefined],
    ['string "ProtocolError"', 'ProtocolError'],
    ['string code', 'SOCKWAY_ERR_FRAME'],
    ['number', 1002],
    ['WireError', wireError({ code: 'SOCKWAY_ERR_PROTOCOL', message: 'x' })],
  ];
  for (const [label, value] of negatives) {
    it(`false for ${label}`, () => {
      assert.equal(isProtocolError(value), false);
    });
  }
});

describe('isSockwayErrorCode', () => {
  for (const code of ALL_CODES) {
    it(`true for ${code}`, () => {
      assert.equal(isSockwayErrorCode(code), true);
    });
  }

  const negatives: ReadonlyArray<readonly [string, unknown]> = [
    ['a system errno name', 'ECONNREFUSED'],
    ['a Node ERR_ code', 'ERR_SOCKET_CLOSED'],
    ['lower case', 'sockway_err_frame'],
    ['the bare prefix', 'SOCKWAY_ERR_'],
    ['a made-up sockway code', 'SOCKWAY_ERR_NOPE'],
    ['a padded code', ' SOCKWAY_ERR_FRAME'],
    ['a key of the table', 'Frame'],
    ['empty string', ''],
    ['a String object', new String('SOCKWAY_ERR_FRAME')],
    ['an error carrying the code', new ProtocolError(SockwayErrorCode.Frame, 'x')],
    ['null', null],
    ['undefined', undefined],
    ['number', 1],
  ];
  for (const [label, value] of negatives) {
    it(`false for ${label}`, () => {
      assert.equal(isSockwayErrorCode(value), false);
    });
  }
});

describe('toWireError', () => {
  it('carries code and message, the rest default', () => {
    assert.deepEqual(toWireError(new ProtocolError(SockwayErrorCode.FlowControl, 'stream 1 received 9 bytes against credit 8')), {
      code: 'SOCKWAY_ERR_FLOW_CONTROL',
      errno: 0,
      syscall: '',
      address: '',
      port: -1,
      hostname: '',
      message: 'stream 1 received 9 bytes against credit 8',
    });
  });

  it('round-trips code and message for every code', () => {
    for (const code of ALL_CODES) {
      const wire = toWireError(new ProtocolError(code, `because ${code}`));
      assert.equal(wire.code, code);
      assert.equal(wire.message, `because ${code}`);
      assert.ok(isSockwayErrorCode(wire.code));
    }
  });

  it('does not leak the stack onto the wire', () => {
    const wire = toWireError(new ProtocolError(SockwayErrorCode.Internal, 'x'));
    assert.equal('stack' in wire, false);
    assert.equal('name' in wire, false);
  });
});
