/**
 * One OPEN: policy check, DNS, net.connect, then the byte relay between the
 * session stream and the TCP socket, with backpressure both ways.
 * @see PROTOCOL.md#open
 *
 *   OPEN ─ normalise host ─ precheck(host) ─ lookup (resolver.ts) ─ check(host, address) ─ RESOLVED ─ net.connect(address) ─ OPENED
 *     └─ denied: RESET SOCKWAY_ERR_DENIED        no address allowed: RESET ENOTFOUND, as for a name that does not exist
 *                                                 any failure: RESET with the real error fields
 *
 * What is checked is what is dialed (dial-target.ts): an IP host in any notation is
 * dialed as the canonical address the policy checked; a name is resolved once and
 * net.connect gets a resolved address the policy allowed (no DNS rebinding).
 *
 * Relay, gateway view (hashicorp/yamux half-close; ws lib/stream.js backpressure):
 *   TCP read   → stream.write()      false → stop reading, resumed by handler.onDrain
 *   (reads land in buffers with room for the DATA header in front: no copy per frame)
 *   TCP 'end'  → stream.end()        TCP 'error' → stream.reset(error fields)
 *   onData     → socket.write()      credit returned (stream.consume) once the socket took
 *                                    the bytes: at once, or on 'drain'
 *   onEnd      → socket.end()        onReset → resetAndDestroy() for ECONNRESET (if it can), else destroy()
 *
 * So a stream holds at most its window plus the socket's highWaterMark towards TCP, and at
 * most one read chunk beyond the peer's credit towards the page.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { OpenFrame, TlsOptions } from '../shared/frame.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';
import { canReceive, isTerminal } from '../shared/stream-state.ts';
import { TcpReads } from './tcp-reads.ts';
import { type Candidate, allowedCandidates, checkTarget, connectOptions, lookupOptions } from './dial-target.ts';
import { type BridgeLog, type GatewayLogEntry, bridgeLog, guarded } from './gateway-log.ts';
import type { DialSlots, TokenBucket, WindowBudget } from './limits.ts';
import { type OpenOutcome, type StreamMetrics, openOutcome } from './metrics.ts';
import type { PolicyCheck } from './policy.ts';
import { type LookupAll, notFound } from './resolver.ts';
import {
  type SystemErrorFields,
  connectTimeoutError,
  deniedError,
  endpoint,
  fromSystemError,
  idleTimeoutError,
  tlsTimeoutError,
  uvErrno,
} from './socket-wire.ts';
import { secureContextOf, securedOf, tlsConnectOptions } from './tls-options.ts';

export type { LookupAll } from './resolver.ts';

/**
 * Dials a stream's TCP socket: net.connect() by default. `destination` is the host and
 * port the page asked for; `options` dial the address the policy allowed for it.
 */
export type ConnectSocket = (options: net.TcpNetConnectOpts, destination: { readonly host: string; readonly port: number }) => net.Socket;

/** Options of openTcpBridge(). */
export interface TcpBridgeOptions {
  /** The session's effective policy (the gateway's, intersected with its token's). */
  readonly policy: PolicyCheck;
  /** ms from OPEN (DNS included) to the TCP connection; then RESET ETIMEDOUT. */
  readonly connectTimeout: number;
  /** ms without traffic either way before the stream is reset with SOCKWAY_ERR_IDLE_TIMEOUT; 0 = never. */
  readonly idleTimeout?: number;
  /** The session's window budget: the stream's grown window is released when it finishes. */
  readonly budget?: WindowBudget;
  /** The session's dial slots (maxPendingOpens): resolving and connecting wait for one. */
  readonly dialSlots?: DialSlots;
  /** Resolves the host (the session's SessionResolver.lookup, or the gateway's `lookup` option). */
  readonly lookup: LookupAll;
  /** Dials the socket (the gateway's `connect` option). Default net.connect(). */
  readonly connect?: ConnectSocket;
  /** Event-loop time STARTTLS may spend building secure contexts (limits.ts TokenBucket of ms); over it: RESET SOCKWAY_ERR_RATE_LIMIT. */
  readonly tlsCpu?: readonly TokenBucket[];
  readonly log?: (entry: GatewayLogEntry) => void;
  /** Where the OPEN's outcome, the stream's bytes and its credit stalls are counted (metrics.ts). */
  readonly metrics?: StreamMetrics;
  /** The stream is finished and its socket closed: the bridge can be forgotten. */
  readonly onDone?: (bridge: TcpBridge) => void;
}

