/**
 * inspect's type checks without Node's internal bindings: brand checks (a built-in method
 * that throws on the wrong receiver), boxed primitives and the built-in constructor names.
 */
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
export const isMap = (v: object): v is Map<unknown, unknown> => hasBrand(getterOf(Map.prototype, 'size'), v);
export const isSet = (v: object): v is Set<unknown> => hasBrand(getterOf(Set.prototype, 'size'), v);
export const isDate = (v: object): v is Date => hasBrand(Date.prototype.getTime as (this: unknown) => unknown, v);
export const isRegExp = (v: object): v is RegExp => hasBrand(getterOf(RegExp.prototype, 'flags'), v) && hasBrand(getterOf(RegExp.prototype, 'global'), v);
export const isArrayBuffer = (v: object): v is ArrayBuffer => hasBrand(getterOf(ArrayBuffer.prototype, 'byteLength'), v);
export const isDataView = (v: object): v is DataView => hasBrand(getterOf(DataView.prototype, 'byteLength'), v);
export const isWeakMap = (v: object): boolean => hasBrand(function (this: unknown) { WeakMap.prototype.has.call(this as WeakMap<object, unknown>, {}); }, v);
export const isWeakSet = (v: object): boolean => hasBrand(function (this: unknown) { WeakSet.prototype.has.call(this as WeakSet<object>, {}); }, v);
export const typedArrayName = (v: object): string | undefined => typedArrayTagGetter.call(v) as string | undefined;
export const isError = (v: object): v is Error => v instanceof Error || Object.prototype.toString.call(v) === '[object Error]';
export const isArguments = (v: object): boolean => Object.prototype.toString.call(v) === '[object Arguments]';

export function boxedPrimitive(v: object): [type: string, value: unknown] | undefined {
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
export function isBuiltInName(name: string): boolean {
  return builtInObjects.has(name);
}

export function isInstanceof(object: unknown, proto: (...args: never[]) => unknown): boolean {
  try {
    return object instanceof proto;
  } catch {
    return false;
  }
}
