/**
 * `util` / `node:util` in a page: the npm `util` package plus what it lacks of Node's
 * module that client libraries import by name — the `TextEncoder`/`TextDecoder` classes
 * (ldapts: `import { TextDecoder } from 'node:util'`), which browsers have as globals.
 */
// @ts-expect-error -- the npm package ships no typings for its file
import npmUtil from 'util/util.js';

type Npm = typeof import('node:util');
const npm = npmUtil as Npm;

export const {
  format,
  deprecate,
  debuglog,
  inspect,
  types,
  isArray,
  isBoolean,
  isNull,
  isNullOrUndefined,
  isNumber,
  isString,
  isSymbol,
  isUndefined,
  isRegExp,
  isObject,
  isDate,
  isError,
  isFunction,
  isPrimitive,
  isBuffer,
  log,
  inherits,
  promisify,
  callbackify,
} = npm;
/** Node's alias of debuglog. */
export const debug = debuglog;
/** The WHATWG encoding classes, as Node's util exports them (the same as the globals). */
export const { TextEncoder, TextDecoder } = globalThis;

// Typed as Node's module: the inferred type names node:util's internal option types, which a .d.ts cannot.
const util: Npm = { ...npm, debug, TextEncoder, TextDecoder } as Npm;
export default util;
