/**
 * The multiplexer: one Session per WebSocket, the same code on both sides.
 * It owns the stream table, per-stream credit in both directions, the send
 * scheduler (control frames first, then round-robin DATA in bounded chunks),
 * keepalive and GOAWAY. @see PROTOCOL.md
 */
import {
  type WireError,
  ProtocolError,
  SockwayErrorCode,
  isProtocolError,
  toWireError,
  wireError,
} from './errors.ts';
import {
  type AcceptFrame,
  type Endpoint,
  type Frame,
  type ListenFrame,
  type OpenFrame,
  type ResumeFrame,
  type QueryFrame,
  assertNever,
  decodeFrame,
  type Allocate,
  encodeFrame,
} from './frame.ts';
import {
  DEFAULT_MAX_STREAM_WINDOW,
  type Limits,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  RESUME_PROTOCOL_VERSION,
  resolveLimits,
} from './protocol.ts';
import { RESUME_REFUSED, ResumableTransport, abortTransport } from './resumable-transport.ts';
import { checkChosenVersion, checkPeerLimits, defaultRandomBytes, negotiateVersion, newSessionSecrets } from './handshake.ts';
import { Keepalive } from './keepalive.ts';
import { SessionStream, type StreamHost } from './session-stream.ts';
import { SendScheduler } from './send-scheduler.ts';
import { StreamTable, unexpectedFrame } from './stream-table.ts';
import type {
  ByteAccount,
  SessionOptions,
  SessionRole,
  SessionState,
  SessionStats,
  StreamHandler,
  StreamKind,
} from './session-types.ts';
import { CloseCode, type MessageTransport, type Timers, type TransportCloseInfo } from './transport.ts';

export { SessionStream } from './session-stream.ts';
export { resolveLimits } from './protocol.ts';
export { RESUME_REFUSED } from './resumable-transport.ts';
export type * from './session-types.ts';

/** ms without an answer to a PING (or to RESUME) before the link counts as dead. */
const KEEPALIVE_TIMEOUT = 10_000;

const NORMAL_CLOSE = wireError({ code: SockwayErrorCode.GoingAway, message: 'session closed' });

/**
 * True for the error a stream fails with when its own side closed the session without an
 * error (close() with no argument: the app's tunnel.close()), not when the peer or the link ended it.
 */
export function isLocalClose(error: WireError): boolean {
  return error === NORMAL_CLOSE;
}

/** RESET refusing an ACCEPT that crossed the client's END or RESET of its listener. */
const LISTENER_CLOSED = wireError({ code: SockwayErrorCode.Closed, message: 'the listener is closed' });

/**
 * Where a session is; its readyState (`state`) is derived from it.
 *
 *   connecting --transport opens--> handshake --HELLO / WELCOME--> open
 *   handshake | open --GOAWAY received, ids used up--> going-away (no new streams)
 *   handshake | open | going-away --goAway()--> draining (our GOAWAY sent)
 *   any --close()--> closing --transport closed--> closed
 */
type Phase = 'connecting' | 'handshake' | 'open' | 'going-away' | 'draining' | 'closing' | 'closed';

const STATE_OF: { readonly [P in Phase]: SessionState } = {
  connecting: 'connecting',
  handshake: 'open',
  open: 'open',
  'going-away': 'open',
  draining: 'open',
  closing: 'closing',
  closed: 'closed',
};

/**
 * A multiplexed session over one MessageTransport.
 *
 * Closing (PROTOCOL.md#goaway):
 *
 *   side A                         side B
 *   close(error) ---- GOAWAY ---->  streams above lastStreamId fail,
 *   transport.close(code)           others fail with GOAWAY's error
 *        <-------- WS close -------
 *   every stream: onReset(error), onClose(error)
 */
export class Session {
  readonly role: SessionRole;
  readonly #transport: MessageTransport;
  /** The resumption layer (version 2 offered), null for version 1. */
  readonly #resumer: ResumableTransport | null;
  readonly #timers: Timers;
  readonly #host: StreamHost;
  readonly #options: SessionOptions;
  readonly #limits: Limits;
  /** Highest version this side announces: 2 only when it offers resumption. */
  readonly #maxVersion: number;
  /** Set by the handshake (HELLO received or WELCOME received): null before it. */
  #peerLimits: Limits | null = null;
  #phase: Phase = 'connecting';
  #version = 0;
  #sessionId: Uint8Array = new Uint8Array(0);

