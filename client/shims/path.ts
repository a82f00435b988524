/**
 * `path` / `node:path` in a page: POSIX paths with '/' as the working directory. Libraries
 * compute paths when they load (ssh2: `resolve(__dirname, '..', 'util/pagent.exe')`,
 * pgpass: a path under the home directory) even when the page never opens a file.
 */

function normalizeParts(path: string, absolute: boolean): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

/** path.normalize. */
export function normalize(path: string): string {
  if (path === '') return '.';
  const absolute = path.startsWith('/');
  const body = normalizeParts(path, absolute);
  const trailing = path.endsWith('/') && body !== '' ? '/' : '';
  if (absolute) return `/${body}${trailing}`;
  return body === '' ? '.' : `${body}${trailing}`;
}

/** path.isAbsolute. */
export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

/** path.join. */
export function join(...paths: string[]): string {
  const joined = paths.filter((path) => path !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
}

/** path.resolve, with '/' as process.cwd(). */
export function resolve(...paths: string[]): string {
  let resolved = '';
  for (let i = paths.length - 1; i >= 0 && !resolved.startsWith('/'); i--) {
    const path = paths[i] as string;
    if (path !== '') resolved = resolved === '' ? path : `${path}/${resolved}`;
  }
  if (!resolved.startsWith('/')) resolved = `/${resolved}`;
  return `/${normalizeParts(resolved, true)}`;
}

/** path.dirname. */
export function dirname(path: string): string {
  if (path === '') return '.';
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const index = trimmed.lastIndexOf('/');
  if (index === -1) return '.';
  if (index === 0) return '/';
  return trimmed.slice(0, index);
}

/** path.basename. */
export function basename(path: string, suffix?: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return suffix !== undefined && suffix !== base && base.endsWith(suffix) ? base.slice(0, -suffix.length) : base;
}

/** path.extname. */
export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot <= 0 || base === '..' ? '' : base.slice(dot);
}

/** path.relative. */
export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/');
}

export const sep = '/';
export const delimiter = ':';

const path = { normalize, isAbsolute, join, resolve, dirname, basename, extname, relative, sep, delimiter } as Record<string, unknown>;
path['posix'] = path;
export const posix = path;
export default path;
