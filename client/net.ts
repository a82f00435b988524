/**
 * Builds a `net` module (Node's names only) whose sockets use one tunnel.
 */
import { isIP, isIPv4, isIPv6 } from './ip.ts';
import { type ConnectCallback, type ConnectDefaults, type NetConnectOptions, normalizeArgs, type SocketConstructorOptions } from './normalize-args.ts';
import { type ConnectionListener, SERVER_NET, Server as BaseServer, type ServerNet, type ServerOptions } from './server.ts';
import { CONNECT_DEFAULTS, Socket as BaseSocket } from './socket.ts';
import { type TunnelCore, TUNNEL } from './tunnel-core.ts';

/** `net.connect` / `net.createConnection`: @types/node's overloads, plus `(port, connectListener)` which Node accepts. */
export interface ConnectFunction {
  (options: NetConnectOptions, connectListener?: ConnectCallback): BaseSocket;
  (port: number, host?: string, connectListener?: ConnectCallback): BaseSocket;
  (port: number, connectListener?: ConnectCallback): BaseSocket;
  (path: string, connectListener?: ConnectCallback): BaseSocket;
}

/** Node's `net` surface for clients, carried by a tunnel. */
export interface NetModule {
  readonly Socket: typeof BaseSocket;
  /** Legacy alias of Socket, as in Node. */
  readonly Stream: typeof BaseSocket;
  /** Opens a socket: `connect(options[, connectListener])`, `connect(port[, host][, connectListener])`. */
  connect: ConnectFunction;
  /** The same function as connect. */
  createConnection: ConnectFunction;
  isIP(input: unknown): 0 | 4 | 6;
  isIPv4(input: unknown): boolean;
  isIPv6(input: unknown): boolean;
  /** A TCP server listening at the gateway: `createServer([options][, connectionListener])`. */
  createServer(options?: ServerOptions | ConnectionListener | null, connectionListener?: ConnectionListener): BaseServer;
  readonly Server: typeof BaseServer;
  getDefaultAutoSelectFamily(): boolean;
  setDefaultAutoSelectFamily(value: boolean): void;
  getDefaultAutoSelectFamilyAttemptTimeout(): number;
  setDefaultAutoSelectFamilyAttemptTimeout(value: number): void;
}

/** Creates the net module for the tunnel returned by `getTunnel` (called per socket). */
export function createNet(getTunnel: () => TunnelCore): NetModule {
  let autoSelectFamily = true;
  let autoSelectFamilyAttemptTimeout = 250;

  // Node's Socket is a function: callable without `new`, `Socket.prototype` owns the
  // getters (bytesWritten...), and subclasses work. Construct the class with this
  // function as new.target, so the socket finds its tunnel and defaults through it.
  const TunnelSocket = function Socket(this: unknown, options?: SocketConstructorOptions): BaseSocket {
    return Reflect.construct(BaseSocket, [options], new.target ?? TunnelSocket) as BaseSocket;
  } as unknown as typeof BaseSocket & { [TUNNEL]: () => TunnelCore; [CONNECT_DEFAULTS]: () => ConnectDefaults };
  Object.setPrototypeOf(TunnelSocket, BaseSocket);
  (TunnelSocket as unknown as { prototype: object }).prototype = BaseSocket.prototype;
  TunnelSocket[TUNNEL] = getTunnel;
  // Read at each connect(), as Node reads its module-wide defaults.
  TunnelSocket[CONNECT_DEFAULTS] = () => ({ autoSelectFamily, autoSelectFamilyAttemptTimeout });

  function connect(...args: unknown[]): BaseSocket {
    const normalized = normalizeArgs(args);
    const options = normalized[0] as SocketConstructorOptions & { timeout?: number };
    const socket = new TunnelSocket(options);
    if (options.timeout) socket.setTimeout(options.timeout);
    return socket.connect(normalized);
  }

  // Node's Server is a function too (callable without `new`); built like TunnelSocket.
  const TunnelServer = function Server(this: unknown, options?: ServerOptions | ConnectionListener | null, listener?: ConnectionListener): BaseServer {
    return Reflect.construct(BaseServer, [options, listener], new.target ?? TunnelServer) as BaseServer;
  } as unknown as typeof BaseServer & { [SERVER_NET]: () => ServerNet };
  Object.setPrototypeOf(TunnelServer, BaseServer);
  (TunnelServer as unknown as { prototype: object }).prototype = BaseServer.prototype;
  TunnelServer[SERVER_NET] = () => ({ tunnel: getTunnel(), Socket: TunnelSocket });

  return {
    Socket: TunnelSocket,
    Stream: TunnelSocket,
    connect,
    createConnection: connect,
    isIP,
    isIPv4,
    isIPv6,
    createServer: (options?: ServerOptions | ConnectionListener | null, connectionListener?: ConnectionListener) =>
      new TunnelServer(options, connectionListener),
    Server: TunnelServer,
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
