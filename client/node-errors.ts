/**
 * Builders for the errors Node 20's `net` (and the streams under it) throws, reproduced exactly:
 * same `name`, `code`, `message`, `String(err)`, stack header, own-property set and order, and
 * `err.constructor`. Client libraries match on these, so a difference is a bug.
 *
 * Sources: Node v20.20.2 `lib/internal/errors.js` (NodeError, ExceptionWithHostPort,
 * DNSException, AbortError, determineSpecificType) and `lib/internal/util/inspect.js`
 * (the subset of `inspect` and `format('%s')` those messages use). Browser code: no Node APIs.
 */
import { captureStack } from '../shared/errors.ts';

/** Node's internal error codes built here (plus `ABORT_ERR`, the code of Node's AbortError). */
export type NodeErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_MISSING_ARGS'
  | 'ERR_SOCKET_BAD_PORT'
  | 'ERR_INVALID_IP_ADDRESS'
  | 'ERR_INVALID_ADDRESS_FAMILY'
  | 'ERR_STREAM_NULL_VALUES'
  | 'ERR_STREAM_DESTROYED'
  | 'ERR_STREAM_WRITE_AFTER_END'
  | 'ERR_UNKNOWN_ENCODING'
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION'
  | 'ERR_SOCKET_CONNECTION_TIMEOUT'
  | 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM'
  | 'ERR_INVALID_HANDLE_TYPE'
  | 'ERR_SERVER_ALREADY_LISTEN'
  | 'ERR_SERVER_NOT_RUNNING'
  | 'ABORT_ERR';

/** An error carrying one of Node's internal codes; match on `code`, never on `instanceof`. */
export interface NodeInternalError<C extends NodeErrorCode = NodeErrorCode> extends Error {
  readonly code: C;
}

/** ERR_INVALID_ADDRESS_FAMILY also carries the host and port it was given. */
export interface InvalidAddressFamilyError extends NodeInternalError<'ERR_INVALID_ADDRESS_FAMILY'> {
  readonly host: unknown;
  readonly port: unknown;
}

/** Node's system error shape (`connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND x`). */
export interface SystemError extends Error {
  readonly errno: number | undefined;
  readonly code: string;
  readonly syscall: string;
  readonly address?: string;
  readonly port?: number;
  readonly hostname?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
}

// ---------------------------------------------------------------------------------------------
// NodeError classes
// ---------------------------------------------------------------------------------------------

type StackFn = (...args: never[]) => unknown;

// Node prints NodeErrors as `TypeError [ERR_X]: msg` in both toString() and the stack header
// while `name` stays 'TypeError'. Node's own prepareStackTrace does that; we cannot hook it, but
// V8 formats `stack` lazily on first read, so read it once under a temporary name (Node <= 16
// did the same). Engines whose stack has no header (Firefox, Safari) are unaffected.
function stampStackHeader(error: Error, code: string): void {
  Object.defineProperty(error, 'name', {
    value: `${error.name} [${code}]`,
    configurable: true,
    writable: true,
    enumerable: false,
  });
  void error.stack;
  delete (error as { name?: string }).name;
}

function nodeErrorToString(error: Error & { code?: unknown }): string {
  return `${error.name} [${String(error.code)}]: ${error.message}`;
}

/** Node's NodeError over Error. `err.constructor` is `Error`, as in Node. */
class NodeError extends Error {
  override toString(): string {
    return nodeErrorToString(this);
  }
}
/** Node's NodeError over TypeError. */
class NodeTypeError extends TypeError {
  override toString(): string {
    return nodeErrorToString(this);
  }
}
/** Node's NodeError over RangeError. */
class NodeRangeError extends RangeError {
  override toString(): string {
    return nodeErrorToString(this);
  }
}
// Node: `get ['constructor']() { return Base; }` (a wpt workaround that is observable).
for (const [cls, base] of [
  [NodeError, Error],
  [NodeTypeError, TypeError],
  [NodeRangeError, RangeError],
] as const) {
  Object.defineProperty(cls.prototype, 'constructor', {
    get: () => base,
    configurable: true,
    enumerable: false,
  });
}

type NodeErrorClass = typeof NodeError | typeof NodeTypeError | typeof NodeRangeError;

/** A NodeError whose message is a fixed or `%s`-formatted string: own keys stack, message, code. */
function staticError<C extends NodeErrorCode>(
  cls: NodeErrorClass,
  code: C,
  message: string,
  stackFn: StackFn,
): NodeInternalError<C> {
  const error = new cls(message) as Error & { code: C };
  error.code = code;
  captureStack(error, stackFn);
  stampStackHeader(error, code);
  return error;
}

/**
 * A NodeError whose message is computed by a function: own keys stack, code, (props the
 * function sets), message — the message is defined last, non-enumerable, as in Node.
 */
