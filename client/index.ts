/**
 * sockway: Node's `net` for the browser over one WebSocket to a sockway gateway.
 *
 *   import { createTunnel } from 'sockway';
 *   const { net } = createTunnel({ url: 'wss://example.com/sockway' });
 *   net.connect(5432, 'db.internal', () => { ... });
 */
export { createTunnel, type Tunnel, type TunnelEvents, type TunnelListener, type TunnelOptions } from './tunnel.ts';
export { configure, getDefaultTunnel } from './config.ts';
export { tlsOver, dnsOver } from './tunnel-modules.ts';
export type { NetModule } from './net.ts';
export type { TlsModule, ConnectionOptions as TlsConnectionOptions, DetailedPeerCertificate } from './tls-module.ts';
export type { DnsModule, DnsPromises } from './dns-module.ts';
export { Socket, type AddressInfo } from './socket.ts';
export { Server, type ServerOptions, type ConnectionListener, type DropInfo } from './server.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket-transport.ts';
export { SockwayErrorCode } from '../shared/errors.ts';
export type { Limits } from '../shared/protocol.ts';
