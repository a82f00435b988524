/**
 * `fs` in a page: every function of Node's module exists and fails when called, as a
 * system call fails in Node (client/shims/fs-unavailable.ts): callbacks get an ENOSYS
 * error (never synchronously), `…Sync` functions throw it, streams emit it as 'error';
 * `exists`/`existsSync` answer false, as Node does for a path it cannot reach.
 */
import { Readable, Writable } from 'readable-stream';
import { nextTick } from '../next-tick.ts';
import { CALLBACK_FUNCTIONS, constants, enosys } from './fs-unavailable.ts';
import promises from './fs-promises.ts';

type Failing = (...args: unknown[]) => void;

function callbackFunction(name: string): Failing {
  return (...args) => {
    const callback = args[args.length - 1];
    if (typeof callback !== 'function') {
      const error = new TypeError(`The "cb" argument must be of type function. Received ${typeof callback}`) as TypeError & { code: string };
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    const error = enosys(name, args.slice(0, -1));
    nextTick(() => (callback as (error: Error) => void)(error));
  };
}

function syncFunction(name: string): Failing {
  return (...args) => {
    throw enosys(name, args);
  };
}

const functions: Record<string, Failing> = {};
for (const name of CALLBACK_FUNCTIONS) {
  functions[name] = callbackFunction(name);
  functions[`${name}Sync`] = syncFunction(name);
}
// fs.realpath.native and fs.realpathSync.native, which some libraries prefer.
Object.assign(functions['realpath'] as Failing, { native: callbackFunction('realpath') });
Object.assign(functions['realpathSync'] as Failing, { native: syncFunction('realpath') });

/** Always false: nothing is reachable. */
export function exists(_path: unknown, callback: (exists: boolean) => void): void {
  nextTick(() => callback(false));
}

/** Always false: nothing is reachable. */
export function existsSync(_path: unknown): boolean {
  return false;
}

/** A readable stream that fails to open, as Node's does for a missing file. */
export function createReadStream(path: unknown): Readable {
  const stream = new Readable({ read() {} });
  nextTick(() => stream.destroy(enosys('createReadStream', [path])));
  return stream;
}

/** A writable stream that fails to open. */
export function createWriteStream(path: unknown): Writable {
  const stream = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  nextTick(() => stream.destroy(enosys('createWriteStream', [path])));
  return stream;
}

/** Throws ENOSYS, as fs.watch throws synchronously when it cannot watch. */
export function watch(...args: unknown[]): never {
  throw enosys('watch', args);
}

/** Throws ENOSYS. */
export function watchFile(...args: unknown[]): never {
  throw enosys('watch', args);
}

/** Nothing is watched: nothing to stop. */
export function unwatchFile(): void {}

/** Node's Stats, for `instanceof` checks; a page never makes one. */
export class Stats {}
/** Node's Dirent, for `instanceof` checks. */
export class Dirent {}
/** Node's fs.ReadStream, for `instanceof` checks. */
export const ReadStream = Readable;
/** Node's fs.WriteStream, for `instanceof` checks. */
export const WriteStream = Writable;

export const {
  access, accessSync, appendFile, appendFileSync, chmod, chmodSync, chown, chownSync, close, closeSync,
  copyFile, copyFileSync, cp, cpSync, fchmod, fchmodSync, fchown, fchownSync, fdatasync, fdatasyncSync,
  fstat, fstatSync, fsync, fsyncSync, ftruncate, ftruncateSync, futimes, futimesSync, lchown, lchownSync,
  link, linkSync, lstat, lstatSync, lutimes, lutimesSync, mkdir, mkdirSync, mkdtemp, mkdtempSync, open,
  openSync, opendir, opendirSync, read, readSync, readdir, readdirSync, readFile, readFileSync, readlink,
  readlinkSync, readv, readvSync, realpath, realpathSync, rename, renameSync, rm, rmSync, rmdir, rmdirSync,
  stat, statSync, statfs, statfsSync, symlink, symlinkSync, truncate, truncateSync, unlink, unlinkSync,
  utimes, utimesSync, write, writeSync, writeFile, writeFileSync, writev, writevSync,
} = functions as Record<string, Failing>;

export const { F_OK, R_OK, W_OK, X_OK } = constants;
export { constants, promises };

export default {
  ...functions,
  exists,
  existsSync,
  createReadStream,
  createWriteStream,
  watch,
  watchFile,
  unwatchFile,
  Stats,
  Dirent,
  ReadStream,
  WriteStream,
  constants,
  F_OK,
  R_OK,
  W_OK,
  X_OK,
  promises,
};
