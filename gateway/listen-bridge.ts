/**
 * One LISTEN: a real net.Server bound on the page's behalf and owned by its session.
 * @see PROTOCOL.md#server
 *
 *   LISTEN ─ admission.ts (listen policy, listener limit) ─ net.createServer().listen() ─ LISTENING(bound endpoint)
 *     └─ denied: RESET SOCKWAY_ERR_DENIED   too many: RESET SOCKWAY_ERR_LIMIT   bind failed: RESET with Node's error
 *   TCP connection ─ session.accept() ─ ACCEPT (even id) ─ adoptTcpSocket(): the relay of tcp-bridge.ts
 *   END from the page (server.close()) ─ server.close(), END back
 *   RESET from the page, the session failing, the WebSocket closing ─ server.close()
 *
 * Whatever ends the listener stream closes the server, and server.close() releases the
 * port at once (connections already accepted live on as their own streams), so a
 * listener never outlives its session.
 */
import * as net from 'node:net';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { ListenFrame } from '../shared/frame.ts';
import type { Session, SessionStream, StreamHandler } from '../shared/session.ts';
import { isTerminal } from '../shared/stream-state.ts';
import { normalizeHost } from './address.ts';
import { type BridgeLog, type GatewayLogEntry, bridgeLog, guarded } from './gateway-log.ts';
import { type SystemErrorFields, endpoint, fromSystemError } from './socket-wire.ts';
import { type TcpBridge, type TcpBridgeOptions, adoptTcpSocket } from './tcp-bridge.ts';

/** Options of openListenBridge(). */
export interface ListenBridgeOptions {
  /** The session the listener's connections are opened on (ACCEPT). */
  readonly session: Session;
  /** How each accepted connection is relayed (limits, log, onDone), as for OPEN. */
  readonly relay: TcpBridgeOptions;
  /** An accepted connection's bridge exists (the gateway counts it with the session's). */
  readonly onAccepted?: (bridge: TcpBridge) => void;
  readonly log?: (entry: GatewayLogEntry) => void;
  /** The listener is closed and its stream finished. */
  readonly onDone?: (listener: ListenBridge) => void;
}

/** Node's default backlog (net.js: `backlog || 511`). */
const DEFAULT_BACKLOG = 511;
/** Larger backlogs are clamped by the kernel anyway (somaxconn); this keeps the int32 in range. */
const MAX_BACKLOG = 65_535;

/**
 * Starts a listener for `frame` on `stream` (the policy has allowed it). Returns the
 * stream's handler; LISTENING or RESET follows once the bind finishes. Never throws.
 */
export function openListenBridge(stream: SessionStream, frame: ListenFrame, options: ListenBridgeOptions): ListenBridge | WireError {
  try {
    const bridge = new ListenBridge(stream, frame, options);
    // Start once the session has installed the handler (it does so when onListen returns).
    queueMicrotask(() => bridge._start());
    return bridge;
  } catch (error) {
    options.log?.({ level: 'error', event: 'internal-error', where: 'listen', stream: stream.id, error: String(error) });
    return wireError({ code: SockwayErrorCode.Internal, message: 'the gateway failed to listen' });
  }
}

/** A page's listener: the LISTEN stream's handler and the net.Server behind it. */
export class ListenBridge implements StreamHandler {
  readonly stream: SessionStream;
  /** The host and port the page asked for ('' = every interface, 0 = any port). */
  readonly host: string;
  readonly port: number;
  readonly #frame: ListenFrame;
  readonly #options: ListenBridgeOptions;
  readonly #log: BridgeLog;
  #server: net.Server | null = null;
  #bound: { address: string; port: number } | null = null;
  #accepted = 0;
  #closing = false;
  #done = false;

  /** @internal Use openListenBridge(). */
  constructor(stream: SessionStream, frame: ListenFrame, options: ListenBridgeOptions) {
    this.stream = stream;
    this.host = frame.host;
    this.port = frame.port;
    this.#frame = frame;
    this.#options = options;
    this.#log = bridgeLog(options.log, stream.id, this.host, this.port);
  }

  /** The bound address once listening, for logs and stats. */
  get bound(): { readonly address: string; readonly port: number } | null {
    return this.#bound;
  }

  /** True while the server accepts connections. */
  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  /** Closes the server and resets the stream (gateway shutdown, session gone). */
  destroy(error: WireError): void {
    if (!isTerminal(this.stream.state)) this.stream.reset(error);
    this.#closeServer();
    this.#checkDone();
  }