function computedError<C extends NodeErrorCode>(
  cls: NodeErrorClass,
  code: C,
  computeMessage: (self: Record<string, unknown>) => string,
  stackFn: StackFn,
): NodeInternalError<C> {
  const error = new cls() as Error & { code: C };
  error.code = code;
  const message = computeMessage(error as unknown as Record<string, unknown>);
  Object.defineProperty(error, 'message', {
    value: message,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  captureStack(error, stackFn);
  stampStackHeader(error, code);
  return error;
}

// ---------------------------------------------------------------------------------------------
// Message helpers (internal/errors.js)
// ---------------------------------------------------------------------------------------------

const classRegExp = /^[A-Z][a-zA-Z0-9]*$/;
const kTypes = ['string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol'];

function formatList(array: readonly string[], type = 'and'): string {
  switch (array.length) {
    case 0:
      return '';
    case 1:
      return `${array[0]}`;
    case 2:
      return `${array[0]} ${type} ${array[1]}`;
    case 3:
      return `${array[0]}, ${array[1]}, ${type} ${array[2]}`;
    default:
      return `${array.slice(0, -1).join(', ')}, ${type} ${array[array.length - 1]}`;
  }
}

/** Node's `addNumericalSeparator`: '1099511627776' → '1_099_511_627_776'. Integers only. */
function addNumericalSeparator(val: string): string {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) {
    res = `_${val.slice(i - 3, i)}${res}`;
  }
  return `${val.slice(0, i)}${res}`;
}

/** Node's `determineSpecificType`: the "Received ..." part of type errors. */
export function describeReceived(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      if (value === 0) return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
      if (Number.isNaN(value)) return 'type number (NaN)';
      if (value === Infinity) return 'type number (Infinity)';
      if (value === -Infinity) return 'type number (-Infinity)';
      return `type number (${value})`;
    case 'boolean':
      return value ? 'type boolean (true)' : 'type boolean (false)';
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${(value as { name: unknown }).name}`;
    case 'object': {
      const ctor = (value as { constructor?: unknown }).constructor;
      // `'name' in ctor` throws for a primitive truthy `constructor`, as it does in Node.
      if (ctor && 'name' in (ctor as object)) {
        return `an instance of ${(ctor as { name: unknown }).name}`;
      }
      return inspect(value, { depth: -1 });
    }
    case 'string': {
      let str = value;
      if (str.length > 28) str = `${str.slice(0, 25)}...`;
      if (!str.includes("'")) return `type string ('${str}')`;
      return `type string (${JSON.stringify(str)})`;
    }
    default:
      return `type ${typeof value} (${String(value)})`;
  }
}

function invalidArgTypeMessage(name: string, expected: string | readonly string[], actual: unknown): string {
  const expectedList = typeof expected === 'string' ? [expected] : expected;
  let msg = 'The ';
  if (name.endsWith(' argument')) {
    msg += `${name} `;
  } else {
    msg += `"${name}" ${name.includes('.') ? 'property' : 'argument'} `;
  }
  msg += 'must be ';

  const types: string[] = [];
  const instances: string[] = [];
  const other: string[] = [];
  for (const value of expectedList) {
    if (kTypes.includes(value)) types.push(value.toLowerCase());
    else if (classRegExp.test(value)) instances.push(value);
    else other.push(value);
  }
  // With instances allowed, `object` is spelled out as an instance of Object.
  if (instances.length > 0) {
    const pos = types.indexOf('object');
    if (pos !== -1) {
      types.splice(pos, 1);
      instances.push('Object');
    }
  }
  if (types.length > 0) {
    msg += `${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`;
    if (instances.length > 0 || other.length > 0) msg += ' or ';
  }
  if (instances.length > 0) {
    msg += `an instance of ${formatList(instances, 'or')}`;
    if (other.length > 0) msg += ' or ';
  }
  if (other.length > 0) {
    if (other.length > 1) {
      msg += `one of ${formatList(other, 'or')}`;
    } else {
      const only = other[0] ?? '';
      if (only.toLowerCase() !== only) msg += 'an ';
      msg += only;
    }
  }
  return `${msg}. Received ${describeReceived(actual)}`;
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/** ERR_INVALID_ARG_TYPE (TypeError): `The "port" argument must be of type number. Received ...`. */
export function errInvalidArgType(
  name: string,
  expected: string | readonly string[],
  actual: unknown,
): NodeInternalError<'ERR_INVALID_ARG_TYPE'> {
  return computedError(
    NodeTypeError,
    'ERR_INVALID_ARG_TYPE',
    () => invalidArgTypeMessage(name, expected, actual),
    errInvalidArgType,
  );
}

/** ERR_INVALID_ARG_VALUE (TypeError): `The property 'options.family' must be one of: ... Received 5`. */
export function errInvalidArgValue(
  name: string,
  value: unknown,
  reason = 'is invalid',
): NodeInternalError<'ERR_INVALID_ARG_VALUE'> {
  return computedError(
    NodeTypeError,
    'ERR_INVALID_ARG_VALUE',
    () => {
      let inspected = inspect(value);
      if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`;
      const type = name.includes('.') ? 'property' : 'argument';
      return `The ${type} '${name}' ${reason}. Received ${inspected}`;
    },
    errInvalidArgValue,
  );
}

/** ERR_OUT_OF_RANGE (RangeError): `The value of "msecs" is out of range. It must be ... Received -1`. */
export function errOutOfRange(
  name: string,
  range: string,
  input: unknown,
  replaceDefaultBoolean = false,
): NodeInternalError<'ERR_OUT_OF_RANGE'> {
  return computedError(
    NodeRangeError,
    'ERR_OUT_OF_RANGE',
    () => {
      let msg = replaceDefaultBoolean ? name : `The value of "${name}" is out of range.`;
      let received: string;
      if (Number.isInteger(input) && Math.abs(input as number) > 2 ** 32) {
        received = addNumericalSeparator(String(input));
      } else if (typeof input === 'bigint') {
        received = String(input);
        if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
        received += 'n';
      } else {
        received = inspect(input);
      }
      msg += ` It must be ${range}. Received ${received}`;
      return msg;
    },
    errOutOfRange,
  );
}

/** ERR_MISSING_ARGS (TypeError); an array argument means "one of": `"options" or "port"`. */
export function errMissingArgs(
  ...args: readonly (string | readonly string[])[]
): NodeInternalError<'ERR_MISSING_ARGS'> {
  return computedError(
    NodeTypeError,
    'ERR_MISSING_ARGS',
    () => {
      const wrap = (a: string): string => `"${a}"`;
      const parts = args.map((a) => (typeof a === 'string' ? wrap(a) : a.map(wrap).join(' or ')));
      return `The ${formatList(parts)} argument${args.length > 1 ? 's' : ''} must be specified`;
    },
    errMissingArgs,
  );
}

/** ERR_SOCKET_BAD_PORT (RangeError): `Port should be >= 0 and < 65536. Received type number (70000).` */
export function errSocketBadPort(
  name: string,
  port: unknown,
  allowZero = true,
): NodeInternalError<'ERR_SOCKET_BAD_PORT'> {
  return computedError(
    NodeRangeError,
    'ERR_SOCKET_BAD_PORT',
    () => `${name} should be ${allowZero ? '>=' : '>'} 0 and < 65536. Received ${describeReceived(port)}.`,
    errSocketBadPort,
  );
}

/** ERR_INVALID_IP_ADDRESS (TypeError): `Invalid IP address: nope`. */
export function errInvalidIpAddress(address: unknown): NodeInternalError<'ERR_INVALID_IP_ADDRESS'> {
  return staticError(
    NodeTypeError,
    'ERR_INVALID_IP_ADDRESS',
    `Invalid IP address: ${formatS(address)}`,
    errInvalidIpAddress,
  );
}

/** ERR_INVALID_ADDRESS_FAMILY (RangeError): `Invalid address family: 100 localhost:0`, with host/port. */
export function errInvalidAddressFamily(
  addressType: unknown,
  host: unknown,
  port: unknown,
): InvalidAddressFamilyError {
  return computedError(
    NodeRangeError,
    'ERR_INVALID_ADDRESS_FAMILY',
    (self) => {
      self['host'] = host;
      self['port'] = port;
      return `Invalid address family: ${String(addressType)} ${String(host)}:${String(port)}`;
    },
    errInvalidAddressFamily,
  ) as InvalidAddressFamilyError;
}

