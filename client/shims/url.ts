/**
 * `url` / `node:url` in a page: the npm `url` package (the legacy `parse`/`format`/
 * `resolve` API) plus the WHATWG `URL` and `URLSearchParams` classes Node's module also
 * exports (ldapjs parses its server URL with `new url.URL()`), which browsers have as globals.
 */
// @ts-expect-error -- the npm package ships no typings for its file
import npmUrl from 'url/url.js';

type NodeUrl = typeof import('node:url');
interface NpmUrl {
  readonly parse: NodeUrl['parse'];
  readonly resolve: NodeUrl['resolve'];
  readonly format: NodeUrl['format'];
  resolveObject(from: string, to: string): unknown;
  readonly Url: new () => unknown;
}
const npm = npmUrl as NpmUrl;

export const { parse, resolve, resolveObject, format, Url } = npm;
/** The WHATWG classes, as Node's url exports them (the same as the globals). */
export const { URL, URLSearchParams } = globalThis;

const url = { parse, resolve, resolveObject, format, Url, URL, URLSearchParams };
export default url;
