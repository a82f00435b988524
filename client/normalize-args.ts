/**
 * Node 20's argument normalization and validation for `net.connect` / `net.createConnection`,
 * `socket.connect(...)`, the `Socket` constructor, `socket.setTimeout` and `socket.write`:
 * the same errors, thrown synchronously, in the same order as lib/net.js (normalizeArgs,
 * Socket, Socket.prototype.connect, lookupAndConnect), the stream constructors
 * (ReadableState, WritableState, addAbortSignal), dns.lookup's option checks and
 * setStreamTimeout. Browser code: no Node APIs.
 *
 * `net.connect(...args)` is, as in Node:
 *
 *   const normalized = normalizeArgs(args);
 *   const socket = new Socket(normalized[0]);          // validateSocketOptions
 *   if (normalized[0].timeout) socket.setTimeout(normalized[0].timeout); // validateTimeoutArgs
 *   return socket.connect(normalized);                  // normalizeConnectArgs accepts it as is
 */
import { isIP } from './ip.ts';
import {
  errInvalidArgType,
  errInvalidArgValue,
  errInvalidIpAddress,
  errMissingArgs,
  errOutOfRange,
  errSocketBadPort,
  errStreamNullValues,
  errUnknownEncoding,
} from './node-errors.ts';

/** getaddrinfo hint flags as Node on Linux (the usual gateway platform) defines them. */
export const DNS_HINTS = { V4MAPPED: 8, ALL: 16, ADDRCONFIG: 32 } as const;

/** Node's `TIMEOUT_MAX`: longer timers are clamped to 2^31 - 1 ms. */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/** `options.onread`: read into a caller-supplied buffer instead of emitting 'data'. */
export interface OnReadOptions {
  readonly buffer: Uint8Array | (() => Uint8Array);
  readonly callback: (bytesWritten: number, buffer: Uint8Array) => boolean | void;
}

/** The options Node passes to a `lookup` function (`all` only when several addresses are wanted). */
export interface LookupOptions {
  readonly family: number;
  readonly hints: number;
  readonly all?: boolean;
}

/** A `dns.lookup`-compatible function given as `options.lookup`. */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (error: Error | null, address?: unknown, family?: unknown) => void,
) => void;

/** A `connect` listener: the callback argument of `connect(...)`. */
export type ConnectCallback = () => void;

/** Options of `new net.Socket(options)` (Node's documented ones plus Duplex options). */
export interface SocketConstructorOptions {
  fd?: number | undefined;
  /** Internal in Node (accepted sockets); unsupported here. */
  handle?: unknown;
  allowHalfOpen?: boolean | undefined;
  readable?: boolean | undefined;
  writable?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onread?: OnReadOptions | null | undefined;
  noDelay?: boolean | undefined;
  keepAlive?: boolean | undefined;
  keepAliveInitialDelay?: number | undefined;
  highWaterMark?: number | undefined;
  readableHighWaterMark?: number | undefined;
  writableHighWaterMark?: number | undefined;
  encoding?: string | undefined;
  defaultEncoding?: string | undefined;
}

/** Options of `net.connect(options)` / `socket.connect(options)`: TCP or IPC (`path`). */
export interface ConnectOptions extends SocketConstructorOptions {
  port?: number | string | undefined;
  host?: string | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
  family?: number | 'IPv4' | 'IPv6' | undefined;
  hints?: number | undefined;
  lookup?: LookupFunction | undefined;
  autoSelectFamily?: boolean | undefined;
  autoSelectFamilyAttemptTimeout?: number | undefined;
  path?: string | undefined;
  /** `net.connect` only: calls `socket.setTimeout(timeout)` when truthy. */
  timeout?: number | undefined;
}

/** `connect(options)` to a TCP port (Node's TcpNetConnectOpts; a numeric string port is accepted, as Node does). */
export interface TcpConnectOptions extends ConnectOptions {
  port: number | string;
}

