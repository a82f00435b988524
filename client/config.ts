/**
 * The default tunnel behind 'sockway/net' (for code that imports `net` and
 * cannot be handed a tunnel). The one non-Node export of the net entry's world.
 */
import { SockwayErrorCode, wireError } from '../shared/errors.ts';
import { createTunnel, type Tunnel, type TunnelOptions } from './tunnel.ts';
import type { TunnelCore } from './tunnel-core.ts';

let defaultTunnel: (Tunnel & TunnelCore) | null = null;

/**
 * Sets the gateway used by 'sockway/net' (and by the Vite plugin's `net` alias).
 * Sockets already open keep their tunnel; new ones use the new one.
 */
export function configure(options: TunnelOptions): Tunnel {
  defaultTunnel = createTunnel(options) as Tunnel & TunnelCore;
  return defaultTunnel;
}

/** The tunnel set by configure(), or null. */
export function getDefaultTunnel(): Tunnel | null {
  return defaultTunnel;
}

/** What a socket or server of 'sockway/net' gets before configure() was called. */
function notConfigured(): ReturnType<typeof wireError> {
  return wireError({
    code: SockwayErrorCode.NotConfigured,
    message: "sockway/net has no gateway: call configure({ url }) from 'sockway' first",
  });
}

/** Resolves the default tunnel at each call, so configure() may come after import. */
export const defaultTunnelCore: TunnelCore = {
  openStream(open, handler) {
    return defaultTunnel === null ? notConfigured() : defaultTunnel.openStream(open, handler);
  },
  openListener(listen, handler) {
    return defaultTunnel === null ? notConfigured() : defaultTunnel.openListener(listen, handler);
  },
  openQuery(query, handler) {
    return defaultTunnel === null ? notConfigured() : defaultTunnel.openQuery(query, handler);
  },
  retain(socket, ref) {
    defaultTunnel?.retain(socket, ref);
  },
  release(socket) {
    defaultTunnel?.release(socket);
  },
};
