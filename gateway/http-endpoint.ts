/**
 * The gateway's HTTP side: its own server (gateway.listen()) or an application's
 * (attach()), the upgrade path, plain-HTTP answers, the WebSocket handshake (ws), and the
 * two ways to refuse an upgrade (an HTTP error, or a GOAWAY the page can read). What is
 * admitted is decided elsewhere (admission.ts); this module only speaks HTTP.
 */
import * as http from 'node:http';
import { type AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { wsPackage } from './dependencies.ts';
import { MAX_FRAME_LENGTH } from '../shared/protocol.ts';
import { clientKey } from './address.ts';
import { pathOf } from './admin-endpoint.ts';
import { type Refusal, selectProtocol } from './admission.ts';
import type { GatewayLimits } from './limits.ts';
import { PendingConnections, boundedServerOptions } from './pending-connections.ts';
import type { GatewayLogEntry } from './gateway-log.ts';
import { refusalBytes } from './upgrade-refusal.ts';

/** Options of an HttpEndpoint. */
export interface HttpEndpointOptions {
  /** The default upgrade path. */
  readonly path: string;
  readonly limits: Pick<GatewayLimits, 'handshakeTimeout' | 'maxConnections' | 'ipv6ClientPrefix'>;
  /** Connections per peer still sending their upgrade request (0: no cap). */
  readonly maxPendingPerPeer: number;
  /** ms a refused upgrade may linger (the gateway's closeTimeout, at most REFUSAL_LINGER). */
  readonly closeTimeout: number;
  readonly log: (entry: GatewayLogEntry) => void;
  /** This gateway among several (the listening line names it, so refusals' tags can be told apart). */
  readonly instance: { readonly id: string; readonly tagHex: string };
  /** An upgrade request for a served path (the endpoint answers the others). */
  readonly onUpgrade: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** ms a refused upgrade's socket lingers for the client's close frame (read and dropped) before it is destroyed. */
const REFUSAL_LINGER = 1_000;

interface Attachment {
  readonly server: http.Server;
  readonly onUpgrade: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** The HTTP servers a gateway accepts WebSockets on. */
export class HttpEndpoint {
  readonly path: string;
  readonly #options: HttpEndpointOptions;
  readonly #wss: WebSocketServer;
  readonly #attachments: Attachment[] = [];
  #ownServer: http.Server | null = null;
  #ownServerOpen = false;
  /** Connections to the own server still sending their upgrade request. */
  #pending: PendingConnections | null = null;

  constructor(options: HttpEndpointOptions) {
    this.path = options.path;
    this.#options = options;
    this.#wss = new wsPackage.WebSocketServer({
      noServer: true,
      // One frame per message: nothing legitimate is bigger than a full DATA frame.
      maxPayload: MAX_FRAME_LENGTH,
      perMessageDeflate: false,
      clientTracking: false,
      // Selects `sockway` when offered; a token offered as a subprotocol is never echoed.
      handleProtocols: (protocols) => selectProtocol(protocols),
    });
  }

  /** listen() was called (and did not fail). */
  get listening(): boolean {
    return this.#ownServer !== null;
  }

  isAttachedTo(server: http.Server): boolean {
    return this.#attachments.some((attachment) => attachment.server === server);
  }

  /**
   * Starts the own HTTP server. `answerPlain` may answer a plain HTTP request for another
   * path than the upgrade path (admin-endpoint.ts: health, readiness, metrics); true when it did.
   */
  listen(port: number, host: string, answerPlain: (request: http.IncomingMessage, response: http.ServerResponse) => boolean = () => false): Promise<AddressInfo> {
    // The upgrade request gets as long as HELLO after it (handshakeTimeout, default 10 s, not
    // Node's 60 s): a browser sends it in one write, so only a stalling client needs more.
    const { limits, log } = this.#options;
    const server = http.createServer(boundedServerOptions(limits.handshakeTimeout), (request, response) => {
      // Plain HTTP gets a short answer; only WebSocket upgrades are served.
      const served = pathOf(request.url) === this.path;
      response.setHeader('connection', 'close');
      if (!served && answerPlain(request, response)) return;
      response.writeHead(served ? 426 : 404, { 'content-type': 'text/plain', connection: 'close', ...(served ? { upgrade: 'websocket' } : {}) });
      response.end(served ? 'sockway gateway: connect with a WebSocket\n' : 'not found\n');
    });
    this.#ownServer = server;
    server.maxConnections = limits.maxConnections;
    const pending = new PendingConnections(this.#options.maxPendingPerPeer, limits.handshakeTimeout, (peer, count) => {
      log({ level: 'warn', event: 'connection-refused', clientAddress: peer, pending: count, reason: `${count} connections from this address still sending their upgrade request` });
    }, (address) => clientKey(address, limits.ipv6ClientPrefix));
    this.#pending = pending;
    server.on('connection', (socket: Socket) => pending.add(socket));
    this.attach(server, this.path, true);
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: Error): void => {
        this.detachAll();
        this.#ownServer = null;
        reject(error);
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (error) => log({ level: 'error', event: 'server-error', error: error.message }));
        this.#ownServerOpen = true;
        const address = server.address() as AddressInfo;
        log({ level: 'info', event: 'listening', address: address.address, port: address.port, path: this.path, instance: this.#options.instance.id, instanceTag: this.#options.instance.tagHex });
        resolve(address);
      });
    });
  }

  /** Serves upgrades for `path` on `server`; `owned`: the own server, which answers every other path itself. */
  attach(server: http.Server, path: string, owned = false): void {
    const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
      // The request is complete: from here the session limits count it (or it is refused).
      if (owned) this.#pending?.upgraded(socket);
      try {
        if (pathOf(request.url) !== path) {
          // Someone else's path: leave it to the application's listeners, if it has any.
          if (owned || server.listenerCount('upgrade') <= 1) rejectUpgrade(socket, 404, 'Not Found');
          return;
        }
        this.#options.onUpgrade(request, socket, head);
      } catch (error) {
        this.#options.log({ level: 'error', event: 'internal-error', where: 'upgrade', error: String(error) });
        socket.destroy();
      }
    };
    server.on('upgrade', onUpgrade);
    this.#attachments.push({ server, onUpgrade });
  }

  /** Completes the WebSocket handshake of an admitted upgrade. */
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, onWebSocket: (ws: WebSocket) => void): void {
    this.#wss.handleUpgrade(request, socket, head, onWebSocket);
  }

  /**
   * Refuses an upgrade. A GOAWAY is the way a page can read: the WebSocket opens, carries
   * one GOAWAY with the reason (the client fails with its code, PROTOCOL.md#handshake) and
   * closes, all in one write of a few hundred bytes (upgrade-refusal.ts), as cheap as an HTTP error.
   */
  refuse(request: http.IncomingMessage, socket: Duplex, refusal: Refusal): void {
    if ('status' in refusal) {
      rejectUpgrade(socket, refusal.status, refusal.text);
      return;
    }
    const bytes = refusalBytes(request, refusal.error, refusal.closeCode);
    if (bytes === null) {
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    socket.on('error', () => {});
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(bytes);
    // Read and drop the client's close frame: closing with unread bytes would send an RST,
    // which can discard the GOAWAY before the client reads it. The client closes on our
    // close frame; one that does not is dropped after REFUSAL_LINGER.
    socket.resume();
    socket.once('end', () => socket.destroy());
    if (socket instanceof Socket) socket.setTimeout(Math.max(1, Math.min(this.#options.closeTimeout, REFUSAL_LINGER)), () => socket.destroy());
  }

  /** Stops serving upgrades on every server. */
  detachAll(): void {
    for (const { server, onUpgrade } of this.#attachments) server.off('upgrade', onUpgrade);
    this.#attachments.length = 0;
  }

  /** Stops accepting: detaches, closes the own server's idle connections; resolves once it is closed. */
  close(): Promise<void> {
    this.detachAll();
    const server = this.#ownServer;
    const closed = server === null || !this.#ownServerOpen
      ? Promise.resolve()
      : new Promise<void>((resolve) => server.close(() => resolve()));
    server?.closeIdleConnections();
    return closed;
  }

  /** Drops the own server's remaining connections (close() waited long enough). */
  dropConnections(): void {
    this.#ownServer?.closeAllConnections();
  }

  /** Releases ws's server (after every WebSocket is closed). */
  closeWebSockets(): Promise<void> {
    return new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

/** Answers an upgrade request with an HTTP error and drops the socket (as ws's abortHandshake). */
function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => {});
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  }
  socket.destroy();
}
