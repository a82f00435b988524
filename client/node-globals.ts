/**
 * 'sockway/globals': `Buffer` and `process` as named exports, for a bundler's inject
 * option (esbuild `inject: ['sockway/globals']`): code written for Node that uses them
 * as globals gets the npm `buffer` and `process` packages sockway itself runs on.
 */
export { Buffer } from 'buffer';
export { default as process } from 'process';
