/**
 * process.nextTick from the same module readable-stream uses ('process/'), so our
 * events and the stream machinery's keep Node's relative order in browsers too.
 */
import processShim from 'process/';

/** Runs `callback` after the current operation, before I/O, as Node's process.nextTick. */
export function nextTick(callback: () => void): void {
  processShim.nextTick(callback);
}
