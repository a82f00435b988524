/**
 * 'sockway/globals': the globals code written for Node uses without importing them, as
 * named exports for a bundler's inject option (esbuild `inject: ['sockway/globals']`):
 * `Buffer` and `process` (the npm packages sockway itself runs on, completed by its shims)
 * and Node's timer functions, whose Timeout objects have unref()/refresh().
 */
export { Buffer } from './shims/buffer.ts';
export { default as process } from './shims/process.ts';
export { clearImmediate, clearInterval, clearTimeout, setImmediate, setInterval, setTimeout } from './shims/timers.ts';