  /** @internal Binds as Node's server.listen() does; LISTENING or RESET reports the outcome. */
  _start(): void {
    this.#guard('listen', () => {
      if (isTerminal(this.stream.state)) {
        this.#checkDone();
        return;
      }
      const frame = this.#frame;
      // Bind what the policy checked: an IP in any notation as its canonical address;
      // a name is resolved by server.listen() itself, as Node does for the page.
      const target = frame.host === '' ? null : normalizeHost(frame.host);
      const host = target === null ? undefined : target.kind === 'ip' ? target.address : frame.host;
      // allowHalfOpen: END travels on as a FIN (PROTOCOL.md#half-close); pauseOnConnect:
      // nothing is read before the accepted stream exists.
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
      this.#server = server;
      server.on('listening', () => this.#guard('listening', () => this.#onListening(server)));
      server.on('connection', (socket: net.Socket) => this.#guard('connection', () => this.#onConnection(socket)));
      server.on('error', (error: Error) => this.#guard('listen-error', () => this.#onError(server, error)));
      server.listen({
        port: frame.port,
        ...(host === undefined ? {} : { host }),
        backlog: Math.min(frame.backlog || DEFAULT_BACKLOG, MAX_BACKLOG),
        ipv6Only: frame.ipv6Only,
        exclusive: frame.exclusive,
      });
    });
  }

  // ---- StreamHandler ----

  onData(): void {
    // The session refuses DATA on listener streams (PROTOCOL.md#server).
  }

  /** The page closed its server (server.close()): stop accepting, answer END. */
  onEnd(): void {
    this.#guard('end', () => {
      this.#closeServer();
      this.stream.end();
      this.#checkDone();
    });
  }

  onReset(error: WireError): void {
    this.#guard('reset', () => {
      if (error.code !== SockwayErrorCode.Closed) this.#log('info', 'listen-reset', { pageCode: error.code });
      this.#closeServer();
      this.#checkDone();
    });
  }

  onDrain(): void {}

  // ---- server events ----

  #onListening(server: net.Server): void {
    if (server !== this.#server) return;
    const address = server.address() as net.AddressInfo;
    const local = endpoint(address.address, address.port, address.family);
    if (isTerminal(this.stream.state) || local === null) {
      this.#closeServer();
      this.#checkDone();
      return;
    }
    this.#bound = { address: local.address, port: local.port };
    this.stream.listening(local);
    this.#log('info', 'listen-bound', { address: local.address, boundPort: local.port });
  }

  #onError(server: net.Server, error: Error): void {
    if (server !== this.#server) return;
    const fields = error as SystemErrorFields;
    if (this.#bound === null) {
      // Bind or lookup failure: Node's own error travels (listen EADDRINUSE ... 127.0.0.1:8000).
      const wire = fromSystemError(fields, { syscall: 'listen', address: this.host, port: this.port });
      this.#log('warn', 'listen-failed', { code: wire.code, syscall: wire.syscall });
      if (!isTerminal(this.stream.state)) this.stream.reset(wire);
      this.#closeServer();
      this.#checkDone();
      return;
    }
    // An accept() failure (EMFILE...): Node reports it and keeps listening; so do we.
    this.#log('warn', 'listen-error', { code: fields.code, syscall: fields.syscall });
  }

  #onConnection(socket: net.Socket): void {
    const local = endpoint(socket.localAddress, socket.localPort, socket.localFamily);
    const remote = endpoint(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
    if (local === null || remote === null) {
      socket.destroy();
      return;
    }
    let bridge: TcpBridge | null = null;
    const stream = this.#options.session.accept(this.stream, local, remote, (accepted) => {
      bridge = adoptTcpSocket(accepted, socket, this.#options.relay);
      return bridge;
    });
    if (stream === null || bridge === null) {
      // The page ended the listener or the session is closing: nobody will take it.
      socket.destroy();
      return;
    }
    this.#accepted += 1;
    this.#options.onAccepted?.(bridge);
  }

  // ---- ending ----

  #closeServer(): void {
    const server = this.#server;
    if (server === null || this.#closing) return;
    this.#closing = true;
    server.removeAllListeners('connection');
    server.on('connection', (socket: net.Socket) => socket.destroy());
    if (server.listening) {
      server.close();
      this.#log('info', 'listen-closed', { accepted: this.#accepted });
      return;
    }
    // A bind still in flight (listen() resolving a host name) is closed when it lands.
    server.removeAllListeners('listening');
    server.once('listening', () => server.close());
  }

  #checkDone(): void {
    if (this.#done || !isTerminal(this.stream.state) || this.listening) return;
    this.#done = true;
    this.#options.onDone?.(this);
  }

  /** Runs an event handler; an exception (our bug) fails this listener only, never the process. */
  #guard(where: string, body: () => void): void {
    guarded(this.#log, where, body, (error) => {
      this.destroy(error);
      this.#checkDone();
    });
  }
}