/** ERR_STREAM_NULL_VALUES (TypeError): `May not write null values to stream`. */
export function errStreamNullValues(): NodeInternalError<'ERR_STREAM_NULL_VALUES'> {
  return staticError(NodeTypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream', errStreamNullValues);
}

/** ERR_STREAM_DESTROYED (Error): `Cannot call write after a stream was destroyed`. */
export function errStreamDestroyed(method: unknown): NodeInternalError<'ERR_STREAM_DESTROYED'> {
  return staticError(
    NodeError,
    'ERR_STREAM_DESTROYED',
    `Cannot call ${formatS(method)} after a stream was destroyed`,
    errStreamDestroyed,
  );
}

/** ERR_STREAM_WRITE_AFTER_END (Error): `write after end`. */
export function errStreamWriteAfterEnd(): NodeInternalError<'ERR_STREAM_WRITE_AFTER_END'> {
  return staticError(NodeError, 'ERR_STREAM_WRITE_AFTER_END', 'write after end', errStreamWriteAfterEnd);
}

/** ERR_UNKNOWN_ENCODING (TypeError): `Unknown encoding: bogus`. */
export function errUnknownEncoding(encoding: unknown): NodeInternalError<'ERR_UNKNOWN_ENCODING'> {
  return staticError(NodeTypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${formatS(encoding)}`, errUnknownEncoding);
}

/** ERR_SOCKET_CLOSED (Error): `Socket is closed`. */
export function errSocketClosed(): NodeInternalError<'ERR_SOCKET_CLOSED'> {
  return staticError(NodeError, 'ERR_SOCKET_CLOSED', 'Socket is closed', errSocketClosed);
}

/** ERR_SOCKET_CLOSED_BEFORE_CONNECTION (Error): a write queued while connecting never went out. */
export function errSocketClosedBeforeConnection(): NodeInternalError<'ERR_SOCKET_CLOSED_BEFORE_CONNECTION'> {
  return staticError(
    NodeError,
    'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
    'Socket closed before the connection was established',
    errSocketClosedBeforeConnection,
  );
}

/** ERR_SOCKET_CONNECTION_TIMEOUT (Error): every autoSelectFamily attempt was cancelled. */
export function errSocketConnectionTimeout(): NodeInternalError<'ERR_SOCKET_CONNECTION_TIMEOUT'> {
  return staticError(NodeError, 'ERR_SOCKET_CONNECTION_TIMEOUT', 'Socket connection timeout', errSocketConnectionTimeout);
}

/** ERR_FEATURE_UNAVAILABLE_ON_PLATFORM (TypeError), Node's wording kept verbatim. */
export function errFeatureUnavailableOnPlatform(
  feature: unknown,
): NodeInternalError<'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM'> {
  return staticError(
    NodeTypeError,
    'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
    `The feature ${formatS(feature)} is unavailable on the current platform, which is being used to run Node.js`,
    errFeatureUnavailableOnPlatform,
  );
}

/** Short name of {@link errFeatureUnavailableOnPlatform}. */
export const errFeatureUnavailable = errFeatureUnavailableOnPlatform;

/** ERR_INVALID_HANDLE_TYPE (TypeError): `This handle type cannot be sent`. */
export function errInvalidHandleType(): NodeInternalError<'ERR_INVALID_HANDLE_TYPE'> {
  return staticError(NodeTypeError, 'ERR_INVALID_HANDLE_TYPE', 'This handle type cannot be sent', errInvalidHandleType);
}

/** ERR_SERVER_ALREADY_LISTEN (Error): `listen()` called twice without `close()`. */
export function errServerAlreadyListen(): NodeInternalError<'ERR_SERVER_ALREADY_LISTEN'> {
  return staticError(
    NodeError,
    'ERR_SERVER_ALREADY_LISTEN',
    'Listen method has been called more than once without closing.',
    errServerAlreadyListen,
  );
}

/** ERR_SERVER_NOT_RUNNING (Error): `Server is not running.` */
export function errServerNotRunning(): NodeInternalError<'ERR_SERVER_NOT_RUNNING'> {
  return staticError(NodeError, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.', errServerNotRunning);
}

/**
 * Node's AbortError: a plain Error subclass (not a DOMException) with own `name` 'AbortError',
 * `code` 'ABORT_ERR' and, when options are given, own `cause` (`signal.reason`).
 */
export class AbortError extends Error {
  readonly code: 'ABORT_ERR';

  constructor(message = 'The operation was aborted', options?: { readonly cause?: unknown }) {
    if (options !== undefined && typeof options !== 'object') {
      throw errInvalidArgType('options', 'Object', options);
    }
    super(message, options);
    // Engines without error-cause support still get Node's own `cause`.
    if (options != null && 'cause' in options && !Object.prototype.hasOwnProperty.call(this, 'cause')) {
      Object.defineProperty(this, 'cause', {
        value: options.cause,
        writable: true,
        enumerable: false,
        configurable: true,
      });
    }
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}

/** The AbortError a socket is destroyed with when its `signal` aborts (`cause` is the reason). */
export function abortError(cause: unknown): AbortError {
  const error = new AbortError(undefined, { cause });
  captureStack(error, abortError);
  return error;
}

/**
 * Node's writeAfterFIN error (a write after the peer's FIN with allowHalfOpen false):
 * a plain Error `This socket has been ended by the other party` with only `code: 'EPIPE'`.
 */
export function epipeAfterFin(): Error & { readonly code: 'EPIPE' } {
  const error = new Error('This socket has been ended by the other party') as Error & { code: 'EPIPE' };
  error.code = 'EPIPE';
  captureStack(error, epipeAfterFin);
  return error;
}

/** The fields a system error is rebuilt from (what the gateway forwards). */
export interface SystemErrorInit {
  /** errno name: 'ECONNREFUSED', 'ENOTFOUND', ... */
  readonly code: string;
  /** Node's (platform-specific, negative) errno; undefined for c-ares string codes. */
  readonly errno: number | undefined;
  /** 'connect', 'read', 'write', 'listen', 'bind', 'getaddrinfo', ... */
  readonly syscall: string;
  /** Present (even empty) for host/port errors (ExceptionWithHostPort). */
  readonly address?: string | undefined;
  readonly port?: number | undefined;
  /** Present for DNS errors (DNSException). */
  readonly hostname?: string | undefined;
  /** The local address/port a failed connect was bound to (` - Local (addr:port)`). */
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /**
   * libuv's description ('address already in use'). When set, the UVExceptionWithHostPort
   * shape of listen errors is used: `listen EADDRINUSE: address already in use 127.0.0.1:80`.
   */
  readonly description?: string | undefined;
  /** Replaces the computed message verbatim (a non-empty message relayed by the gateway). */
  readonly message?: string | undefined;
}

function hostPortDetails(address: string | undefined, port: number | undefined): string {
  if (port && port > 0) return ` ${address}:${port}`;
  if (address) return ` ${address}`;
  return '';
}

/**
 * A Node system error, in the shape of the Node function that makes it:
 * - `hostname` set: DNSException `getaddrinfo ENOTFOUND host` (errno, code, syscall, hostname);
 * - `description` set: UVExceptionWithHostPort (code, errno, syscall, address, port);
 * - `address` or `port` set: ExceptionWithHostPort `connect ECONNREFUSED 127.0.0.1:9`
 *   (errno, code, syscall, address, port, then localAddress/localPort as afterConnect adds them);
 * - otherwise ErrnoException `read ECONNRESET` (errno, code, syscall).
 * `port` is only set (and printed) when truthy, as in Node.
 */
export function systemError(init: SystemErrorInit): SystemError {
  const { code, errno, syscall } = init;
  let message: string;
  let fields: [string, unknown][];
  if (init.hostname !== undefined) {
    message = `${syscall} ${code}${init.hostname ? ` ${init.hostname}` : ''}`;
    fields = [['errno', errno], ['code', code], ['syscall', syscall]];
    if (init.hostname) fields.push(['hostname', init.hostname]);
  } else if (init.description !== undefined) {
    message = `${syscall} ${code}: ${init.description}${hostPortDetails(init.address, init.port)}`;
    fields = [['code', code], ['errno', errno], ['syscall', syscall], ['address', init.address]];
    if (init.port) fields.push(['port', init.port]);
  } else if (init.address !== undefined || init.port !== undefined) {
    let details = hostPortDetails(init.address, init.port);
    const local =
      init.localAddress && init.localPort ? `${init.localAddress}:${init.localPort}` : undefined;
    if (local) details += ` - Local (${local})`;
    message = `${syscall} ${code}${details}`;
    fields = [['errno', errno], ['code', code], ['syscall', syscall], ['address', init.address]];
    if (init.port) fields.push(['port', init.port]);
    if (local) fields.push(['localAddress', init.localAddress], ['localPort', init.localPort]);
  } else {
    message = `${syscall} ${code}`;
    fields = [['errno', errno], ['code', code], ['syscall', syscall]];
  }
  const error = new Error(init.message ? init.message : message);
  for (const [key, value] of fields) (error as unknown as Record<string, unknown>)[key] = value;
  captureStack(error, systemError);
  return error as SystemError;
}

// ---------------------------------------------------------------------------------------------
// inspect / format('%s') — the subset of lib/internal/util/inspect.js that error messages use
// ---------------------------------------------------------------------------------------------
//
// Faithful for primitives, functions and classes, arrays (sparse, grouped, extra keys), plain,
// null-prototype and class-instance objects, getters, symbols keys, circular references, Map,
// Set, Date, RegExp, boxed primitives, typed arrays, ArrayBuffer, WeakMap/WeakSet and custom
// `Symbol.for('nodejs.util.inspect.custom')` hooks (npm `buffer` uses one). Known gaps: Promise
// state is unknowable in a browser (`Promise { <unknown> }`), Proxies are inspected as their
// target would be, Error stacks are engine-specific, and string width counts UTF-16 units.

/** Options of {@link inspect}: only `depth` is configurable (Node's default is 2). */
export interface InspectOptions {
  readonly depth?: number;
}

interface InspectContext {
  depth: number;
  seen: unknown[];
  circular: Map<unknown, number> | undefined;
  indentationLvl: number;
  currentDepth: number;
  readonly breakLength: number;
  readonly compact: number;
  readonly maxArrayLength: number;
  readonly maxStringLength: number;
}

const kObjectType = 0;
const kArrayType = 1;
const kArrayExtrasType = 2;
type ExtrasType = typeof kObjectType | typeof kArrayType | typeof kArrayExtrasType;

const customInspectSymbol = Symbol.for('nodejs.util.inspect.custom');
const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const numberRegExp = /^(0|[1-9][0-9]*)$/;
const classRegExpSource = /^(\s+[^(]*?)\s*{/;
const stripCommentsRegExp = /(\/\/.*?\n)|(\/\*(.|\n)*?\*\/)/g;
const kMinLineLength = 16;
/* eslint-disable no-control-regex */
const strEscapeSequencesRegExp =
  /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const strEscapeSequencesReplacer =
  /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const strEscapeSequencesRegExpSingle =
  /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const strEscapeSequencesReplacerSingle =
  /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/* eslint-enable no-control-regex */

// Escapes for U+0000..U+009F; '' means "print as is".
const meta: readonly string[] = (() => {
  const table: string[] = [];
  const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
  for (let i = 0; i < 0xa0; i++) {
    const hex = `\\x${i.toString(16).toUpperCase().padStart(2, '0')}`;
    table.push(named[i] ?? (i < 0x20 || i >= 0x7f ? hex : ''));
  }
  return table;
})();

function escapeFn(str: string): string {
  const charCode = str.charCodeAt(0);
  return meta.length > charCode ? (meta[charCode] ?? '') : `\\u${charCode.toString(16)}`;
}

function addQuotes(str: string, quotes: number): string {
  if (quotes === -1) return `"${str}"`;
  if (quotes === -2) return `\`${str}\``;
  return `'${str}'`;
}

function strEscape(input: string): string {
  let str = input;
  let escapeTest = strEscapeSequencesRegExp;
  let escapeReplace = strEscapeSequencesReplacer;
  let singleQuote = 39;
  // Prefer double quotes, then backticks, over escaping single quotes.
  if (str.includes("'")) {
    if (!str.includes('"')) singleQuote = -1;
    else if (!str.includes('`') && !str.includes('${')) singleQuote = -2;
    if (singleQuote !== 39) {
      escapeTest = strEscapeSequencesRegExpSingle;
      escapeReplace = strEscapeSequencesReplacerSingle;
    }
  }
  if (str.length < 5000 && escapeTest.exec(str) === null) return addQuotes(str, singleQuote);
  if (str.length > 100) {
    str = str.replace(escapeReplace, escapeFn);
    return addQuotes(str, singleQuote);
  }
  let result = '';
  let last = 0;
  for (let i = 0; i < str.length; i++) {
    const point = str.charCodeAt(i);
    if (point === singleQuote || point === 92 || point < 32 || (point > 126 && point < 160)) {
      result += last === i ? meta[point] : `${str.slice(last, i)}${meta[point]}`;
      last = i + 1;
    } else if (point >= 0xd800 && point <= 0xdfff) {
      if (point <= 0xdbff && i + 1 < str.length) {
        const next = str.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
      }
      result += `${str.slice(last, i)}\\u${point.toString(16)}`;
      last = i + 1;
    }
  }
  if (last !== str.length) result += str.slice(last);
  return addQuotes(result, singleQuote);
}

function formatNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : `${value}`;
}

function formatPrimitive(value: unknown, ctx: InspectContext): string {
  if (typeof value === 'string') {
    let str = value;
    let trailer = '';
    if (str.length > ctx.maxStringLength) {
      const remaining = str.length - ctx.maxStringLength;
      str = str.slice(0, ctx.maxStringLength);
      trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
    }
    if (str.length > kMinLineLength && str.length > ctx.breakLength - ctx.indentationLvl - 4) {
      return (
        str
          .split(/(?<=\n)/)
          .map((line) => strEscape(line))
          .join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer
      );
    }
    return strEscape(str) + trailer;
  }
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'undefined') return 'undefined';
  return (value as symbol).toString();
}