/** Where a bridge is: looking up the host, dialing, relaying, or finished. */
export type TcpBridgePhase = 'resolving' | 'connecting' | 'connected' | 'done';

/** What stats() reports about a bridge besides the stream's own counters. */
export interface TcpBridgeInfo {
  readonly host: string;
  readonly port: number;
  /** The address dialed ('' until known). */
  readonly address: string;
  readonly phase: TcpBridgePhase;
  /** Bytes handed to socket.write() and not yet flushed to the kernel. */
  readonly socketBufferedBytes: number;
  /** True while reading from TCP is paused for lack of credit. */
  readonly socketPaused: boolean;
}

// Errors after which the next resolved address is worth a try (Node's autoSelectFamily retries these too).
const RETRYABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'EAFNOSUPPORT']);

/**
 * Handles one OPEN: returns the bridge (the stream's handler), or a WireError
 * when the policy refuses the destination outright. Never throws.
 */
export function openTcpBridge(stream: SessionStream, frame: OpenFrame, options: TcpBridgeOptions): TcpBridge | WireError {
  try {
    const decision = checkTarget(frame, options.policy);
    if (!decision.allowed) {
      options.log?.({ level: 'warn', event: 'stream-denied', stream: stream.id, host: frame.host, port: frame.port, reason: decision.reason });
      options.metrics?.streamOpened('denied');
      return deniedError(frame.host, frame.port);
    }
    // The policy refuses invalid hosts, so this is an IP (literal) or a name.
    const bridge = new TcpBridge(stream, frame, options, decision.literal ?? null);
    // Start once the session has installed the handler (it does so when onOpen returns),
    // and once the session has a dial slot free.
    if (options.dialSlots === undefined) queueMicrotask(() => bridge._start());
    else bridge._releaseSlot = options.dialSlots.acquire(() => bridge._start());
    return bridge;
  } catch (error) {
    options.log?.({ level: 'error', event: 'internal-error', where: 'open', stream: stream.id, error: String(error) });
    return wireError({ code: SockwayErrorCode.Internal, message: 'the gateway failed to open the stream' });
  }
}

/**
 * Relays a connected socket (one a listener accepted, created with allowHalfOpen and
 * paused) over `stream`, the ACCEPT stream opened for it: the same relay, limits and
 * log as a dialed socket. `options.connectTimeout` is not used.
 */
export function adoptTcpSocket(stream: SessionStream, socket: net.Socket, options: TcpBridgeOptions): TcpBridge {
  const frame: OpenFrame = {
    type: 'open',
    streamId: stream.id,
    host: socket.remoteAddress ?? '',
    port: socket.remotePort ?? 0,
    family: socket.remoteFamily === 'IPv6' ? 6 : 4,
    localAddress: '',
    localPort: 0,
    noDelay: false,
    keepAlive: false,
    keepAliveInitialDelay: 0,
  };
  const bridge = new TcpBridge(stream, frame, options);
  bridge._adopt(socket);
  return bridge;
}

/** The bridge between one session stream and one TCP socket. Create with openTcpBridge() or adoptTcpSocket(). */
export class TcpBridge implements StreamHandler {
  readonly stream: SessionStream;
  readonly host: string;
  readonly port: number;
  readonly #frame: OpenFrame;
  readonly #options: TcpBridgeOptions;
  /** The canonical address to dial when the host is an IP (in any notation); null for a name. */
  readonly #literal: Candidate | null;
  readonly #openedAt = Date.now();
  readonly #log: BridgeLog;
  #phase: TcpBridgePhase = 'resolving';
  #socket: net.Socket | null = null;
  #socketOpen = false;
  #address = '';
  #candidates: readonly Candidate[] = [];
  #attempt = 0;
  #firstError: WireError | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Bytes written to the socket while it was over its highWaterMark; credited on 'drain'. */
  #unconsumed = 0;
  /** The bridge's own buffer for the next TCP read while it moves bulk data; null: the shared one. */
  readonly #reads = new TcpReads();
  /** True while reading is stopped for lack of credit. */
  #readStopped = false;
  /** The OPEN's outcome was counted (metrics). */
  #counted = false;
  #error: WireError | null = null;
  /** #error came from the page's RESET (its code is the page's word, not the gateway's). */
  #pageReset = false;
  /** STARTTLS received before the TCP connection was up: wrap it once connected. */
  #tlsRequest: TlsOptions | null = null;
  /** Removes the relay's listeners from the current socket (before TLS takes it over). */
  #detach: () => void = () => {};
  /** @internal Gives back the session's dial slot (maxPendingOpens); idempotent. */
  _releaseSlot: () => void = () => {};