  readonly #streams: StreamTable;
  #closeError: WireError | null = null;

  readonly #sender: SendScheduler;
  readonly #budget: ByteAccount | undefined;
  #waitingForRoom = false;

  readonly #keepalive: Keepalive | null;

  constructor(options: SessionOptions) {
    this.role = options.role;
    this.#options = options;
    this.#timers = options.timers;
    this.#limits = resolveLimits(options.limits);
    const sendHighWater = options.sendHighWater ?? 1024 * 1024;
    const maxWindow = Math.max(options.maxStreamWindow ?? DEFAULT_MAX_STREAM_WINDOW, this.#limits.streamWindow);
    this.#streams = new StreamTable(options.role);
    this.#budget = options.budget;
    this.#keepalive = this.#makeKeepalive(options);
    this.#host = this.#makeStreamHost(options.allocate ?? ((length: number) => new Uint8Array(length)), maxWindow);
    // Version 2 is version 1 over the resumption layer (PROTOCOL.md#resume).
    this.#resumer = options.resumable === true ? this.#makeResumer(options, sendHighWater) : null;
    this.#maxVersion = this.#resumer !== null ? PROTOCOL_VERSION : RESUME_PROTOCOL_VERSION - 1;
    this.#transport = this.#resumer ?? options.transport;
    this.#sender = new SendScheduler({
      transport: this.#transport,
      sendHighWater,
      canSend: () => this.state === 'open',
      maxPayload: () => this.#peerLimits?.maxPayload ?? null,
      onFrame: options.onFrame,
    });
    this.#transport.attach({
      onOpen: () => this.#onTransportOpen(),
      onMessage: (message) => this.#onMessage(message),
      onClose: (info) => this.#onTransportClose(info),
      onDrain: () => this.#sender.drained(),
    });
    if (this.#transport.isOpen) this.#onTransportOpen();
  }

  /** Session lifecycle state. */
  get state(): SessionState {
    return STATE_OF[this.#phase];
  }

  /** Negotiated protocol version (0 before the handshake). */
  get version(): number {
    return this.#version;
  }

  /** The gateway-assigned session id (empty before the handshake). */
  get sessionId(): Uint8Array {
    return this.#sessionId;
  }

  /** The limits this side announced. */
  get limits(): Limits {
    return this.#limits;
  }

  /** Last measured keepalive round trip in ms (-1 before the first PONG). */
  get rtt(): number {
    return this.#keepalive?.rtt ?? -1;
  }

  /** True while a resumable session waits for a new transport (or is resuming). */
  get detached(): boolean {
    return this.#resumer?.detached ?? false;
  }

  /** Reliability counters: replay buffer, frame counts, resumptions. */
  sessionStats(): SessionStats {
    const reliability = this.#resumer?.stats() ?? { resumes: 0, framesSent: 0, framesReceived: 0, replayFrames: 0, replayBytes: 0, replayPeak: 0 };
    return { version: this.#version, detached: this.detached, rtt: this.rtt, ...reliability };
  }

  /**
   * Client: carries a detached session on over `transport` (a new WebSocket): RESUME
   * once it opens, then WELCOME and ACK, then both sides replay what the other missed.
   * If it drops too, onDetach is called again. False when there is nothing to resume.
   */
  resume(transport: MessageTransport): boolean {
    if (this.role !== 'client' || this.#resumer === null || this.state !== 'open') return false;
    return this.#resumer.resume(transport);
  }

  /**
   * Gateway: a RESUME naming this session arrived on `transport`. Checks the token (in
   * constant time) and the client's count, takes the transport over (dropping an older
   * one still attached), answers WELCOME with a new token and ACK, and replays.
   * Returns null on success, or why not (a count outside the replay buffer also fails
   * the session: it cannot be resumed any more).
   */
  resumeWith(transport: MessageTransport, frame: ResumeFrame): WireError | null {
    if (this.role !== 'gateway' || this.#resumer === null) return wireError({ code: SockwayErrorCode.ResumeFailed, message: RESUME_REFUSED });
    return this.#resumer.resumeWith(transport, frame);
  }

  /**
   * Drops the transport as a network failure would (keepalive timeout, tests): a
   * resumable session with something to resume detaches at once (onDetach), any other
   * ends when it closes.
   */
  dropTransport(reason = 'connection dropped'): void {
    if (this.#phase === 'closed') return;
    if (this.#resumer !== null) this.#resumer.abort(reason);
    else abortTransport(this.#transport, reason);
  }

  /**
   * Graceful GOAWAY (PROTOCOL.md#drain): announces the end, refuses the peer's new streams
   * and opens none, while open streams finish. The owner calls close() once streamCount
   * is 0 or its deadline has passed.
   */
  goAway(error: WireError = NORMAL_CLOSE): void {
    if (this.#phase !== 'handshake' && this.#phase !== 'open' && this.#phase !== 'going-away') return;
    this.#phase = 'draining';
    this.#sendControl({ type: 'goaway', streamId: 0, lastStreamId: this.#streams.lastPeerId, error });
  }

  /** Number of live streams. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Live streams, for stats. */
  streams(): IterableIterator<SessionStream> {
    return this.#streams.values();
  }

  /** The stream with this id, if it is live. */
  stream(id: number): SessionStream | undefined {
    return this.#streams.get(id);
  }

  /**
   * Opens a stream (OPEN is pipelined behind HELLO). Returns null when the
   * session can take no more streams; the caller reports `closeError`.
   */
  open(frame: Omit<OpenFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | null {
    return this.#openRequest({ type: 'open', streamId: this.#streams.nextId, ...frame }, handler, 'connect');
  }

  /**
   * Client: asks the gateway to listen (LISTEN, a listener stream in `opening`).
   * LISTENING then arrives as handler.onListening, each accepted connection as
   * handler.onAccept; end() closes the listener. Returns null like open().
   * @see PROTOCOL.md#server
   */
  listen(frame: Omit<ListenFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | null {
    return this.#openRequest({ type: 'listen', streamId: this.#streams.nextId, ...frame }, handler, 'listener');
  }

  /**
   * Client: asks the gateway's resolver (QUERY, a short-lived stream in `opening`): the
   * answer arrives as handler.onAnswer, a failure as handler.onReset. Returns null like
   * open(). @see PROTOCOL.md#query
   */
  query(frame: Omit<QueryFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | null {
    return this.#openRequest({ type: 'query', streamId: this.#streams.nextId, ...frame }, handler, 'query');
  }

  /**
   * Gateway: opens a stream (ACCEPT, even id, already `open`) for a connection
   * accepted on `listener`, a LISTEN stream this side answered with LISTENING and
   * the client has not ended. Its DATA waits for the client's first WINDOW.
   * `handler` may be a function making the handler for the new stream. Returns null
   * when the listener or the session takes no more connections.
   */
  accept(
    listener: SessionStream,
    local: Endpoint,
    remote: Endpoint,
    handler: StreamHandler | ((stream: SessionStream) => StreamHandler),
  ): SessionStream | null {
    if (this.role !== 'gateway' || this.#phase !== 'open') return null;
    if (listener.kind !== 'listener' || listener.state !== 'open' || this.#streams.get(listener.id) !== listener) return null;
    if (!this.#takeId()) return null;
    return this.#openLocal({ type: 'accept', streamId: this.#streams.nextId, listenerId: listener.id, local, remote }, handler, 'accepted');
  }

  /** Why the session ended or refuses streams (null while it is usable). */
  get closeError(): WireError | null {
    if (this.#closeError !== null) return this.#closeError;
    if (this.#goingAway()) return wireError({ code: SockwayErrorCode.GoingAway, message: 'the gateway is going away' });
    return null;
  }

  /**
   * Closes the session: GOAWAY carrying `error`, then the transport. Every open
   * stream fails with `error`.
   */
  close(error: WireError = NORMAL_CLOSE, closeCode: number = CloseCode.Normal): void {
    const phase = this.#phase;
    if (phase === 'closing' || phase === 'closed') return;
    this.#closeError = error;
    this.#phase = 'closing';
    this.#keepalive?.stop();
    this.#sender.clear();
    // Not while detached or resuming: the transport is not open then.
    if (phase !== 'connecting' && phase !== 'draining' && this.#transport.isOpen) {
      this.#options.onFrame?.('out', { type: 'goaway', streamId: 0, lastStreamId: this.#streams.lastPeerId, error });
      this.#transport.send(encodeFrame({ type: 'goaway', streamId: 0, lastStreamId: this.#streams.lastPeerId, error }));
    }
    this.#failStreams(error);
    // A detached session's transport reports the close at once.
    this.#transport.close(closeCode, error.message.slice(0, 120));
  }

  /** What this session's streams may ask of it. */
  #makeStreamHost(allocate: Allocate, maxWindow: number): StreamHost {
    const budget = this.#budget;
    return {
      role: this.role,
      allocate,
      maxWindow,
      now: () => this.#timers.now(),
      sendControl: (frame) => this.#sendControl(frame),
      schedule: (stream) => this.#sender.schedule(stream),
      hold: (delta) => budget?.adjust(delta),
      hasRoom: () => budget === undefined || budget.hasRoom,
      waitForRoom: () => {
        if (this.#waitingForRoom || budget === undefined) return;
        this.#waitingForRoom = true;
        budget.waitForRoom(() => {
          this.#waitingForRoom = false;
          if (this.state !== 'open') return;
          for (const stream of [...this.#streams.values()]) stream._drainIfRoom();
        });
      },
      mayGrowWindow: (stream, from, to) => this.#options.onWindowGrow?.(stream, from, to) ?? true,
      peerWindow: () => this.#peerLimits?.streamWindow ?? 0,
      forget: (stream) => {
        this.#streams.delete(stream.id);
      },
    };
  }

  /** The resumption layer over options.transport, and what it may ask of this session. */
  #makeResumer(options: SessionOptions, sendHighWater: number): ResumableTransport {
    return new ResumableTransport(options.transport, {
      role: options.role,
      timers: options.timers,
      randomBytes: options.randomBytes ?? defaultRandomBytes,
      sendHighWater,
      // A resume that takes longer than a PING may wait for its PONG is as dead as the link was.
      resumeHandshakeTimeout: options.keepaliveTimeout ?? KEEPALIVE_TIMEOUT,
      ...(options.maxReplayBytes === undefined ? {} : { maxReplayBytes: options.maxReplayBytes }),
      ...(options.budget === undefined ? {} : { budget: options.budget }),
      host: {
        mayContinue: () => (this.#phase === 'handshake' || this.#phase === 'open') && this.#closeError === null,
        holdsState: () => this.#streams.size > 0 || this.#sender.holdsReliable(),
        isIdle: () => this.#streams.size === 0,
        sendControl: (frame) => this.#sendControl(frame),
        fail: (error, closeCode) => this.close(error, closeCode),
        onDetach: (info) => {
          this.#sender.cancelDrain();
          this.#keepalive?.stop();
          options.onDetach?.(info);
        },
        onResume: () => {
          this.#sender.cancelDrain();
          this.#keepalive?.start();
          options.onResume?.();
        },
        ...(options.onFrame === undefined ? {} : { onFrame: options.onFrame }),
      },
    });
  }

  /** GOAWAY sent or received, or stream ids used up: no new streams. */
  #goingAway(): boolean {
    return this.#phase === 'going-away' || this.#phase === 'draining';
  }

  /** False (and the session going away) once stream ids are used up. */
  #takeId(): boolean {
    if (this.#streams.hasIds) return true;
    if (this.#phase === 'handshake' || this.#phase === 'open') this.#phase = 'going-away';
    return false;
  }

  /** OPEN (either role), LISTEN or QUERY (client only) on an open session; null when it takes no more streams. */
  #openRequest(frame: OpenFrame | ListenFrame | QueryFrame, handler: StreamHandler, kind: StreamKind): SessionStream | null {
    if (frame.type !== 'open' && this.role !== 'client') return null;
    if (this.#phase !== 'connecting' && this.#phase !== 'handshake' && this.#phase !== 'open') return null;
    if (!this.#takeId()) return null;
    return this.#openLocal(frame, handler, kind);
  }

  /**
   * Opens a stream of ours with `frame` (OPEN, LISTEN, QUERY or ACCEPT, carrying the next
   * id). The frame is encoded first and the handler made next, so a frame that cannot be
   * encoded (host too long) or a handler factory that throws leaves no stream behind.
   */
  #openLocal(frame: OpenFrame | ListenFrame | AcceptFrame | QueryFrame, handler: StreamHandler | ((stream: SessionStream) => StreamHandler), kind: StreamKind): SessionStream {
    const encoded = encodeFrame(frame);
    const id = this.#streams.nextId;
    // The peer's window is only known after WELCOME; before that the opener sends
    // nothing but OPEN/LISTEN, and OPENED/LISTENING always follows WELCOME. An
    // accepted connection is already connected: it starts open.
    const stream = new SessionStream(this.#host, id, kind === 'accepted' ? 'open' : 'opening', this.#peerLimits?.streamWindow ?? 0, this.#limits.streamWindow, kind);
    stream.setHandler(typeof handler === 'function' ? handler(stream) : handler);
    if (frame.type !== 'accept') stream._setRequest(frame);
    this.#streams.addLocal(stream);
    this.#options.onFrame?.('out', decodeFrame(encoded));
    this.#sender.control(encoded);
    return stream;
  }

  #sendControl(frame: Frame): void {
    if (this.#phase === 'closing' || this.#phase === 'closed') return;
    this.#options.onFrame?.('out', frame);
    this.#sender.control(encodeFrame(frame));
  }

  #onTransportOpen(): void {
    if (this.#phase !== 'connecting') return;
    this.#phase = 'handshake';
    if (this.role !== 'client') return;
    // HELLO goes before anything queued while the WebSocket was connecting.
    this.#sender.control(encodeFrame({
      type: 'hello', streamId: 0, minVersion: MIN_PROTOCOL_VERSION, maxVersion: this.#maxVersion, limits: this.#limits,
    }), true);
  }

  #onMessage(message: Uint8Array): void {
    if (this.#phase === 'closed' || this.#phase === 'closing') return;
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch (error) {
      this.#protocolFailure(error);
      return;
    }
    this.#options.onFrame?.('in', frame);
    this.#keepalive?.heard();
    let failure: ProtocolError | null;
    try {
      failure = this.#dispatch(frame);
    } catch (error) {
      // A handler threw: that is our bug, not the peer's; fail the session, never the process.
      failure = isProtocolError(error) ? error : new ProtocolError(SockwayErrorCode.Internal, `internal error: ${String(error)}`);
    }
    if (failure !== null) this.#protocolFailure(failure);
  }

  /** The transport now carries another session (gateway RESUME): this one ends without touching it. */
  #handOver(): void {
    this.#phase = 'closed';
    this.#keepalive?.stop();
    this.#sender.clear();
  }

  #dispatch(frame: Frame): ProtocolError | null {
    // GOAWAY may come instead of WELCOME (version refused, bad limits, resume refused).
    if (this.#peerLimits === null && frame.type !== 'hello' && frame.type !== 'welcome' && frame.type !== 'resume' && frame.type !== 'goaway') {
      // Pipelined OPENs are fine only after HELLO has been seen by the gateway.
      return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} before the handshake`);
    }
    switch (frame.type) {
      case 'hello': return this.#onHello(frame.minVersion, frame.maxVersion, frame.limits);
      case 'welcome': return this.#onWelcome(frame.version, frame.limits, frame.sessionId);
      case 'resume': {
        if (this.role !== 'gateway' || this.#peerLimits !== null) return this.#unexpected(frame.type);
        const onResumeRequest = this.#options.onResumeRequest;
        const refused = onResumeRequest === undefined
          ? wireError({ code: SockwayErrorCode.Unsupported, message: 'session resumption is not supported by this gateway' })
          : onResumeRequest(frame, this.#options.transport);
        if (refused === null) this.#handOver();
        else this.close(refused, CloseCode.PolicyViolation);
        return null;
      }
      case 'ack': return null; // the resumption layer's; version 1 ignores it
      case 'ping':
        this.#sendControl({ type: 'pong', streamId: 0, payload: frame.payload });
        return null;
      case 'pong':
        this.#keepalive?.onPong();
        return null;
      case 'goaway': return this.#onGoAway(frame.lastStreamId, frame.error);
      case 'open': return this.#onPeerStream(frame, this.#options.onOpen, 'gateway');
      case 'listen': return this.#onPeerStream(frame, this.#options.onListen, 'gateway');
      case 'query': return this.#onPeerStream(frame, this.#options.onQuery, 'gateway');
      case 'accept': {
        const acceptor = this.#acceptorFor(frame);
        return isProtocolError(acceptor) ? acceptor : this.#onPeerStream(frame, acceptor, 'client');
      }
      case 'resolved':
      case 'opened':
      case 'data':
      case 'end':
      case 'reset':
      case 'window':
      case 'listening':
      case 'starttls':
      case 'secured':
      case 'answer': {
        const stream = this.#streams.target(frame, this.#limits.maxPayload);
        return stream === null || isProtocolError(stream) ? stream : stream._onFrame(frame);
      }
      default: return assertNever(frame);
    }
  }

  #onHello(minVersion: number, maxVersion: number, limits: Limits): ProtocolError | null {
    if (this.role !== 'gateway' || this.#peerLimits !== null) return this.#unexpected('hello');
    const version = negotiateVersion(minVersion, maxVersion, this.#maxVersion);
    if (typeof version !== 'number') {
      this.close(version, CloseCode.ProtocolError);
      return null;
    }
    const peer = checkPeerLimits(limits);
    if (isProtocolError(peer)) return peer;
    const refused = this.#options.onHelloRequest?.() ?? null;
    if (refused !== null) {
      this.close(refused.error, refused.closeCode);
      return null;
    }
    this.#handshaken(peer, version);
    // The token means something to the resumption layer only; version 1 sends one all the same.
    const { sessionId, resumeToken } = newSessionSecrets(this.#options.randomBytes ?? defaultRandomBytes, this.#options.sessionIdPrefix);
    this.#sessionId = sessionId;
    this.#sendControl({ type: 'welcome', streamId: 0, version, limits: this.#limits, sessionId, resumeToken });
    this.#options.onReady?.();
    this.#sender.flush();
    return null;
  }

  #onWelcome(version: number, limits: Limits, sessionId: Uint8Array): ProtocolError | null {
    if (this.role !== 'client' || this.#peerLimits !== null) return this.#unexpected('welcome');
    const refused = checkChosenVersion(version, this.#maxVersion);
    if (refused !== null) return refused;
    const peer = checkPeerLimits(limits);
    if (isProtocolError(peer)) return peer;
    this.#handshaken(peer, version);
    this.#sessionId = sessionId;
    this.#keepalive?.start();
    this.#options.onReady?.();
    this.#sender.flush();
    return null;
  }

  #handshaken(peer: Limits, version: number): void {
    this.#peerLimits = peer;
    this.#version = version;
    if (this.#phase === 'handshake') this.#phase = 'open';
  }

  #onPeerStream(
    frame: OpenFrame | ListenFrame | AcceptFrame | QueryFrame,
    accept: ((stream: SessionStream, frame: never) => StreamHandler | WireError) | undefined,
    expectedRole: SessionRole,
  ): ProtocolError | null {
    if (this.role !== expectedRole) return this.#unexpected(frame.type);
    const illegal = this.#streams.claimPeerId(frame);
    if (illegal !== null) return illegal;
    const id = frame.streamId;
    const peerWindow = (this.#peerLimits as Limits).streamWindow;
    // An accepted connection is already connected at the gateway: it starts open.
    const kind: StreamKind = frame.type === 'open' ? 'connect' : frame.type === 'listen' ? 'listener' : frame.type === 'query' ? 'query' : 'accepted';
    const stream = new SessionStream(this.#host, id, kind === 'accepted' ? 'open' : 'opening', peerWindow, this.#limits.streamWindow, kind);
    const refuse = (error: WireError): null => {
      this.#sendControl({ type: 'reset', streamId: id, error });
      return null;
    };
    if (this.#phase !== 'handshake' && this.#phase !== 'open') return refuse(wireError({ code: SockwayErrorCode.GoingAway, message: 'the session is closing' }));
    if (this.#streams.peerCount() >= this.#limits.maxStreams) {
      return refuse(wireError({ code: SockwayErrorCode.StreamLimit, message: `too many streams (limit ${this.#limits.maxStreams})` }));
    }
    if (accept === undefined) {
      return refuse(wireError({ code: SockwayErrorCode.Unsupported, message: `${frame.type.toUpperCase()} is not supported by this peer` }));
    }
    this.#streams.addPeer(stream);
    let result: StreamHandler | WireError;
    try {
      result = accept(stream, frame as never);
    } catch (error) {
      // A failing handler refuses this stream only; the session and its other streams live on.
      result = wireError({ code: SockwayErrorCode.Internal, message: `internal error while opening the stream: ${error instanceof Error ? error.message : String(error)}` });
    }
    if ('code' in result) {
      this.#streams.delete(id);
      return refuse(result);
    }
    stream.setHandler(result);
    return null;
  }

  /**
   * Client: who decides on an ACCEPT. Its listenerId must name a listener this side
   * opened and the gateway answered (else the session fails); a listener this side
   * has since ended or reset refuses the connection with RESET. @see PROTOCOL.md#server
   */
  #acceptorFor(frame: AcceptFrame): ProtocolError | ((stream: SessionStream, frame: AcceptFrame) => StreamHandler | WireError) | undefined {
    if (this.role !== 'client') return undefined; // #onPeerStream reports the wrong direction
    const listener = this.#streams.get(frame.listenerId);
    if (listener === undefined) {
      const id = frame.listenerId;
      if (this.#streams.wasIssued(id)) return () => LISTENER_CLOSED;
      return new ProtocolError(SockwayErrorCode.Protocol, `ACCEPT for unknown listener ${id}`);
    }
    if (listener.kind !== 'listener' || listener.state === 'opening') {
      return new ProtocolError(SockwayErrorCode.Protocol, `ACCEPT for stream ${listener.id}, which is not a listening listener`);
    }
    if (listener.state !== 'open') return () => LISTENER_CLOSED;
    const onAccept = this.#options.onAccept ?? listener._handler?.onAccept?.bind(listener._handler);
    return onAccept;
  }

  #unexpected(type: string): ProtocolError {
    return unexpectedFrame(type, this.role);
  }

  #onGoAway(lastStreamId: number, error: WireError): null {
    if (this.#phase === 'handshake' || this.#phase === 'open') this.#phase = 'going-away';
    this.#closeError = error;
    // Our streams above lastStreamId were never seen by the peer: fail them now.
    for (const stream of this.#streams.unprocessed(lastStreamId)) {
      this.#streams.delete(stream.id);
      // Never processed: safe to open again on another session (the tunnel's choice).
      if (stream.state === 'opening' && stream.request !== null && this.#options.onUnprocessed?.(stream) === true) stream._abandon();
      else stream._fail(error);
    }
    return null;
  }

  #protocolFailure(error: unknown): void {
    const protocolError = isProtocolError(error)
      ? error
      : new ProtocolError(SockwayErrorCode.Internal, `internal error: ${String(error)}`);
    this.close(toWireError(protocolError), protocolError.code === SockwayErrorCode.Internal ? CloseCode.InternalError : CloseCode.ProtocolError);
  }

  /** The transport closed for good (the resumption layer, if any, chose not to detach). */
  #onTransportClose(info: TransportCloseInfo): void {
    if (this.#phase === 'closed') return;
    const error = this.#closeError ?? (info.wasOpen || this.state === 'open'
      ? wireError({ code: SockwayErrorCode.GatewayClosed, message: `the connection to the ${this.role === 'client' ? 'gateway' : 'client'} closed (code ${info.code}${info.reason ? `: ${info.reason}` : ''})` })
      : wireError({ code: SockwayErrorCode.GatewayUnreachable, message: `could not connect to the gateway (code ${info.code}${info.reason ? `: ${info.reason}` : ''})` }));
    this.#finish(error);
  }

  /** The session is over: every stream fails with `error`, buffers are freed, onClose. */
  #finish(error: WireError): void {
    this.#phase = 'closed';
    this.#closeError = error;
    this.#keepalive?.stop();
    this.#sender.clear();
    this.#failStreams(error);
    this.#resumer?.release();
    this.#budget?.close();
    this.#options.onClose?.(error === NORMAL_CLOSE ? null : error);
  }

  #failStreams(error: WireError): void {
    for (const stream of this.#streams.takeAll()) stream._fail(error);
  }

  /** Client: PINGs on a quiet link; a dead one detaches a resumable session, else ends it. */
  #makeKeepalive(options: SessionOptions): Keepalive | null {
    if (options.role !== 'client') return null;
    return new Keepalive({
      timers: options.timers,
      interval: options.keepaliveInterval ?? 15_000,
      timeout: options.keepaliveTimeout ?? KEEPALIVE_TIMEOUT,
      ping: (payload) => {
        if (this.state !== 'open') return false;
        this.#sendControl({ type: 'ping', streamId: 0, payload });
        return true;
      },
      onDead: (timeout) => {
        if (this.#resumer?.canResume() === true) this.dropTransport(`no PONG within ${timeout} ms`);
        else this.close(wireError({ code: SockwayErrorCode.GatewayTimeout, message: `the gateway did not answer a keepalive ping within ${timeout} ms` }), CloseCode.GoingAway);
      },
    });
  }
}
