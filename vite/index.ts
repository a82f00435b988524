/**
 * `sockway/vite`: the Vite plugin. `plugins: [sockway({ gateway: 'ws://localhost:8080/sockway' })]`
 * makes every `net`, `tls` and `dns` import in the app and its dependencies use sockway, and
 * gives client libraries the other Node built-ins they import (vite/builtins.ts).
 */
export type { CryptoChoice } from './builtins.ts';
export { type SockwayPluginOptions, sockway, sockway as default } from './plugin.ts';