/** `connect(options)` to an IPC path: typed as in Node, throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM here. */
export interface IpcConnectOptions extends ConnectOptions {
  path: string;
}

/** What `net.connect(options)` / `socket.connect(options)` take: a port or a path (Node's NetConnectOpts). */
export type NetConnectOptions = TcpConnectOptions | IpcConnectOptions;

/**
 * The Socket constructor's own copy of its options, as Node builds it: `{ ...options }` with
 * the forced Duplex options (pass it to the Duplex constructor), `noDelay`/`keepAlive` as
 * booleans and `onread` kept only if it has Node's shape (else null; Node ignores it too).
 * `keepAliveInitialDelay` stays in ms (negative values became 0); Node applies
 * `~~(ms / 1000)` seconds at connect. `fd`/`handle` are set when given: the Socket must throw
 * ERR_FEATURE_UNAVAILABLE_ON_PLATFORM for them.
 */
export interface NormalizedSocketOptions extends SocketConstructorOptions {
  readonly allowHalfOpen: boolean;
  readonly emitClose: false;
  readonly autoDestroy: true;
  readonly decodeStrings: false;
  readonly noDelay: boolean;
  readonly keepAlive: boolean;
  readonly onread: OnReadOptions | null;
}

/** A validated TCP target. `host` has Node's default 'localhost'; `port` is `port | 0`. */
export interface NormalizedTcpConnectOptions {
  readonly path: undefined;
  readonly host: string;
  readonly port: number;
  /** 4 or 6 when the caller asked for one (`4`, `6`, 'IPv4', 'IPv6'), else 0. */
  readonly family: 0 | 4 | 6;
  /** `options.hints >>> 0` when a number, else 0 (no ADDRCONFIG default; see lookupOptions). */
  readonly hints: number;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly lookup: LookupFunction | undefined;
  readonly autoSelectFamily: boolean;
  readonly autoSelectFamilyAttemptTimeout: number;
  /**
   * Exactly what Node passes to a custom `lookup` (family as given, hints defaulted to
   * ADDRCONFIG, `all: true` when autoSelectFamily applies). Unused when `host` is an IP.
   */
  readonly lookupOptions: LookupOptions;
}

/**
 * An IPC target (`connect(path)`, `{ path }` with a non-empty path). Browsers have no Unix
 * sockets or named pipes: the Socket throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM for these,
 * after Node's own checks (the path is a string) have passed.
 */
export interface NormalizedIpcConnectOptions {
  readonly path: string;
}

/** A validated `connect` target; narrow with `options.path !== undefined`. */
export type NormalizedConnectOptions = NormalizedTcpConnectOptions | NormalizedIpcConnectOptions;

/** Process-wide defaults Node reads at connect (`net.setDefaultAutoSelectFamily...`). */
export interface ConnectDefaults {
  readonly autoSelectFamily: boolean;
  readonly autoSelectFamilyAttemptTimeout: number;
}

/** Node 20's defaults: autoSelectFamily on, 250 ms per attempt. */
export const DEFAULT_CONNECT_DEFAULTS: ConnectDefaults = { autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 250 };

/** Marks arrays made by {@link normalizeArgs} so `socket.connect(normalized)` skips normalizing. */
export const normalizedArgsSymbol: unique symbol = Symbol('normalizedArgs');

/** Node's `[options, callback]` pair from `normalizeArgs`, marked as normalized. */
export type NormalizedArgs = [options: ConnectOptions, callback: ConnectCallback | null] & {
  [normalizedArgsSymbol]: true;
};

type Loose = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Validators (internal/validators.js), throwing Node's errors
// ---------------------------------------------------------------------------------------------

export function validateNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw errInvalidArgType(name, 'number', value);
}

function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw errInvalidArgType(name, 'boolean', value);
}

function validateFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') throw errInvalidArgType(name, 'function', value);
}

function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw errInvalidArgType(name, 'string', value);
}