/** Brand check: calls a built-in method that throws on the wrong receiver. */
function hasBrand(fn: (this: unknown) => unknown, value: unknown): boolean {
  try {
    fn.call(value);
    return true;
  } catch {
    return false;
  }
}

const getterOf = (proto: object, key: PropertyKey): ((this: unknown) => unknown) =>
  Object.getOwnPropertyDescriptor(proto, key)?.get ?? ((): never => { throw new TypeError(); });

const typedArrayTagGetter = getterOf(Object.getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag);
const isMap = (v: object): v is Map<unknown, unknown> => hasBrand(getterOf(Map.prototype, 'size'), v);
const isSet = (v: object): v is Set<unknown> => hasBrand(getterOf(Set.prototype, 'size'), v);
const isDate = (v: object): v is Date => hasBrand(Date.prototype.getTime as (this: unknown) => unknown, v);
const isRegExp = (v: object): v is RegExp => hasBrand(getterOf(RegExp.prototype, 'flags'), v) && hasBrand(getterOf(RegExp.prototype, 'global'), v);
const isArrayBuffer = (v: object): v is ArrayBuffer => hasBrand(getterOf(ArrayBuffer.prototype, 'byteLength'), v);
const isDataView = (v: object): v is DataView => hasBrand(getterOf(DataView.prototype, 'byteLength'), v);
const isWeakMap = (v: object): boolean => hasBrand(function (this: unknown) { WeakMap.prototype.has.call(this as WeakMap<object, unknown>, {}); }, v);
const isWeakSet = (v: object): boolean => hasBrand(function (this: unknown) { WeakSet.prototype.has.call(this as WeakSet<object>, {}); }, v);
const typedArrayName = (v: object): string | undefined => typedArrayTagGetter.call(v) as string | undefined;
const isError = (v: object): v is Error => v instanceof Error || Object.prototype.toString.call(v) === '[object Error]';
const isArguments = (v: object): boolean => Object.prototype.toString.call(v) === '[object Arguments]';

