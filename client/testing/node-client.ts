/**
 * The client as a Node script uses it (createTunnel with `ws`), one entry for child
 * processes in tests: bundled by esbuild (gateway/testing/abuse-build.ts), a child starts
 * in tens of milliseconds instead of the few hundred tsx takes.
 */
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../websocket-transport.ts';

export { createTunnel } from '../index.ts';

/** `ws`'s WebSocket, typed as createTunnel() takes it. */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;
