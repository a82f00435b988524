/**
 * Node 20's `util.inspect(value, { depth })` with default options and `util.format('%s', value)`:
 * the subset of lib/internal/util/inspect.js that Node's error messages use (node-errors.ts),
 * reproduced exactly. Browser code: no Node APIs.
 *
 * Faithful for primitives, functions and classes, arrays (sparse, grouped, extra keys), plain,
 * null-prototype and class-instance objects, getters, symbols keys, circular references, Map,
 * Set, Date, RegExp, boxed primitives, typed arrays, ArrayBuffer, WeakMap/WeakSet and custom
 * `Symbol.for('nodejs.util.inspect.custom')` hooks (npm `buffer` uses one). Known gaps: Promise
 * state is unknowable in a browser (`Promise { <unknown> }`), Proxies are inspected as their
 * target would be, Error stacks are engine-specific, and string width counts UTF-16 units.
 *
 * Beside it: inspect-strings.ts (primitives), inspect-brands.ts (type checks), inspect-layout.ts
 * (the context, and how entries become lines).
 */

import {
  boxedPrimitive,
  isArguments,
  isArrayBuffer,
  isBuiltInName,
  isDataView,
  isDate,
  isError,
  isInstanceof,
  isMap,
  isRegExp,
  isSet,
  isWeakMap,
  isWeakSet,
  typedArrayName,
} from './inspect-brands.ts';
import { type ExtrasType, type InspectContext, kArrayExtrasType, kArrayType, kObjectType, reduceToSingleString } from './inspect-layout.ts';
import { escapeFn, formatNumber, formatPrimitive, strEscape, strEscapeSequencesReplacer } from './inspect-strings.ts';

/** Options of {@link inspect}: only `depth` is configurable (Node's default is 2). */
export interface InspectOptions {
  readonly depth?: number;
}

const customInspectSymbol = Symbol.for('nodejs.util.inspect.custom');
const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const numberRegExp = /^(0|[1-9][0-9]*)$/;
const classRegExpSource = /^(\s+[^(]*?)\s*{/;
const stripCommentsRegExp = /(\/\/.*?\n)|(\/\*(.|\n)*?\*\/)/g;

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
