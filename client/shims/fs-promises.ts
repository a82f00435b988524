/**
 * `fs/promises` in a page: every function of Node's module, each rejecting with an ENOSYS
 * error (client/shims/fs-unavailable.ts says why).
 */
import { PROMISE_FUNCTIONS, constants, enosys } from './fs-unavailable.ts';

type Rejecting = (...args: unknown[]) => Promise<never>;

function rejecting(name: string): Rejecting {
  return (...args) => Promise.reject(enosys(name, args));
}

const promises = Object.fromEntries(PROMISE_FUNCTIONS.map((name) => [name, rejecting(name)])) as Record<(typeof PROMISE_FUNCTIONS)[number], Rejecting>;

export const {
  access, appendFile, chmod, chown, copyFile, cp, lchmod, lchown, link, lstat, lutimes, mkdir, mkdtemp, open,
  opendir, readdir, readFile, readlink, realpath, rename, rm, rmdir, stat, statfs, symlink, truncate, unlink,
  utimes, watch, writeFile,
} = promises;
export { constants };
export default { ...promises, constants };
