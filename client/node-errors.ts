/**
 * Builders for the errors Node 20's `net` (and the streams under it) throws, reproduced exactly:
 * same `name`, `code`, `message`, `String(err)`, stack header, own-property set and order, and
 * `err.constructor`. Client libraries match on these, so a difference is a bug.
 *
 * Sources: Node v20.20.2 `lib/internal/errors.js` (NodeError, ExceptionWithHostPort,
 * DNSException, AbortError, determineSpecificType); the values in messages are printed by
 * inspect.ts (Node's util.inspect and format('%s')). Browser code: no Node APIs.
 */
import { captureStack } from '../shared/errors.ts';
import { formatS, inspect } from './inspect.ts';

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