function boxedPrimitive(v: object): [type: string, value: unknown] | undefined {
  const checks: [string, (this: unknown) => unknown][] = [
    ['Number', Number.prototype.valueOf as (this: unknown) => unknown],
    ['String', String.prototype.valueOf as (this: unknown) => unknown],
    ['Boolean', Boolean.prototype.valueOf as (this: unknown) => unknown],
    ['BigInt', BigInt.prototype.valueOf as (this: unknown) => unknown],
    ['Symbol', Symbol.prototype.valueOf as (this: unknown) => unknown],
  ];
  for (const [type, valueOf] of checks) {
    try {
      return [type, valueOf.call(v)];
    } catch {
      // not this kind of box
    }
  }
  return undefined;
}

// Node collects these from globalThis while bootstrapping, before it adds Buffer, URL and the
// web globals; a browser's globalThis would add its DOM classes, so the list is fixed here.
const builtInObjects: ReadonlySet<string> = new Set([
  'Object', 'Function', 'Array', 'Number', 'Infinity', 'NaN', 'Boolean', 'String', 'Symbol', 'Date',
  'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
  'SyntaxError', 'TypeError', 'URIError', 'JSON', 'Math', 'Intl', 'ArrayBuffer', 'Uint8Array',
  'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array',
  'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array', 'DataView', 'Map',
  'BigInt', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect', 'FinalizationRegistry', 'WeakRef',
]);
function isBuiltInName(name: string): boolean {
  return builtInObjects.has(name);
}

function isInstanceof(object: unknown, proto: (...args: never[]) => unknown): boolean {
  try {
    return object instanceof proto;
  } catch {
    return false;
  }
}

// V8's internal GetConstructorName has no browser equivalent; the class tag is the closest.
function internalGetConstructorName(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function getConstructorName(obj: object, ctx: InspectContext, recurseTimes: number): string | null {
  let firstProto: object | null | undefined;
  const tmp = obj;
  let current: object | null = obj;
  while (current) {
    if (current === Object.prototype && isInstanceof(tmp, Object)) return 'Object';
    if (current === Function.prototype && isInstanceof(tmp, Function)) return 'Function';
    const descriptor = Object.getOwnPropertyDescriptor(current, 'constructor');
    if (
      descriptor !== undefined &&
      typeof descriptor.value === 'function' &&
      descriptor.value.name !== '' &&
      isInstanceof(tmp, descriptor.value as (...args: never[]) => unknown)
    ) {
      return String(descriptor.value.name);
    }
    current = Object.getPrototypeOf(current) as object | null;
    if (firstProto === undefined) firstProto = current;
  }
  if (firstProto === null || firstProto === undefined) return null;
  const res = internalGetConstructorName(tmp);
  if (recurseTimes > ctx.depth) return `${res} <Complex prototype>`;
  const protoConstr = getConstructorName(firstProto, ctx, recurseTimes + 1);
  if (protoConstr === null) {
    return `${res} <${inspect(firstProto, { depth: -1 })}>`;
  }
  return `${res} <${protoConstr}>`;
}

function getPrefix(constructor: string | null, tag: string, fallback: string, size = ''): string {
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
  return `${constructor}${size} `;
}

function getKeys(value: object): PropertyKey[] {
  const keys: PropertyKey[] = Object.keys(value);
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) keys.push(symbol);
  }
  return keys;
}

function isArrayIndex(key: string): boolean {
  return numberRegExp.test(key) && Number(key) < 2 ** 32 - 1;
}

function getOwnNonIndexProperties(value: object): PropertyKey[] {
  return getKeys(value).filter((key) => typeof key !== 'string' || !isArrayIndex(key));
}

function getCtxStyle(value: object, constructor: string | null, tag: string): string {
  let fallback = '';
  if (constructor === null) {
    fallback = internalGetConstructorName(value);
    if (fallback === tag) fallback = 'Object';
  }
  return getPrefix(constructor, tag, fallback);
}

