/**
 * What `fs` and `fs/promises` are made of in a page: a page has no file system, so every
 * function exists (libraries bind them at import time, e.g. `promisify(fs.readdir)`) and
 * fails when called, as Node fails a system call: an ENOSYS error with `errno`, `code`,
 * `syscall` and `path`, so a library's `catch (e) { if (e.code === 'ENOENT') … }` paths
 * see a Node-shaped error.
 */

/** Node's ENOSYS errno on Linux. */
const ENOSYS_ERRNO = -38;

/** An fs error as Node's uvException makes it: `ENOSYS: function not implemented, open '/x'`. */
export interface FsError extends Error {
  errno: number;
  code: 'ENOSYS';
  syscall: string;
  path?: string;
  dest?: string;
}

/** The libuv system call Node names in the error, where it differs from the function's name. */
const SYSCALLS: Readonly<Record<string, string>> = {
  readFile: 'open',
  writeFile: 'open',
  appendFile: 'open',
  readdir: 'scandir',
  createReadStream: 'open',
  createWriteStream: 'open',
  cp: 'copyfile',
  copyFile: 'copyfile',
  mkdtemp: 'mkdtemp',
};

/** Functions whose second argument is a path too (reported as `dest`). */
const TWO_PATHS = new Set(['rename', 'link', 'symlink', 'copyFile', 'cp']);

function pathString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof URL) return value.pathname;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}

/** The error calling fs function `name` with `args` fails with. */
export function enosys(name: string, args: readonly unknown[]): FsError {
  const syscall = SYSCALLS[name] ?? name.toLowerCase();
  const path = pathString(args[0]);
  const dest = TWO_PATHS.has(name) ? pathString(args[1]) : undefined;
  let message = `ENOSYS: function not implemented, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const error = new Error(message) as FsError;
  error.errno = ENOSYS_ERRNO;
  error.code = 'ENOSYS';
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  if (dest !== undefined) error.dest = dest;
  return error;
}

/** The functions of `fs` that take a callback and have a `…Sync` twin (Node 20). */
export const CALLBACK_FUNCTIONS = [
  'access', 'appendFile', 'chmod', 'chown', 'close', 'copyFile', 'cp', 'fchmod', 'fchown', 'fdatasync',
  'fstat', 'fsync', 'ftruncate', 'futimes', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp',
  'open', 'opendir', 'read', 'readdir', 'readFile', 'readlink', 'readv', 'realpath', 'rename', 'rm',
  'rmdir', 'stat', 'statfs', 'symlink', 'truncate', 'unlink', 'utimes', 'write', 'writeFile', 'writev',
] as const;

/** The functions of `fs/promises` (Node 20), besides `constants`. */
export const PROMISE_FUNCTIONS = [
  'access', 'appendFile', 'chmod', 'chown', 'copyFile', 'cp', 'lchmod', 'lchown', 'link', 'lstat',
  'lutimes', 'mkdir', 'mkdtemp', 'open', 'opendir', 'readdir', 'readFile', 'readlink', 'realpath',
  'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink', 'truncate', 'unlink', 'utimes', 'watch', 'writeFile',
] as const;

/** Node's fs.constants on Linux (the ones libraries read). */
export const constants = Object.freeze({
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024,
  O_DIRECTORY: 65536, O_NOFOLLOW: 131072, O_SYNC: 1052672, O_NONBLOCK: 2048,
  S_IFMT: 61440, S_IFREG: 32768, S_IFDIR: 16384, S_IFCHR: 8192, S_IFBLK: 24576, S_IFIFO: 4096, S_IFLNK: 40960, S_IFSOCK: 49152,
  COPYFILE_EXCL: 1, COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4, UV_FS_O_FILEMAP: 0,
});
