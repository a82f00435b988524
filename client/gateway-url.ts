/**
 * Gateway URLs as bundler plugins write them: absolute `ws(s)://` URLs, or paths and
 * `http(s)://` URLs resolved against the page (or worker) that loads the bundle.
 */

/**
 * Resolves `url` against `base` (default: the global `location`) and maps
 * http → ws and https → wss, so `'/sockway'` means "this origin's /sockway".
 */
export function toWebSocketUrl(url: string, base?: string): string {
  const location = (globalThis as { location?: { href?: string } }).location;
  const resolved = new URL(url, base ?? location?.href);
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  return resolved.href;
}