function validateInt32(value: unknown, name: string, min = -2147483648, max = 2147483647): asserts value is number {
  if (typeof value !== 'number') throw errInvalidArgType(name, 'number', value);
  if (!Number.isInteger(value)) throw errOutOfRange(name, 'an integer', value);
  if (value < min || value > max) throw errOutOfRange(name, `>= ${min} && <= ${max}`, value);
}

function validateOneOf(value: unknown, name: string, oneOf: readonly unknown[]): void {
  if (!oneOf.includes(value)) {
    const allowed = oneOf.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
    throw errInvalidArgValue(name, value, `must be one of: ${allowed}`);
  }
}

/** Node's `validatePort`: a number or numeric string in 0..65535 (strings may be padded, hex). */
export function validatePort(port: unknown, name = 'Port', allowZero = true): void {
  if (
    (typeof port !== 'number' && typeof port !== 'string') ||
    (typeof port === 'string' && port.trim().length === 0) ||
    +port !== +port >>> 0 ||
    +port > 0xffff ||
    (port === 0 && !allowZero)
  ) {
    throw errSocketBadPort(name, port, allowZero);
  }
}

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get;

function isUint8Array(value: unknown): value is Uint8Array {
  return typedArrayTag?.call(value) === 'Uint8Array';
}

// internal/util normalizeEncoding: exact names, their upper-case forms, then a lower-cased retry.
function normalizeEncoding(enc: unknown): string | undefined {
  if (enc == null || enc === 'utf8' || enc === 'utf-8') return 'utf8';
  const lower = (): string => String.prototype.toLowerCase.call(enc);
  switch ((enc as { length?: unknown }).length) {
    case 3:
      return lower() === 'hex' ? 'hex' : undefined;
    case 4:
      if (lower() === 'utf8') return 'utf8';
      return lower() === 'ucs2' ? 'utf16le' : undefined;
    case 5: {
      const l = lower();
      if (l === 'utf-8') return 'utf8';
      if (l === 'ascii') return 'ascii';
      return l === 'ucs-2' ? 'utf16le' : undefined;
    }
    case 6: {
      const l = lower();
      if (l === 'base64') return 'base64';
      return l === 'latin1' || l === 'binary' ? 'latin1' : undefined;
    }
    case 7:
      return lower() === 'utf16le' ? 'utf16le' : undefined;
    case 8:
      return lower() === 'utf-16le' ? 'utf16le' : undefined;
    case 9:
      return lower() === 'base64url' ? 'base64url' : undefined;
    default:
      return enc === '' ? 'utf8' : undefined;
  }
}