function getClassBase(value: (...args: never[]) => unknown, constructor: string | null, tag: string): string {
  const hasName = Object.prototype.hasOwnProperty.call(value, 'name');
  const name = (hasName && (value.name as string | undefined)) || '(anonymous)';
  let base = `class ${name}`;
  if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  if (constructor !== null) {
    const superName = (Object.getPrototypeOf(value) as { name?: unknown } | null)?.name;
    if (superName) base += ` extends ${String(superName)}`;
  } else {
    base += ' extends [null prototype]';
  }
  return `[${base}]`;
}

function functionKind(value: (...args: never[]) => unknown): string {
  // No util.types in browsers: the constructor of each function kind is not a global.
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object AsyncGeneratorFunction]') return 'AsyncGeneratorFunction';
  if (tag === '[object GeneratorFunction]') return 'GeneratorFunction';
  if (tag === '[object AsyncFunction]') return 'AsyncFunction';
  return 'Function';
}

function getFunctionBase(value: (...args: never[]) => unknown, constructor: string | null, tag: string): string {
  const stringified = Function.prototype.toString.call(value);
  if (stringified.startsWith('class') && stringified.endsWith('}')) {
    const slice = stringified.slice(5, -1);
    const bracketIndex = slice.indexOf('{');
    if (
      bracketIndex !== -1 &&
      (!slice.slice(0, bracketIndex).includes('(') ||
        classRegExpSource.exec(slice.replace(stripCommentsRegExp, '')) !== null)
    ) {
      return getClassBase(value, constructor, tag);
    }
  }
  const type = functionKind(value);
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  base += value.name === '' ? ' (anonymous)' : `: ${value.name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function improveStack(input: string, constructor: string | null, name: string, tag: string): string {
  let stack = input;
  let len = name.length;
  if (
    constructor === null ||
    (name.endsWith('Error') &&
      stack.startsWith(name) &&
      (stack.length === len || stack[len] === ':' || stack[len] === '\n'))
  ) {
    let fallback = 'Error';
    if (constructor === null) {
      const start =
        /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n {4}at)/.exec(stack) ?? /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
      fallback = start?.[1] ?? '';
      len = fallback.length;
      fallback = fallback || 'Error';
    }
    const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
    if (name !== prefix) {
      if (prefix.includes(name)) {
        stack = len === 0 ? `${prefix}: ${stack}` : `${prefix}${stack.slice(len)}`;
      } else {
        stack = `${prefix} [${name}]${stack.slice(len)}`;
      }
    }
  }
  return stack;
}

// Node also collapses frames shared with `cause`; frames are engine-specific text anyway.
function formatError(err: Error, constructor: string | null, tag: string, ctx: InspectContext, keys: PropertyKey[]): string {
  const record = err as unknown as Record<string, unknown>;
  const name = record['name'] != null ? String(record['name']) : 'Error';
  let stack = err.stack ? String(err.stack) : Error.prototype.toString.call(err);
  if (keys.length !== 0) {
    for (const key of ['name', 'message', 'stack']) {
      const index = keys.indexOf(key);
      if (index !== -1 && stack.includes(record[key] as string)) keys.splice(index, 1);
    }
  }
  if ('cause' in err && (keys.length === 0 || !keys.includes('cause'))) keys.push('cause');
  if (Array.isArray(record['errors']) && (keys.length === 0 || !keys.includes('errors'))) keys.push('errors');
  stack = improveStack(stack, constructor, name, tag);
  const message = record['message'] as string;
  let pos = (message && stack.indexOf(message)) || -1;
  if (pos !== -1) pos += message.length;
  if (stack.indexOf('\n    at', pos) === -1) stack = `[${stack}]`;
  if (ctx.indentationLvl !== 0) stack = stack.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
  return stack;
}

function formatValue(ctx: InspectContext, value: unknown, recurseTimes: number): string {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(value, ctx);
  if (value === null) return 'null';
  const object = value as object;
  const maybeCustom = (object as Record<PropertyKey, unknown>)[customInspectSymbol];
  if (
    typeof maybeCustom === 'function' &&
    !((object as { constructor?: { prototype?: unknown } }).constructor?.prototype === object)
  ) {
    const depth = ctx.depth - recurseTimes;
    const options = {
      depth,
      showHidden: false,
      colors: false,
      customInspect: true,
      showProxy: false,
      maxArrayLength: ctx.maxArrayLength,
      maxStringLength: ctx.maxStringLength,
      breakLength: ctx.breakLength,
      compact: ctx.compact,
      sorted: false,
      getters: false,
      numericSeparator: false,
      stylize: (text: string): string => text,
    };
    const ret: unknown = (maybeCustom as (...args: unknown[]) => unknown).call(object, depth, options, inspect);
    if (ret !== object) {
      if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
      return ret.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
    }
  }
  if (ctx.seen.includes(object)) {
    let index = 1;
    if (ctx.circular === undefined) {
      ctx.circular = new Map([[object, index]]);
    } else {
      const known = ctx.circular.get(object);
      if (known === undefined) {
        index = ctx.circular.size + 1;
        ctx.circular.set(object, index);
      } else {
        index = known;
      }
    }
    return `[Circular *${index}]`;
  }
  return formatRaw(ctx, object, recurseTimes);
}

type Formatter = (ctx: InspectContext, value: object, recurseTimes: number) => string[];
const getEmptyFormatArray: Formatter = () => [];

function formatRaw(ctx: InspectContext, value: object, recurseTimes: number): string {
  const constructor = getConstructorName(value, ctx, recurseTimes);
  let tag: unknown = (value as Record<PropertyKey, unknown>)[Symbol.toStringTag];
  if (typeof tag !== 'string' || (tag !== '' && Object.prototype.propertyIsEnumerable.call(value, Symbol.toStringTag))) {
    tag = '';
  }
  const tagStr = tag as string;
  let base = '';
  let formatter: Formatter = getEmptyFormatArray;
  let braces: [string, string] = ['{', '}'];
  let keys: PropertyKey[] = [];
  let noIterator = true;
  let extrasType: ExtrasType = kObjectType;

  if (Symbol.iterator in value || constructor === null) {
    noIterator = false;
    const typedName = typedArrayName(value);
    if (Array.isArray(value)) {
      const prefix = constructor !== 'Array' || tagStr !== '' ? getPrefix(constructor, tagStr, 'Array', `(${value.length})`) : '';
      keys = getOwnNonIndexProperties(value);
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (isSet(value)) {
      const prefix = getPrefix(constructor, tagStr, 'Set', `(${value.size})`);
      keys = getKeys(value);
      formatter = formatSet;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (isMap(value)) {
      const prefix = getPrefix(constructor, tagStr, 'Map', `(${value.size})`);
      keys = getKeys(value);
      formatter = formatMap;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (typedName !== undefined) {
      keys = getOwnNonIndexProperties(value);
      const size = (value as Uint8Array).length;
      const prefix = getPrefix(constructor, tagStr, constructor === null ? typedName : '', `(${size})`);
      braces = [`${prefix}[`, ']'];
      if (size === 0 && keys.length === 0) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = kArrayExtrasType;
    } else {
      noIterator = true;
    }
  }
  if (noIterator) {
    keys = getKeys(value);
    braces = ['{', '}'];
    const boxed = boxedPrimitive(value);
    if (typeof value === 'function') {
      base = getFunctionBase(value as (...args: never[]) => unknown, constructor, tagStr);
      if (keys.length === 0) return base;
    } else if (constructor === 'Object') {
      if (isArguments(value)) braces[0] = '[Arguments] {';
      else if (tagStr !== '') braces[0] = `${getPrefix(constructor, tagStr, 'Object')}{`;
      if (keys.length === 0) return `${braces[0]}}`;
    } else if (isRegExp(value)) {
      base = RegExp.prototype.toString.call(constructor !== null ? value : new RegExp(value));
      const prefix = getPrefix(constructor, tagStr, 'RegExp');
      if (prefix !== 'RegExp ') base = `${prefix}${base}`;
      if (keys.length === 0 || recurseTimes > ctx.depth) return base;
    } else if (isDate(value)) {
      base = Number.isNaN(value.getTime()) ? Date.prototype.toString.call(value) : Date.prototype.toISOString.call(value);
      const prefix = getPrefix(constructor, tagStr, 'Date');
      if (prefix !== 'Date ') base = `${prefix}${base}`;
      if (keys.length === 0) return base;
    } else if (isError(value)) {
      base = formatError(value, constructor, tagStr, ctx, keys);
      if (keys.length === 0) return base;
    } else if (isArrayBuffer(value)) {
      const prefix = getPrefix(constructor, tagStr, 'ArrayBuffer');
      formatter = formatArrayBuffer;
      braces[0] = `${prefix}{`;
      keys.unshift('byteLength');
    } else if (isDataView(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'DataView')}{`;
      keys.unshift('byteLength', 'byteOffset', 'buffer');
    } else if (value instanceof Promise) {
      braces[0] = `${getPrefix(constructor, tagStr, 'Promise')}{`;
      formatter = () => ['<unknown>'];
    } else if (isWeakSet(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'WeakSet')}{`;
      formatter = () => ['<items unknown>'];
    } else if (isWeakMap(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'WeakMap')}{`;
      formatter = () => ['<items unknown>'];
    } else if (boxed !== undefined) {
      const [type, primitive] = boxed;
      if (type === 'String') keys.splice(0, (primitive as string).length);
      base = `[${type}`;
      if (type !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
      base += `: ${formatPrimitive(primitive, { ...ctx, indentationLvl: 0, breakLength: Infinity })}]`;
      if (tagStr !== '' && tagStr !== constructor) base += ` [${tagStr}]`;
      if (keys.length === 0) return base;
    } else {
      if (keys.length === 0) return `${getCtxStyle(value, constructor, tagStr)}{}`;
      braces[0] = `${getCtxStyle(value, constructor, tagStr)}{`;
    }
  }

  if (recurseTimes > ctx.depth) {
    let constructorName = getCtxStyle(value, constructor, tagStr).slice(0, -1);
    if (constructor !== null) constructorName = `[${constructorName}]`;
    return constructorName;
  }
  const nextRecurse = recurseTimes + 1;
  ctx.seen.push(value);
  ctx.currentDepth = nextRecurse;
  const output = formatter(ctx, value, nextRecurse);
  for (const key of keys) output.push(formatProperty(ctx, value, nextRecurse, key, extrasType));
  if (ctx.circular !== undefined) {
    const index = ctx.circular.get(value);
    if (index !== undefined) {
      const reference = `<ref *${index}>`;
      base = base === '' ? reference : `${reference} ${base}`;
    }
  }
  ctx.seen.pop();
  return reduceToSingleString(ctx, output, base, braces, extrasType, nextRecurse, value);
}

const remainingText = (remaining: number): string => `... ${remaining} more item${remaining > 1 ? 's' : ''}`;

function formatArray(ctx: InspectContext, value: object, recurseTimes: number): string[] {
  const array = value as unknown[];
  const valLen = array.length;
  const len = Math.min(Math.max(0, ctx.maxArrayLength), valLen);
  const remaining = valLen - len;
  const output: string[] = [];
  for (let i = 0; i < len; i++) {
    if (!Object.prototype.hasOwnProperty.call(array, i)) {
      return formatSpecialArray(ctx, array, recurseTimes, len, output, i);
    }
    output.push(formatProperty(ctx, array, recurseTimes, i, kArrayType));
  }
  if (remaining > 0) output.push(remainingText(remaining));
  return output;
}

function formatSpecialArray(
  ctx: InspectContext,
  value: unknown[],
  recurseTimes: number,
  maxLength: number,
  output: string[],
  start: number,
): string[] {
  const keys = Object.keys(value);
  let index = start;
  let i = start;
  for (; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i] ?? '';
    const tmp = Number(key);
    if (tmp > 2 ** 32 - 2) break;
    if (`${index}` !== key) {
      if (numberRegExp.exec(key) === null) break;
      const emptyItems = tmp - index;
      output.push(`<${emptyItems} empty item${emptyItems > 1 ? 's' : ''}>`);
      index = tmp;
      if (output.length === maxLength) break;
    }
    output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
    index++;
  }
  const remaining = value.length - index;
  if (output.length !== maxLength) {
    if (remaining > 0) output.push(`<${remaining} empty item${remaining > 1 ? 's' : ''}>`);
  } else if (remaining > 0) {
    output.push(remainingText(remaining));
  }
  return output;
}

