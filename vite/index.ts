/**
 * `sockway/vite`: the Vite plugin. `plugins: [sockway({ gateway: 'ws://localhost:8080/sockway' })]`
 * makes every `net` import in the app and its dependencies use sockway.
 */
export { type SockwayPluginOptions, sockway, sockway as default } from './plugin.ts';