/** Node's `Buffer.isEncoding`. */
function isEncoding(encoding: unknown): boolean {
  return typeof encoding === 'string' && encoding.length !== 0 && normalizeEncoding(encoding) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// normalizeArgs
// ---------------------------------------------------------------------------------------------

/** Node's `toNumber` in net.js: a non-negative number, or false. */
export function toNumber(x: unknown): number | false {
  const n = Number(x);
  return n >= 0 ? n : false;
}

/** A string that is not a non-negative number is a pipe path: `connect('abc')` is IPC. */
export function isPipeName(s: unknown): s is string {
  return typeof s === 'string' && toNumber(s) === false;
}

/**
 * Node's `normalizeArgs` (exposed as `net._normalizeArgs`): `(options[, cb])`, `(path[, cb])`
 * or `([port][, host][, cb])` → `[options, callback]`. Never throws and validates nothing;
 * an object first argument is used as is (arrays too: `connect([80])` has no port).
 */
export function normalizeArgs(args: readonly unknown[]): NormalizedArgs {
  let arr: [ConnectOptions, ConnectCallback | null];
  if (args.length === 0) {
    arr = [{}, null];
  } else {
    const arg0 = args[0];
    let options: Loose = {};
    if (typeof arg0 === 'object' && arg0 !== null) {
      options = arg0 as Loose;
    } else if (isPipeName(arg0)) {
      options['path'] = arg0;
    } else {
      options['port'] = arg0;
      if (args.length > 1 && typeof args[1] === 'string') options['host'] = args[1];
    }
    const cb = args[args.length - 1];
    arr = [options as ConnectOptions, typeof cb === 'function' ? (cb as ConnectCallback) : null];
  }
  return Object.assign(arr, { [normalizedArgsSymbol]: true as const });
}

/** True for an array made by {@link normalizeArgs}. */
export function isNormalizedArgs(value: unknown): value is NormalizedArgs {
  return Array.isArray(value) && (value as Partial<NormalizedArgs>)[normalizedArgsSymbol] === true;
}

// ---------------------------------------------------------------------------------------------
// Socket constructor
// ---------------------------------------------------------------------------------------------

// Readable/WritableState's getHighWaterMark for a Duplex: the error names the duplex key even
// when the bad value came from `highWaterMark`.
function validateHighWaterMark(options: Loose, duplexKey: string): void {
  const hwm = options['highWaterMark'] != null ? options['highWaterMark'] : options[duplexKey];
  if (hwm != null && (!Number.isInteger(hwm) || (hwm as number) < 0)) {
    throw errInvalidArgValue(`options.${duplexKey}`, hwm);
  }
}

function validateDefaultEncoding(options: Loose): void {
  const defaultEncoding = options['defaultEncoding'];
  if (defaultEncoding == null || defaultEncoding === 'utf8' || defaultEncoding === 'utf-8') return;
  if (!isEncoding(defaultEncoding)) throw errUnknownEncoding(defaultEncoding);
}

/**
 * Validates `new net.Socket(options)` as Node 20 does, in order: objectMode options
 * (ERR_INVALID_ARG_VALUE), keepAliveInitialDelay (a number; a negative value is set to 0 on
 * the caller's object, as Node does), then the Duplex constructor's checks (high water marks,
 * encodings, `signal`), then `fd` (an int32 >= 0) unless `handle` is given. A number is
 * Node's legacy `new Socket(fd)`.
 */
export function validateSocketOptions(options: unknown): NormalizedSocketOptions {
  const given = options as Loose | null | undefined;
  if (given?.['objectMode']) {
    throw errInvalidArgValue('options.objectMode', given['objectMode'], 'is not supported');
  } else if (given?.['readableObjectMode'] || given?.['writableObjectMode']) {
    throw errInvalidArgValue(
      `options.${given['readableObjectMode'] ? 'readableObjectMode' : 'writableObjectMode'}`,
      given['readableObjectMode'] || given['writableObjectMode'],
      'is not supported',
    );
  }
  if (typeof given?.['keepAliveInitialDelay'] !== 'undefined') {
    validateNumber(given['keepAliveInitialDelay'], 'options.keepAliveInitialDelay');
    if (given['keepAliveInitialDelay'] < 0) given['keepAliveInitialDelay'] = 0;
  }

  const copy: Loose = typeof options === 'number' ? { fd: options } : { ...(options as object) };
  copy['allowHalfOpen'] = Boolean(copy['allowHalfOpen']);
  copy['emitClose'] = false;
  copy['autoDestroy'] = true;
  copy['decodeStrings'] = false;

  // stream.Duplex.call(this, options): ReadableState, WritableState, then the signal.
  validateHighWaterMark(copy, 'readableHighWaterMark');
  validateDefaultEncoding(copy);
  if (copy['encoding'] && normalizeEncoding(copy['encoding']) === undefined) {
    throw errUnknownEncoding(copy['encoding']);
  }
  validateHighWaterMark(copy, 'writableHighWaterMark');
  validateDefaultEncoding(copy);
  const signal = copy['signal'];
  if (signal && (typeof signal !== 'object' || !('aborted' in signal))) {
    throw errInvalidArgType('signal', 'AbortSignal', signal);
  }

  if (!copy['handle'] && copy['fd'] !== undefined) validateInt32(copy['fd'], 'fd', 0);

  const onread = copy['onread'] as Loose | null | undefined;
  const validOnread =
    onread !== null &&
    typeof onread === 'object' &&
    (isUint8Array(onread['buffer']) || typeof onread['buffer'] === 'function') &&
    typeof onread['callback'] === 'function';
  copy['onread'] = validOnread ? onread : null;
  copy['noDelay'] = Boolean(copy['noDelay']);
  copy['keepAlive'] = Boolean(copy['keepAlive']);
  return copy as unknown as NormalizedSocketOptions;
}

// ---------------------------------------------------------------------------------------------
// connect
// ---------------------------------------------------------------------------------------------

function socketToDnsFamily(family: unknown): unknown {
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family;
}

/**
 * Validates the options half of `socket.connect(...)` as Node 20 does: ERR_MISSING_ARGS when
 * there is neither `port` nor `path`; a non-empty `path` must be a string (IPC); otherwise
 * lookupAndConnect's checks in order — localAddress, localPort, port, autoSelectFamily,
 * autoSelectFamilyAttemptTimeout — and, only when `host` is not an IP literal: `lookup`, and
 * (only without a custom lookup) dns.lookup's checks of the host name, hints and family.
 *
 * Node throws ERR_MISSING_ARGS before touching the socket and the rest after setting
 * `connecting = true`; a Socket that wants that exact state calls this after doing the same.
 */
export function validateConnectOptions(
  options: unknown,
  defaults: ConnectDefaults = DEFAULT_CONNECT_DEFAULTS,
): NormalizedConnectOptions {
  const o = options as Loose;
  // `port === null` is rejected later, as a bad port type.
  if (o['port'] === undefined && o['path'] == null) throw errMissingArgs(['options', 'port', 'path']);

  const path = o['path'];
  if (path) {
    validateString(path, 'options.path');
    return { path };
  }

  // lookupAndConnect
  const localAddress = o['localAddress'];
  const localPort = o['localPort'];
  const rawHost = o['host'] || 'localhost';
  const port = o['port'];
  if (localAddress && !isIP(localAddress)) throw errInvalidIpAddress(localAddress);
  if (localPort) validateNumber(localPort, 'options.localPort');
  if (typeof port !== 'undefined') {
    if (typeof port !== 'number' && typeof port !== 'string') {
      throw errInvalidArgType('options.port', ['number', 'string'], port);
    }
    validatePort(port);
  }

  let autoSelectFamily = o['autoSelectFamily'];
  if (autoSelectFamily != null) validateBoolean(autoSelectFamily, 'options.autoSelectFamily');
  else autoSelectFamily = defaults.autoSelectFamily;

  let attemptTimeout = o['autoSelectFamilyAttemptTimeout'];
  if (attemptTimeout != null) {
    validateInt32(attemptTimeout, 'options.autoSelectFamilyAttemptTimeout', 1);
    if (attemptTimeout < 10) attemptTimeout = 10;
  } else {
    attemptTimeout = defaults.autoSelectFamilyAttemptTimeout;
  }

  const dnsFamily = socketToDnsFamily(o['family']);
  let hints: unknown = o['hints'] || 0;
  // Node (not on Windows) asks for ADDRCONFIG when no family and no hints are given.
  if (dnsFamily !== 4 && dnsFamily !== 6 && hints === 0) hints = DNS_HINTS.ADDRCONFIG;
  const lookupOptions: { family: unknown; hints: unknown; all?: boolean } = { family: dnsFamily, hints };
  if (dnsFamily !== 4 && dnsFamily !== 6 && !localAddress && autoSelectFamily) lookupOptions.all = true;

  const addressType = isIP(rawHost);
  const lookup = o['lookup'];
  if (addressType === 0) {
    if (lookup != null) validateFunction(lookup, 'options.lookup');
    // Without a custom lookup Node calls dns.lookup(host, dnsopts) synchronously.
    if (!lookup) {
      validateString(rawHost, 'hostname');
      validateNumber(hints, 'options.hints');
      const flags = hints >>> 0;
      if ((flags & ~(DNS_HINTS.ADDRCONFIG | DNS_HINTS.ALL | DNS_HINTS.V4MAPPED)) !== 0) {
        throw errInvalidArgValue('hints', flags);
      }
      if (dnsFamily != null) validateOneOf(dnsFamily, 'options.family', [0, 4, 6]);
    }
  }

  return {
    path: undefined,
    // Node hands a non-string host to a custom lookup untouched; we pass its string form.
    host: typeof rawHost === 'string' ? rawHost : String(rawHost),
    port: Number(port) | 0,
    family: dnsFamily === 4 || dnsFamily === 6 ? dnsFamily : 0,
    hints: typeof o['hints'] === 'number' ? o['hints'] >>> 0 : 0,
    localAddress: localAddress ? String(localAddress) : undefined,
    localPort: localPort ? (localPort as number) : undefined,
    lookup: typeof lookup === 'function' ? (lookup as LookupFunction) : undefined,
    autoSelectFamily: autoSelectFamily as boolean,
    autoSelectFamilyAttemptTimeout: attemptTimeout as number,
    lookupOptions: lookupOptions as LookupOptions,
  };
}

/**
 * `socket.connect(...args)`: normalizes (or takes an array from {@link normalizeArgs} as is,
 * which is how `net.connect` hands over) and validates. Throws Node's errors synchronously.
 * Node registers `callback` as a 'connect' listener before validating; to copy that, use
 * {@link normalizeArgs} and {@link validateConnectOptions} separately.
 */
export function normalizeConnectArgs(
  args: readonly unknown[],
  defaults: ConnectDefaults = DEFAULT_CONNECT_DEFAULTS,
): { options: NormalizedConnectOptions; callback: ConnectCallback | null } {
  const normalized = isNormalizedArgs(args[0]) ? args[0] : normalizeArgs(args);
  const [options, callback] = normalized;
  return { options: validateConnectOptions(options, defaults), callback };
}

// ---------------------------------------------------------------------------------------------
// setTimeout / write
// ---------------------------------------------------------------------------------------------

/**
 * Validates `socket.setTimeout(msecs[, callback])` (Node's setStreamTimeout) and returns the
 * timer duration: a finite number >= 0 (ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE), clamped to
 * TIMEOUT_MAX (Node also warns then), and an optional function callback. Node returns early
 * on a destroyed socket and assigns `socket.timeout = msecs` before these checks.
 */
export function validateTimeoutArgs(msecs: unknown, callback: unknown): number {
  validateNumber(msecs, 'msecs');
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw errOutOfRange('msecs', 'a non-negative finite number', msecs);
  }
  if (callback !== undefined) validateFunction(callback, 'callback');
  return msecs > TIMEOUT_MAX ? TIMEOUT_MAX : msecs;
}

/**
 * Validates `socket.write(chunk[, encoding][, cb])` as Writable.write does, in its order:
 * null → ERR_STREAM_NULL_VALUES; an unknown encoding → ERR_UNKNOWN_ENCODING; anything but a
 * string, Buffer, TypedArray or DataView → ERR_INVALID_ARG_TYPE.
 */
export function validateWriteChunk(chunk: unknown, encoding?: unknown): asserts chunk is string | ArrayBufferView {
  const enc = typeof encoding === 'function' ? null : encoding;
  if (chunk === null) throw errStreamNullValues();
  if (enc && enc !== 'buffer' && !isEncoding(enc)) throw errUnknownEncoding(enc);
  if (typeof chunk !== 'string' && !ArrayBuffer.isView(chunk)) {
    throw errInvalidArgType('chunk', ['string', 'Buffer', 'TypedArray', 'DataView'], chunk);
  }
}
