/**
 * process.nextTick: Node's own in Node; in browsers the bundler maps 'process' to
 * the npm `process` package, the same one readable-stream uses, so our events and
 * the stream machinery's keep Node's relative order there too.
 */
import processShim from 'process';

/** Runs `callback` after the current operation, before I/O, as Node's process.nextTick. */
export function nextTick(callback: () => void): void {
  processShim.nextTick(callback);
}

type Immediate = (callback: () => void) => unknown;
const setImmediateFn = (globalThis as unknown as { setImmediate?: Immediate }).setImmediate;

/**
 * Runs `callback` after pending I/O, where Node completes handle requests
 * (shutdown, close): setImmediate in Node, a zero timeout in browsers.
 */
export function afterIo(callback: () => void): void {
  if (setImmediateFn !== undefined) setImmediateFn(callback);
  else setTimeout(callback, 0);
}
