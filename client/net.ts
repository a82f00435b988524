/**
 * Builds a `net` module (Node's names only) whose sockets use one tunnel.
 */
import { isIP, isIPv4, isIPv6 } from './ip.ts';
import { errFeatureUnavailable } from './node-errors.ts';
import { normalizeArgs, type SocketConstructorOptions } from './normalize-args.ts';
import { Socket } from './socket.ts';
import { type TunnelCore, TUNNEL } from './tunnel-core.ts';

/** Node's `net` surface for clients, carried by a tunnel. */
export interface NetModule {
  readonly Socket: typeof Socket;
  /** Legacy alias of Socket, as in Node. */
  readonly Stream: typeof Socket;
  connect(...args: unknown[]): Socket;
  createConnection(...args: unknown[]): Socket;
  isIP(input: unknown): 0 | 4 | 6;
  isIPv4(input: unknown): boolean;
  isIPv6(input: unknown): boolean;
  /** net.Server through the gateway is not available yet: throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM. */
  createServer(...args: unknown[]): never;
  readonly Server: new (...args: unknown[]) => never;
  getDefaultAutoSelectFamily(): boolean;
  setDefaultAutoSelectFamily(value: boolean): void;
  getDefaultAutoSelectFamilyAttemptTimeout(): number;
  setDefaultAutoSelectFamilyAttemptTimeout(value: number): void;
}

/** Creates the net module for the tunnel returned by `getTunnel` (called per socket). */
export function createNet(getTunnel: () => TunnelCore): NetModule {
  class TunnelSocket extends Socket {
    static [TUNNEL] = getTunnel;
  }
  Object.defineProperty(TunnelSocket, 'name', { value: 'Socket' });

  function connect(...args: unknown[]): Socket {
    const normalized = normalizeArgs(args);
    const options = normalized[0] as SocketConstructorOptions & { timeout?: number };
    const socket = new TunnelSocket(options);
    if (options.timeout) socket.setTimeout(options.timeout);
    return socket.connect(normalized);
  }

  class Server {
    constructor() {
      throw errFeatureUnavailable('net.Server');
    }
  }

  let autoSelectFamily = true;
  let autoSelectFamilyAttemptTimeout = 250;

  return {
    Socket: TunnelSocket,
    Stream: TunnelSocket,
    connect,
    createConnection: connect,
    isIP,
    isIPv4,
    isIPv6,
    createServer(): never {
      throw errFeatureUnavailable('net.Server');
    },
    Server: Server as unknown as new (...args: unknown[]) => never,
    getDefaultAutoSelectFamily: () => autoSelectFamily,
    setDefaultAutoSelectFamily: (value: boolean) => {
      autoSelectFamily = Boolean(value);
    },
    getDefaultAutoSelectFamilyAttemptTimeout: () => autoSelectFamilyAttemptTimeout,
    setDefaultAutoSelectFamilyAttemptTimeout: (value: number) => {
      autoSelectFamilyAttemptTimeout = Math.max(10, Math.trunc(value));
    },
  };
}