function formatTypedArray(ctx: InspectContext, value: object): string[] {
  const array = value as ArrayLike<number | bigint>;
  const length = array.length;
  const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output: string[] = [];
  for (let i = 0; i < maxLength; i++) {
    const element = array[i];
    output.push(typeof element === 'bigint' ? `${element}n` : formatNumber(element as number));
  }
  if (length - maxLength > 0) output.push(remainingText(length - maxLength));
  return output;
}

function formatArrayBuffer(ctx: InspectContext, value: object): string[] {
  let buffer: Uint8Array;
  try {
    buffer = new Uint8Array(value as ArrayBuffer);
  } catch {
    return ['(detached)'];
  }
  const shown = Math.min(ctx.maxArrayLength, buffer.length);
  let str = Array.from(buffer.subarray(0, shown), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const remaining = buffer.length - ctx.maxArrayLength;
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return [`[Uint8Contents]: <${str}>`];
}

function formatSet(ctx: InspectContext, value: object, recurseTimes: number): string[] {
  const set = value as Set<unknown>;
  const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), set.size);
  const remaining = set.size - maxLength;
  const output: string[] = [];
  ctx.indentationLvl += 2;
  let i = 0;
  for (const v of set) {
    if (i >= maxLength) break;
    output.push(formatValue(ctx, v, recurseTimes));
    i++;
  }
  if (remaining > 0) output.push(remainingText(remaining));
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(ctx: InspectContext, value: object, recurseTimes: number): string[] {
  const map = value as Map<unknown, unknown>;
  const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), map.size);
  const remaining = map.size - maxLength;
  const output: string[] = [];
  ctx.indentationLvl += 2;
  let i = 0;
  for (const [k, v] of map) {
    if (i >= maxLength) break;
    output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    i++;
  }
  if (remaining > 0) output.push(remainingText(remaining));
  ctx.indentationLvl -= 2;
  return output;
}

