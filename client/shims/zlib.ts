/**
 * `zlib` / `node:zlib` in a page: there is no native zlib, and no library we bundle needs
 * compression on the wire. ssh2 reads `createInflate()._handle.constructor` and a few
 * `constants` when it loads, then uses them only if compression is negotiated; it offers
 * 'none' first and servers follow the client's order. So this is shaped enough to load,
 * and throws if compression is ever really asked for rather than corrupting a stream.
 */

/** Thrown for any real use of zlib in a page. */
function unavailable(): Error {
  return Object.assign(new Error('zlib is not available in the browser (sockway/vite); turn compression off'), {
    code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  });
}

class ZlibHandle {
  constructor() {
    throw unavailable();
  }
}

/** An object shaped like Node's Inflate/Deflate as far as loaders look at it. */
function stream(): { readonly _handle: ZlibHandle } {
  return { _handle: Object.create(ZlibHandle.prototype) as ZlibHandle };
}

export const createInflate = stream;
export const createDeflate = stream;
export const createInflateRaw = stream;
export const createDeflateRaw = stream;
export const createGunzip = stream;
export const createGzip = stream;
export const createUnzip = stream;

function sync(): never {
  throw unavailable();
}
export const inflateSync = sync;
export const deflateSync = sync;
export const gunzipSync = sync;
export const gzipSync = sync;

/** Node's zlib constants (the values libraries read at load time). */
export const constants = Object.freeze({
  Z_NO_FLUSH: 0,
  Z_PARTIAL_FLUSH: 1,
  Z_SYNC_FLUSH: 2,
  Z_FULL_FLUSH: 3,
  Z_FINISH: 4,
  Z_BLOCK: 5,
  Z_OK: 0,
  Z_STREAM_END: 1,
  Z_NEED_DICT: 2,
  Z_DEFAULT_COMPRESSION: -1,
  Z_DEFAULT_STRATEGY: 0,
  Z_DEFAULT_WINDOWBITS: 15,
  Z_DEFAULT_MEMLEVEL: 8,
  Z_DEFAULT_CHUNK: 16 * 1024,
  DEFLATE: 1,
  INFLATE: 2,
  GZIP: 3,
  GUNZIP: 4,
  DEFLATERAW: 5,
  INFLATERAW: 6,
  UNZIP: 7,
});

export default {
  createInflate, createDeflate, createInflateRaw, createDeflateRaw, createGunzip, createGzip, createUnzip,
  inflateSync, deflateSync, gunzipSync, gzipSync, constants,
};