  /** @internal Use openTcpBridge(). */
  constructor(stream: SessionStream, frame: OpenFrame, options: TcpBridgeOptions, literal: Candidate | null = null) {
    this.stream = stream;
    this.host = frame.host;
    this.port = frame.port;
    this.#frame = frame;
    this.#options = options;
    this.#literal = literal;
    this.#log = bridgeLog(options.log, stream.id, this.host, this.port);
    this.#timer = setTimeout(this.#onTimeout, options.connectTimeout);
  }

  /** Where the bridge is in its life. */
  get phase(): TcpBridgePhase {
    return this.#phase;
  }

  /** The TCP socket (null before dialing). */
  get socket(): net.Socket | null {
    return this.#socket;
  }

  /** Bridge-side counters for stats(). */
  info(): TcpBridgeInfo {
    const socket = this.#socket;
    return {
      host: this.host,
      port: this.port,
      address: this.#address,
      phase: this.#phase,
      socketBufferedBytes: socket?.writableLength ?? 0,
      socketPaused: this.#readStopped,
    };
  }

  /** Destroys the socket and resets the stream (gateway shutdown, session gone). */
  destroy(error: WireError): void {
    this.#fail(error);
  }

  /** @internal Resolves (unless the host is an IP) and dials. */
  _start(): void {
    this.#guard('start', () => {
      if (this.#finished()) return;
      if (this.#literal !== null) {
        // The canonical address the policy checked, never the page's spelling of it.
        this.#dial([this.#literal]);
        return;
      }
      this.#options.lookup(this.host, lookupOptions(this.#frame), (error, addresses) => {
        this.#guard('lookup', () => this.#onLookup(error, addresses));
      });
    });
  }

  // ---- StreamHandler: page → TCP ----

  onData(data: Uint8Array): void {
    this.#guard('data', () => {
      const socket = this.#socket;
      if (socket === null || socket.destroyed) return;
      if (socket.write(data)) this.stream.consume(data.length);
      else this.#unconsumed += data.length;
    });
  }

  onEnd(): void {
    this.#guard('end', () => {
      this.#socket?.end();
      this.#checkDone();
    });
  }

  onReset(error: WireError): void {
    this.#guard('reset', () => {
      if (this.#error === null) this.#pageReset = true;
      this.#error ??= error;
      this.#clearTimer();
      const socket = this.#socket;
      if (socket !== null && !socket.destroyed) {
        // The page's resetAndDestroy() travels on as a TCP RST; anything else is a plain close.
        // Only a plain TCP socket not yet shutting down can be RST: libuv refuses after end()
        // (EINVAL) and Node then never closes the handle; a TLSSocket throws.
        const canRst = this.#phase === 'connected' && !socket.writableEnded && !(socket instanceof tls.TLSSocket);
        if (error.code === 'ECONNRESET' && canRst) socket.resetAndDestroy();
        else socket.destroy();
      }
      this.#checkDone();
    });
  }

  /**
   * STARTTLS: the page's plaintext is over; from here the socket is a TLS client over the
   * TCP connection (node:tls.connect({ socket })), and the relay carries its cleartext.
   */
  onStartTls(options: TlsOptions): void {
    this.#guard('starttls', () => {
      if (this.#finished()) return;
      this.#tlsRequest = options;
      if (this.#phase === 'connected') this.#startTls();
    });
  }

  /** Our END (the TCP side's FIN) went out last, after waiting for credit: the stream may be done now. */
  onClosed(): void {
    this.#guard('closed', () => this.#checkDone());
  }

  onDrain(): void {
    this.#guard('drain', () => {
      const socket = this.#socket;
      if (socket !== null && !socket.destroyed && this.#readStopped) {
        this.#readStopped = false;
        socket.resume();
      }
      this.#checkDone();
    });
  }

  // ---- connecting ----

  #onLookup(error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]): void {
    if (this.#finished()) return;
    if (error !== null) {
      this.#fail(fromSystemError(error, { syscall: 'getaddrinfo', hostname: this.host }));
      return;
    }
    const { candidates, reason } = allowedCandidates(addresses, this.#frame, this.#options.policy);
    if (candidates.length === 0) {
      // A name whose every address is forbidden answers exactly as a name that does not
      // exist: anything else tells the page the name exists inside. The log keeps why.
      if (reason !== '') this.#log('warn', 'stream-denied', { reason });
      this.#count('denied');
      this.#fail(fromSystemError(notFound(this.host), { syscall: 'getaddrinfo', hostname: this.host }));
      return;
    }
    this.#dial(candidates);
  }

  /** Dials the candidates in order, the next one after a connect error (Node's autoSelectFamily, sequential). */
  #dial(candidates: readonly Candidate[]): void {
    this.#candidates = candidates;
    this.#attempt = 0;
    this.#connectNext();
  }

  #connectNext(): void {
    const candidate = this.#candidates[this.#attempt] as Candidate;
    this.#attempt += 1;
    this.#phase = 'connecting';
    this.#address = candidate.address;
    // Node emits 'lookup' for a name only, once per address it tries.
    if (net.isIP(this.host) === 0) this.stream.resolved(candidate.address, candidate.family);
    let socket: net.Socket;
    try {
      const options = connectOptions(this.#frame, candidate, {
        // Node asks for the next read buffer after every read.
        buffer: () => this.#reads.next(),
        callback: (nread: number, buffer: Uint8Array) => this.#onRead(nread, buffer),
      });
      socket = this.#options.connect === undefined ? net.connect(options) : this.#options.connect(options, { host: this.host, port: this.port });
    } catch (error) {
      // Invalid localAddress/localPort: net.connect throws ERR_INVALID_* synchronously.
      this.#fail(fromSystemError(error as SystemErrorFields, { syscall: 'connect', address: candidate.address, port: this.port }));
      return;
    }
    this.#attachSocket(socket);
    socket.on('connect', () => this.#guard('connect', () => this.#onConnect(socket)));
  }

  /**
   * @internal adoptTcpSocket(): relays `socket`, already connected (accepted by a
   * listener), which reads with 'data' events since only net.connect() takes `onread`.
   */
  _adopt(socket: net.Socket): void {
    this.#clearTimer();
    this.#phase = 'connected';
    this.#address = socket.remoteAddress ?? '';
    this.#attachSocket(socket);
    socket.on('data', (chunk: Buffer) => this.#guard('tcp-data', () => {
      if (this.stream.write(chunk)) return;
      this.#stall();
      socket.pause();
    }));
    const idle = this.#options.idleTimeout ?? 0;
    if (idle > 0) socket.setTimeout(idle);
    socket.resume();
    this.#log('info', 'stream-accepted', { localPort: socket.localPort });
    this.#count('accepted');
  }

  /** The relay's socket events, the same for a dialed and an adopted socket. */
  #attachSocket(socket: net.Socket): void {
    this.#socket = socket;
    this.#socketOpen = true;
    const listeners: Array<[string, (error: Error) => void]> = [
      ['end', () => this.#guard('tcp-end', () => {
        this.stream.end();
        this.#checkDone();
      })],
      ['drain', () => this.#guard('tcp-drain', () => {
        const n = this.#unconsumed;
        this.#unconsumed = 0;
        if (n > 0) this.stream.consume(n);
      })],
      ['timeout', () => this.#guard('tcp-idle', () => this.#onIdle())],
      ['error', (error: Error) => this.#guard('tcp-error', () => this.#onSocketError(socket, error))],
      ['close', () => this.#guard('tcp-close', () => this.#onSocketClose(socket))],
    ];
    for (const [event, listener] of listeners) socket.on(event, listener);
    this.#detach = () => {
      for (const [event, listener] of listeners) socket.off(event, listener);
    };
  }

  /**
   * Wraps the connected TCP socket in TLS. The TLS socket takes over the TCP handle
   * (its reads no longer reach the zero-copy onread path) and is relayed with 'data'
   * events, like an accepted socket. SECURED goes out on 'secureConnect'; a failed
   * handshake is an 'error' carrying Node's code and message, sent on as RESET.
   *
   * The secure context is built first, while the plain socket is still fully ours: options
   * node:tls refuses (and keys tls-key-check.ts refuses) end this stream with a RESET
   * carrying the thrown error's code, and the bridge finishes as after any failure.
   */
  #startTls(): void {
    const raw = this.#socket;
    const options = this.#tlsRequest;
    if (raw === null || options === null || raw.destroyed) return;
    this.#tlsRequest = null;
    const budgets = this.#options.tlsCpu ?? [];
    if (!budgets.every((budget) => budget.admits())) {
      this.#log('warn', 'rate-limit', { what: 'starttls', action: 'reset' });
      this.#fail(wireError({ code: SockwayErrorCode.RateLimit, message: 'too many TLS handshakes started on this gateway right now; try again shortly' }));
      return;
    }
    let secureContext: tls.SecureContext;
    const started = performance.now();
    try {
      secureContext = secureContextOf(options);
    } catch (error) {
      this.#refuseTls(error);
      return;
    } finally {
      const spent = performance.now() - started;
      for (const budget of budgets) budget.charge(spent);
    }
    this.#detach();
    this.#readStopped = false;
    let secure: tls.TLSSocket;
    try {
      secure = tls.connect(tlsConnectOptions(raw, options, secureContext));
    } catch (error) {
      // The relay's listeners are off the plain socket: it is closed here, not by its 'close'.
      raw.on('error', () => {});
      raw.destroy();
      this.#socketOpen = false;
      this.#refuseTls(error);
      return;
    }
    this.#attachSocket(secure);
    const idle = this.#options.idleTimeout ?? 0;
    if (idle > 0) secure.setTimeout(idle);
    secure.on('data', (chunk: Buffer) => this.#guard('tls-data', () => {
      if (this.stream.write(chunk)) return;
      this.#stall();
      secure.pause();
    }));
    const handshake = setTimeout(() => this.#guard('tls-timeout', () => {
      this.#fail(tlsTimeoutError(this.host, this.#address, this.port, this.#options.connectTimeout));
    }), this.#options.connectTimeout);
    secure.once('close', () => clearTimeout(handshake));
    secure.once('secureConnect', () => this.#guard('tls-secure', () => {
      clearTimeout(handshake);
      this.stream.secured(securedOf(secure));
      this.#log('info', 'stream-secured', { protocol: secure.getProtocol(), authorized: secure.authorized });
    }));
  }

  /** A STARTTLS node:tls (or the key check) refused: RESET with its code, a warning, no stack. */
  #refuseTls(error: unknown): void {
    const fields = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SystemErrorFields;
    const wire = fromSystemError(fields, {});
    this.#log('warn', 'starttls-refused', { code: wire.code, message: wire.message || String(fields.message).slice(0, 300) });
    this.#fail(wire);
  }

  /** One TCP read (tcp-reads.ts makes it a DATA payload). Returning false stops reading (no credit). */
  #onRead(nread: number, buffer: Uint8Array): boolean {
    // TLS took the handle over: its reads are ciphertext for the TLS socket, not ours.
    if (this.#socket instanceof tls.TLSSocket) return true;
    let more = true;
    this.#guard('tcp-data', () => {
      const payload = this.#reads.take(nread, buffer);
      more = this.stream.write(payload, this.#reads.framable);
    });
    if (!more) this.#stall();
    return more;
  }

  #onConnect(socket: net.Socket): void {
    if (socket !== this.#socket || this.#finished()) return;
    this.#clearTimer();
    const local = endpoint(socket.localAddress, socket.localPort, socket.localFamily);
    const remote = endpoint(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
    if (local === null || remote === null) {
      // Closed between connect and now: 'error'/'close' follow and report it.
      return;
    }
    this.#phase = 'connected';
    this._releaseSlot();
    const idle = this.#options.idleTimeout ?? 0;
    if (idle > 0) socket.setTimeout(idle);
    this.stream.opened(local, remote);
    this.#log('info', 'stream-connected', { address: remote.address, localPort: local.port });
    this.#count('connected', (Date.now() - this.#openedAt) / 1000);
    if (this.#tlsRequest !== null) this.#startTls();
  }

  #onSocketError(socket: net.Socket, error: Error): void {
    if (socket !== this.#socket) return;
    // TLS errors name the host they checked as `host` (ERR_TLS_CERT_ALTNAME_INVALID).
    const host = (error as { host?: unknown }).host;
    const wire = fromSystemError(error as SystemErrorFields, typeof host === 'string' && socket instanceof tls.TLSSocket ? { hostname: host } : {});
    if (this.#phase === 'connecting' && !this.#finished()) {
      this.#firstError ??= wire;
      if (RETRYABLE.has(wire.code) && this.#attempt < this.#candidates.length) {
        socket.removeAllListeners();
        socket.on('error', () => {}); // nothing more from it matters
        socket.destroy();
        this.#socketOpen = false;
        this.#socket = null;
        this.#connectNext();
        return;
      }
      // As Node's AggregateError for several addresses: report the first failure.
      this.#fail(this.#firstError);
      return;
    }
    this.#fail(wire);
  }

  #onSocketClose(socket: net.Socket): void {
    if (socket !== this.#socket) return;
    this.#socketOpen = false;
    if (!isTerminal(this.stream.state) && (this.#phase !== 'connected' || canReceive(this.stream.state))) {
      // Closed with no 'error' while the page may still send: only our own destroy()
      // does that, and it resets first. Kept so a stream can never outlive its socket.
      this.#fail(wireError({ code: 'ECONNRESET', syscall: 'read', errno: uvErrno('ECONNRESET') }));
    }
    this.#checkDone();
  }

  readonly #onTimeout = (): void => {
    this.#timer = null;
    this.#guard('timeout', () => {
      if (this.#phase !== 'resolving' && this.#phase !== 'connecting') return;
      this.#fail(connectTimeoutError(this.host, this.#address, this.port));
    });
  };

  /** No bytes either way for idleTimeout ms (Node's socket timeout): the stream is reset. */
  #onIdle(): void {
    if (this.#phase !== 'connected' || this.#finished()) return;
    const ms = this.#options.idleTimeout ?? 0;
    this.#log('warn', 'stream-idle-timeout', { idleMs: ms });
    this.#fail(idleTimeoutError(this.host, this.#address, this.port, ms));
  }

  // ---- ending ----

  /** Resets the stream with `error` and destroys the socket. */
  #fail(error: WireError): void {
    this.#error ??= error;
    this.#clearTimer();
    if (!isTerminal(this.stream.state)) this.stream.reset(error);
    const socket = this.#socket;
    if (socket !== null && !socket.destroyed) socket.destroy();
    this.#checkDone();
  }

  #finished(): boolean {
    return this.#phase === 'done' || isTerminal(this.stream.state);
  }

  #checkDone(): void {
    if (this.#phase === 'done' || this.#socketOpen || !isTerminal(this.stream.state)) return;
    this.#phase = 'done';
    this.#clearTimer();
    this._releaseSlot();
    this.#options.budget?.release(this.stream.id);
    const stats = this.stream.stats();
    const error = this.#error;
    this.#count(openOutcome(error, this.#pageReset));
    this.#options.metrics?.streamClosed(stats.bytesReceived, stats.bytesSent);
    this.#log(error === null ? 'info' : 'warn', 'stream-closed', {
      address: this.#address,
      bytesSent: stats.bytesSent,
      bytesReceived: stats.bytesReceived,
      durationMs: Date.now() - this.#openedAt,
      // The page's RESET names any code it likes: logged in fields of its own, never as the gateway's.
      ...(error === null ? {} : this.#pageReset ? { pageCode: error.code, pageSyscall: error.syscall } : { code: error.code, syscall: error.syscall }),
    });
    this.#options.onDone?.(this);
  }

  /** Counts the OPEN's outcome, once: connected (`seconds` after OPEN), or how it failed. */
  #count(outcome: OpenOutcome, seconds?: number): void {
    if (this.#counted) return;
    this.#counted = true;
    this.#options.metrics?.streamOpened(outcome, seconds);
  }

  /** Reading stops for lack of credit; onDrain resumes it. */
  #stall(): void {
    this.#readStopped = true;
    this.#options.metrics?.creditStall();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Runs an event handler; an exception (our bug) fails this stream only, never the process. */
  #guard(where: string, body: () => void): void {
    guarded(this.#log, where, body, (error) => this.#fail(error));
  }
}