function formatProperty(
  ctx: InspectContext,
  value: object,
  recurseTimes: number,
  key: PropertyKey,
  type: ExtrasType,
): string {
  let name: string;
  let str: string;
  const desc: PropertyDescriptor = Object.getOwnPropertyDescriptor(value, key) ?? {
    value: (value as Record<PropertyKey, unknown>)[key],
    enumerable: true,
  };
  if (desc.value !== undefined) {
    ctx.indentationLvl += 2;
    str = formatValue(ctx, desc.value, recurseTimes);
    ctx.indentationLvl -= 2;
  } else if (desc.get !== undefined) {
    str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else if (desc.set !== undefined) {
    str = '[Setter]';
  } else {
    str = 'undefined';
  }
  if (type === kArrayType) return str;
  if (typeof key === 'symbol') {
    name = `[${key.toString().replace(strEscapeSequencesReplacer, escapeFn)}]`;
  } else if (key === '__proto__') {
    name = "['__proto__']";
  } else if (desc.enumerable === false) {
    name = `[${String(key).replace(strEscapeSequencesReplacer, escapeFn)}]`;
  } else if (keyStrRegExp.test(String(key))) {
    name = String(key);
  } else {
    name = strEscape(String(key));
  }
  return `${name}: ${str}`;
}

// Node measures display width; UTF-16 length matches it for the ASCII text messages carry.
const getStringWidth = (str: string): number => str.length;

function groupArrayElements(ctx: InspectContext, output: string[], value: unknown): string[] {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLen: number[] = new Array<number>(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const len = getStringWidth(output[i] ?? '');
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const approxCharHeights = 2.5;
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(approxCharHeights * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const tmp: string[] = [];
    const maxLineLength: number[] = [];
    for (let i = 0; i < columns; i++) {
      let lineMaxLength = 0;
      for (let j = i; j < output.length; j += columns) {
        const len = dataLen[j] ?? 0;
        if (len > lineMaxLength) lineMaxLength = len;
      }
      maxLineLength.push(lineMaxLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      const items = value as ArrayLike<unknown>;
      for (let i = 0; i < output.length; i++) {
        if (typeof items[i] !== 'number' && typeof items[i] !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let str = '';
      let j = i;
      for (; j < max - 1; j++) {
        const entry = `${output[j] ?? ''}, `;
        const padding = maxLineLength[j - i] ?? 0;
        str += padStart ? entry.padStart(padding, ' ') : entry.padEnd(padding, ' ');
      }
      if (padStart) {
        const padding = (maxLineLength[j - i] ?? 0) - separatorSpace;
        str += (output[j] ?? '').padStart(padding, ' ');
      } else {
        str += output[j] ?? '';
      }
      tmp.push(str);
    }
    if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength] ?? '');
    return tmp;
  }
  return output;
}

function isBelowBreakLength(ctx: InspectContext, output: string[], start: number, base: string): boolean {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    totalLength += entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

function reduceToSingleString(
  ctx: InspectContext,
  input: string[],
  base: string,
  braces: [string, string],
  extrasType: ExtrasType,
  recurseTimes: number,
  value: unknown,
): string {
  let output = input;
  const entries = output.length;
  if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
  // Entries of the innermost `compact` (3) levels go on one line if they fit in breakLength.
  if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
    const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
    if (isBelowBreakLength(ctx, output, start, base)) {
      const joinedOutput = output.join(', ');
      if (!joinedOutput.includes('\n')) {
        return `${base ? `${base} ` : ''}${braces[0]} ${joinedOutput} ${braces[1]}`;
      }
    }
  }
  const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
  return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
}

/** Node's `util.inspect(value, { depth })` with default options, for error messages. */
export function inspect(value: unknown, options?: InspectOptions): string {
  const ctx: InspectContext = {
    depth: options?.depth ?? 2,
    seen: [],
    circular: undefined,
    indentationLvl: 0,
    currentDepth: 0,
    breakLength: 80,
    compact: 3,
    maxArrayLength: 100,
    maxStringLength: 10000,
  };
  return formatValue(ctx, value, 0);
}

function hasBuiltInToString(value: object): boolean {
  let hasOwnToString = (o: object, k: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, k);
  let hasOwnToPrimitive = hasOwnToString;
  const record = value as Record<PropertyKey, unknown>;
  if (typeof record['toString'] !== 'function') {
    if (typeof record[Symbol.toPrimitive] !== 'function') return true;
    if (Object.prototype.hasOwnProperty.call(value, Symbol.toPrimitive)) return false;
    hasOwnToString = () => false;
  } else if (Object.prototype.hasOwnProperty.call(value, 'toString')) {
    return false;
  } else if (typeof record[Symbol.toPrimitive] !== 'function') {
    hasOwnToPrimitive = () => false;
  } else if (Object.prototype.hasOwnProperty.call(value, Symbol.toPrimitive)) {
    return false;
  }
  let pointer: object | null = value;
  do {
    pointer = Object.getPrototypeOf(pointer) as object | null;
    if (pointer === null) return true;
  } while (!hasOwnToString(pointer, 'toString') && !hasOwnToPrimitive(pointer, Symbol.toPrimitive));
  const descriptor = Object.getOwnPropertyDescriptor(pointer, 'constructor');
  return (
    descriptor !== undefined &&
    typeof descriptor.value === 'function' &&
    isBuiltInName(String(descriptor.value.name))
  );
}

/** Node's `util.format('%s', value)`: what `%s` in an error message template prints. */
export function formatS(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null || !hasBuiltInToString(value)) return String(value);
  return inspect(value, { depth: 0 });
}
