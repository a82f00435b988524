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
  type DnsAnswer,
  type Endpoint,
  type Family,
  type Frame,
  type ListenFrame,
  type OpenFrame,
  type ResumeFrame,
  type QueryFrame,
  type SecuredFrame,
  type TlsOptions,
  assertNever,
  decodeFrame,
  isReliableMessage,
  type Allocate,
  encodeData,
  encodeFrame,
  writeDataHeader,
} from './frame.ts';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_STREAM_WINDOW,
  HEADER_LENGTH,
  STREAM_QUEUE_LIMIT,
  type Limits,
  MAX_PAYLOAD_LIMIT,
  MIN_PAYLOAD_LIMIT,
  MIN_PROTOCOL_VERSION,
  MIN_STREAM_WINDOW,
  PING_PAYLOAD_LENGTH,
  PROTOCOL_VERSION,
  MAX_STREAM_ID,
  RESUME_PROTOCOL_VERSION,
  SESSION_ID_LENGTH,
} from './protocol.ts';
import { type StreamEvent, type StreamState, canReceive, canSend, isTerminal, transition } from './stream-state.ts';
import { CloseCode, type MessageTransport, type Timers, type TransportCloseInfo } from './transport.ts';

/** Which end of the WebSocket this session is. Clients open odd stream ids, gateways even. */
export type SessionRole = 'client' | 'gateway';

/** Session lifecycle, mirroring WebSocket readyState. */
export type SessionState = 'connecting' | 'open' | 'closing' | 'closed';

/** Callbacks for one stream's events; set by whoever owns the stream. */
export interface StreamHandler {
  /** The gateway resolved the host name (opener only). */
  onResolved?(address: string, family: Family): void;
  /** The stream is connected (opener only). */
  onOpened?(local: Endpoint, remote: Endpoint): void;
  /** Stream bytes; the handler calls stream.consume(n) once they are read. */
  onData(data: Uint8Array): void;
  /** The peer will send no more data. */
  onEnd(): void;
  /** The stream is gone: peer RESET, or the session died. */
  onReset(error: WireError): void;
  /** Everything written so far has been handed to the transport. */
  onDrain(): void;
  /** The listener is bound (LISTEN opener only). @see PROTOCOL.md#server */
  onListening?(local: Endpoint): void;
  /**
   * Client, listener streams only: the gateway accepted a connection on this listener
   * (ACCEPT). Return the new stream's handler, or a WireError to refuse it with RESET.
   */
  onAccept?(stream: SessionStream, frame: AcceptFrame): StreamHandler | WireError;
  /**
   * Gateway: the client asks to wrap the connection in TLS (STARTTLS); DATA after it is
   * plaintext for the TLS socket. Not given = the stream is reset as unsupported.
   * @see PROTOCOL.md#starttls
   */
  onStartTls?(tls: TlsOptions): void;
  /** Client: the TLS handshake the stream's STARTTLS asked for finished (SECURED). */
  onSecured?(frame: SecuredFrame): void;
  /** Client, query streams: the gateway's answer; the stream is finished. @see PROTOCOL.md#query */
  onAnswer?(answer: DnsAnswer): void;
  /**
   * Client: the gateway never processed this stream (GOAWAY, id above lastStreamId) and
   * it was opened again as `stream` on another session; events come from that one now.
   * Not given = such a stream fails with the GOAWAY's error. @see PROTOCOL.md#goaway
   */
  onReopened?(stream: SessionStream): void;
}

/**
 * What a stream carries: a dialed connection (OPEN), a listener (LISTEN: no DATA,
 * answered by LISTENING), or a connection a listener accepted (ACCEPT).
 */
export type StreamKind = 'connect' | 'listener' | 'accepted' | 'query';

/**
 * A session's share of a byte budget it shares with other sessions (a gateway's memory
 * budget). The session reports what it holds towards the peer (DATA queued on its
 * streams, frames kept for replay until ACKed) and takes in no more while there is no
 * room: its streams' write() returns false, and handler.onDrain follows once there is.
 */
export interface ByteAccount {
  /** The session holds `delta` more bytes (fewer when negative). */
  adjust(delta: number): void;
  /** Whether the session may take in more bytes now. */
  readonly hasRoom: boolean;
  /** Calls `wake` once, later, when there may be room again. */
  waitForRoom(wake: () => void): void;
  /** The session ended: what it held is free. */
  close(): void;
}

/** Options of a Session. */
export interface SessionOptions {
  readonly role: SessionRole;
  readonly transport: MessageTransport;
  readonly timers: Timers;
  /** This side's limits, announced to the peer. */
  readonly limits?: Partial<Limits>;
  /** Client: ms between keepalive PINGs (0 = none). Default 15000. */
  readonly keepaliveInterval?: number;
  /** Client: ms to wait for the PONG before the session is declared dead. Default 10000. */
  readonly keepaliveTimeout?: number;
  /** Stop sending DATA while the transport buffers more than this. Default 1 MiB: more keeps the pipe fuller, less bounds head-of-line delay. */
  readonly sendHighWater?: number;
  /**
   * Largest receive window auto-tuning may grow a stream to (default 4 MiB or
   * limits.streamWindow if larger). Bounds what one stream can make this side buffer.
   */
  readonly maxStreamWindow?: number;
  /**
   * Receiver: asked before auto-tuning grows a stream's window from `from` to `to` bytes;
   * false keeps the window as it is. Lets a gateway bound the credit a session holds
   * across all its streams. Default: always (up to maxStreamWindow).
   */
  readonly onWindowGrow?: (stream: SessionStream, from: number, to: number) => boolean;
  /** Allocates DATA frames; Node passes Buffer.allocUnsafe to skip zero-filling. */
  readonly allocate?: Allocate;
  /** Gateway: random bytes for session ids and resume tokens. */
  readonly randomBytes?: (length: number) => Uint8Array;
  /** Gateway: a peer asks to open a stream. Return its handler, or throw/return a WireError to refuse. */
  readonly onOpen?: (stream: SessionStream, frame: OpenFrame) => StreamHandler | WireError;
  /** Gateway: a peer asks to listen (net.Server). Not given = refused as unsupported. */
  readonly onListen?: (stream: SessionStream, frame: ListenFrame) => StreamHandler | WireError;
  /**
   * Client: the gateway opened a stream for an accepted connection on a live listener.
   * Not given = the listener stream's handler.onAccept decides.
   */
  readonly onAccept?: (stream: SessionStream, frame: AcceptFrame) => StreamHandler | WireError;
  /** Gateway: a peer asks the resolver (QUERY); the handler answers with stream.answer() or reset(). Not given = refused as unsupported. */
  readonly onQuery?: (stream: SessionStream, frame: QueryFrame) => StreamHandler | WireError;
  /** The handshake finished. */
  readonly onReady?: () => void;
  /** The session ended; `error` says why (null after a clean close). */
  readonly onClose?: (error: WireError | null) => void;
  /** Every frame in and out, for debugging and tests. */
  readonly onFrame?: (direction: 'in' | 'out', frame: Frame) => void;
  /**
   * Offer session resumption (protocol version 2): reliable frames are counted, ACKed and
   * kept until ACKed, and a transport that drops without GOAWAY detaches the session
   * (onDetach) instead of failing it. Default false: version 1. @see PROTOCOL.md#resume
   */
  readonly resumable?: boolean;
  /**
   * Hard cap on the replay buffer in bytes; exceeding it fails the session. DATA pauses
   * while half of it is unacknowledged, so only control frames can ever reach it. Default 64 MiB.
   */
  readonly maxReplayBytes?: number;
  /**
   * A budget shared with other sessions for the bytes this one holds towards the peer
   * (stream queues and replay buffer). Not given = only this session's own limits apply.
   */
  readonly budget?: ByteAccount;
  /**
   * A resumable session lost its transport. It keeps its streams (writes queue) until
   * resume() (client) or resumeWith() (gateway) gives it a new one, or close() ends it.
   */
  readonly onDetach?: (info: TransportCloseInfo) => void;
  /**
   * Client: GOAWAY named `stream` as never processed (its id is above lastStreamId, so
   * its OPEN, LISTEN or QUERY — `stream.request` — had no effect). Return true once it
   * was opened again elsewhere and its handler told (onReopened): it then ends here
   * without onReset. Not given or false = it fails with the GOAWAY's error.
   */
  readonly onUnprocessed?: (stream: SessionStream) => boolean;
  /** A detached session carries on over a new transport; nothing was lost. */
  readonly onResume?: () => void;
  /**
   * Gateway, on a session still before its handshake: the client sent RESUME. Hand
   * `transport` to the session it names (Session.resumeWith) and return null, or return
   * why not (answered with GOAWAY). Not given = RESUME is refused as unsupported.
   */
  readonly onResumeRequest?: (frame: ResumeFrame, transport: MessageTransport) => WireError | null;
  /**
   * Gateway: a HELLO asks for a new session. Return null to answer WELCOME, or why not
   * and the WebSocket close code (answered with GOAWAY, then close): e.g. a session limit
   * that counts sessions waiting to resume, which the upgrade could not see.
   */
  readonly onHelloRequest?: () => { readonly error: WireError; readonly closeCode: number } | null;
}

/** Counters of a session's reliability machinery (PROTOCOL.md#resume), for assertions and metrics. */
export interface SessionStats {
  /** Negotiated protocol version (2 = resumable). */
  readonly version: number;
  /** Waiting for a new transport. */
  readonly detached: boolean;
  /** Successful resumptions so far. */
  readonly resumes: number;
  /** Last keepalive round trip in ms (-1 before the first PONG). */
  readonly rtt: number;
  /** Reliable frames sent and received (the implicit numbering of PROTOCOL.md#resume). */
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Sent frames the peer has not acknowledged yet, and their bytes. */
  readonly replayFrames: number;
  readonly replayBytes: number;
  /** Largest replayBytes ever held. */
  readonly replayPeak: number;
}

/** Counters of one stream, for assertions and metrics. */
export interface StreamStats {
  readonly id: number;
  readonly state: StreamState;
  /** Bytes written but not yet handed to the transport. */
  readonly queuedBytes: number;
  /** Largest queuedBytes ever seen. */
  readonly peakQueuedBytes: number;
  /** Bytes sent that the peer has not yet consumed (at most the peer's window). */
  readonly unacknowledgedBytes: number;
  /** Bytes still sendable under the peer's credit. */
  readonly sendCredit: number;
  /** Bytes received that the local consumer has not consumed yet. */
  readonly unconsumedBytes: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** A reader that frees half its window faster than this gets a bigger window. */
const AUTOTUNE_MS = 20;

const NORMAL_CLOSE = wireError({ code: SockwayErrorCode.GoingAway, message: 'session closed' });

/**
 * True for the error a stream fails with when its own side closed the session without an
 * error (close() with no argument: the app's tunnel.close()), not when the peer or the link ended it.
 */
export function isLocalClose(error: WireError): boolean {
  return error === NORMAL_CLOSE;
}

/** ACK after this many reliable frames, this much DATA payload, or this long (PROTOCOL.md#resume). */
const ACK_FRAMES = 32;
const ACK_BYTES = 512 * 1024;
const ACK_DELAY_MS = 50;
const DEFAULT_MAX_REPLAY_BYTES = 64 * 1024 * 1024;

/** Stands in for a dropped transport while a session is detached: sends nothing, never opens. */
const DETACHED: MessageTransport = {
  isOpen: false,
  bufferedAmount: 0,
  attach() {},
  send() {},
  requestDrain() {},
  close() {},
};

/** Where a client's resume handshake is (PROTOCOL.md#resume): RESUME → WELCOME → ACK. */
type ResumePhase = 'none' | 'awaiting-open' | 'awaiting-welcome' | 'awaiting-ack';
/** RESET refusing an ACCEPT that crossed the client's END or RESET of its listener. */
const LISTENER_CLOSED = wireError({ code: SockwayErrorCode.Closed, message: 'the listener is closed' });

/**
 * The one answer to a RESUME that names no resumable session or carries a wrong token:
 * a prober learns nothing about which (PROTOCOL.md#resume).
 */
export const RESUME_REFUSED = 'unknown session or invalid resume token: it ended, its grace period is over, the gateway restarted, or the token is not valid';

/** One stream of a session. Created by Session.open()/listen()/accept() or by an incoming OPEN/LISTEN/ACCEPT. */
export class SessionStream {
  readonly id: number;
  /** What the stream carries; a listener never carries DATA. */
  readonly kind: StreamKind;
  readonly #session: Session;
  #handler: StreamHandler | null = null;
  #state: StreamState;
  /** The OPEN, LISTEN or QUERY this side sent for the stream (null for one the peer opened, or ACCEPT). */
  #request: OpenFrame | ListenFrame | QueryFrame | null = null;

  // Send side: absolute offsets (PROTOCOL.md#credit).
  #sent = 0;
  #sendLimit: number;
  #peerWindow: number;
  readonly #queue: Uint8Array[] = [];
  /** Queued chunks with writable header room in front (see write()). */
  readonly #framable = new WeakSet<Uint8Array>();
  #queuedBytes = 0;
  #peakQueuedBytes = 0;
  #endQueued = false;
  #scheduled = false;
  /** write() returned false; onDrain is owed. */
  #needDrain = false;
  /** STARTTLS on this stream: none yet, sent/received, answered by SECURED. */
  #tls: 'none' | 'requested' | 'secured' = 'none';
  /** A STARTTLS waiting for the bytes queued before it (#tlsBarrier of them) to go out first. */
  #tlsPending: TlsOptions | null = null;
  #tlsBarrier = 0;

  // Receive side.
  #received = 0;
  #consumed = 0;
  #advertised: number;
  /** Current receive window; grows (auto-tune) while the reader keeps up. */
  #window: number;
  #lastGrant = 0;

  /** @internal Use Session.open(), listen() or accept(). */
  constructor(session: Session, id: number, state: StreamState, peerWindow: number, window: number, kind: StreamKind = 'connect') {
    this.#session = session;
    this.id = id;
    this.kind = kind;
    this.#state = state;
    this.#peerWindow = peerWindow;
    this.#sendLimit = peerWindow;
    this.#window = window;
    this.#advertised = window;
    if (kind === 'accepted') {
      // Gateway → client on an ACCEPT stream starts without credit: the client grants its
      // window once the socket reads (pauseOnConnect holds it back). @see PROTOCOL.md#credit
      if (session.role === 'gateway') this.#sendLimit = 0;
      else this.#advertised = 0;
    }
  }

  /** The stream's lifecycle state. */
  get state(): StreamState {
    return this.#state;
  }

  /** Bytes written and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Sets who receives this stream's events. */
  setHandler(handler: StreamHandler): void {
    this.#handler = handler;
  }

  /**
   * Queues bytes to send as DATA. Returns false once this stream has
   * STREAM_QUEUE_LIMIT bytes or more waiting (for credit or for the transport):
   * the writer should then wait for handler.onDrain(). A little queue keeps the
   * pipe full while the transport drains (no stop-and-go per chunk) and stays bounded.
   *
   * `headroom`: the caller owns the HEADER_LENGTH bytes in front of `data` (in
   * data.buffer) and never reads them; the DATA header is then written there
   * and the payload is sent without a copy.
   */
  write(data: Uint8Array, headroom = false): boolean {
    if (!this.#canQueue() || this.#endQueued || this.kind === 'listener' || this.kind === 'query') return false;
    if (data.length === 0) return this.#queuedBytes < STREAM_QUEUE_LIMIT;
    if (headroom && data.byteOffset >= HEADER_LENGTH) this.#framable.add(data);
    this.#queue.push(data);
    this.#queuedBytes += data.length;
    if (this.#queuedBytes > this.#peakQueuedBytes) this.#peakQueuedBytes = this.#queuedBytes;
    this.#session._hold(data.length);
    this.#session._schedule(this);
    if (this.#queuedBytes < STREAM_QUEUE_LIMIT && this.#session._hasRoom()) return true;
    this.#needDrain = true;
    // Past the shared budget (not this stream's queue): onDrain comes when it has room.
    if (this.#queuedBytes < STREAM_QUEUE_LIMIT) this.#session._waitForRoom();
    return false;
  }

  /** Half-closes: END follows the queued data. */
  end(): void {
    if (!this.#canQueue() || this.#endQueued) return;
    this.#endQueued = true;
    if (this.#queuedBytes === 0 && this.#state !== 'opening') this.#sendEnd();
  }

  /** Writes and END may be queued while opening; they go out after OPENED. */
  #canQueue(): boolean {
    return this.#state === 'opening' || canSend(this.#state);
  }

  /** Aborts both directions now, dropping queued data; the handler hears nothing more. */
  reset(error: WireError): void {
    if (isTerminal(this.#state)) return;
    this.#dropQueue();
    this.#state = 'reset';
    this.#session._sendControl({ type: 'reset', streamId: this.id, error });
    this.#session._forget(this);
  }

  /** Returns credit for `n` bytes the consumer has read. @see PROTOCOL.md#credit */
  consume(n: number): void {
    this.#consumed = Math.min(this.#consumed + n, this.#received);
    if (!canReceive(this.#state)) return;
    let limit = this.#consumed + this.#window;
    // Batch credit: only announce once half a window has been freed (hashicorp/yamux).
    if (limit - this.#advertised >= this.#window / 2) {
      // Auto-tune: a reader that freed half a window within AUTOTUNE_MS is fast;
      // a bigger window keeps its pipe full. Slow readers keep the initial window.
      const now = Date.now();
      const maxWindow = this.#session._maxWindow;
      if (now - this.#lastGrant < AUTOTUNE_MS && this.#window < maxWindow) {
        const grown = Math.min(this.#window * 2, maxWindow);
        if (this.#session._mayGrowWindow(this, this.#window, grown)) {
          this.#window = grown;
          limit = this.#consumed + this.#window;
        }
      }
      this.#lastGrant = now;
      this.#advertised = limit;
      this.#session._sendControl({ type: 'window', streamId: this.id, limit });
    }
  }

  /**
   * Client: wraps the connection in TLS at the gateway (STARTTLS). The frame follows every
   * byte written before it, as END does; bytes written after it are TLS application data.
   * Allowed once, on a connect stream still opening or open. Returns false when refused.
   * @see PROTOCOL.md#starttls
   */
  startTls(tls: TlsOptions): boolean {
    if (this.#session.role !== 'client' || this.kind !== 'connect' || this.#tls !== 'none' || this.#endQueued) return false;
    if (this.#state !== 'opening' && this.#state !== 'open') return false;
    this.#tls = 'requested';
    if (this.#queuedBytes === 0) this.#session._sendControl({ type: 'starttls', streamId: this.id, tls });
    else {
      this.#tlsPending = tls;
      this.#tlsBarrier = this.#queuedBytes;
    }
    return true;
  }

  /** Gateway: the TLS handshake asked for by STARTTLS finished. */
  secured(frame: Omit<SecuredFrame, 'type' | 'streamId'>): void {
    if (this.#tls !== 'requested' || isTerminal(this.#state)) return;
    this.#tls = 'secured';
    this.#session._sendControl({ type: 'secured', streamId: this.id, ...frame });
  }

  /** Gateway, query streams: sends the ANSWER; the stream is finished. */
  answer(answer: DnsAnswer): void {
    if (this.kind !== 'query' || this.#state !== 'opening') return;
    this.#state = 'closed';
    this.#session._sendControl({ type: 'answer', streamId: this.id, answer });
    this.#session._forget(this);
  }

  /** Whether STARTTLS was sent or received on this stream, and answered. */
  get tls(): 'none' | 'requested' | 'secured' {
    return this.#tls;
  }

  /** Gateway: tells the opener the host name's resolved address (Node's 'lookup'). */
  resolved(address: string, family: Family): void {
    if (this.#state !== 'opening') return;
    this.#session._sendControl({ type: 'resolved', streamId: this.id, address, family });
  }

  /** Gateway: the TCP connection is up; DATA may flow. */
  opened(local: Endpoint, remote: Endpoint): void {
    if (this.kind !== 'connect' || this.#apply('opened') === null) return;
    this.#session._sendControl({ type: 'opened', streamId: this.id, local, remote });
  }

  /** Gateway: the listener is bound to `local`; ACCEPTs may follow. @see PROTOCOL.md#server */
  listening(local: Endpoint): void {
    if (this.kind !== 'listener' || this.#apply('opened') === null) return;
    this.#session._sendControl({ type: 'listening', streamId: this.id, local });
  }

  /** Counters for tests and metrics. */
  stats(): StreamStats {
    return {
      id: this.id,
      state: this.#state,
      queuedBytes: this.#queuedBytes,
      peakQueuedBytes: this.#peakQueuedBytes,
      unacknowledgedBytes: this.#sent - (this.#sendLimit - this.#peerWindow),
      sendCredit: this.#sendLimit - this.#sent,
      unconsumedBytes: this.#received - this.#consumed,
      bytesSent: this.#sent,
      bytesReceived: this.#received,
    };
  }

  // ---- called by Session ----

  /** @internal */
  get _hasSendable(): boolean {
    return this.#queuedBytes > 0 && this.#sent < this.#sendLimit && canSend(this.#state);
  }

  /** @internal Whether the stream sits in the scheduler's ready ring. */
  get _scheduled(): boolean { return this.#scheduled; }
  set _scheduled(value: boolean) { this.#scheduled = value; }

  /** @internal Takes up to `max` bytes off the queue and encodes them as one DATA frame. */
  _takeFrame(max: number): Uint8Array {
    // A pending STARTTLS is a barrier: no DATA frame spans it.
    const budget = Math.min(max, this.#sendLimit - this.#sent, this.#queuedBytes, this.#tlsPending === null ? Infinity : this.#tlsBarrier);
    const first = this.#queue[0] as Uint8Array;
    let payload: Uint8Array;
    if (first.length <= budget) {
      // Coalesce small queued chunks into one frame, never past the budget.
      if (first.length < budget && this.#queue.length > 1) {
        payload = this.#gather(budget);
      } else {
        payload = first;
        this.#queue.shift();
      }
    } else {
      payload = first.subarray(0, budget);
      this.#queue[0] = first.subarray(budget);
    }
    this.#queuedBytes -= payload.length;
    this.#session._hold(-payload.length);
    this.#sent += payload.length;
    if (this.#tlsPending !== null) this.#tlsBarrier -= payload.length;
    if (this.#framable.has(first) && payload.byteOffset === first.byteOffset) {
      // Zero copy: the header goes into the room the writer left in front.
      const frame = new Uint8Array(first.buffer, first.byteOffset - HEADER_LENGTH, payload.length + HEADER_LENGTH);
      writeDataHeader(frame, this.id);
      return frame;
    }
    return encodeData(this.id, payload, this.#session._allocate);
  }

  #gather(budget: number): Uint8Array {
    let size = 0;
    for (const chunk of this.#queue) {
      if (size + chunk.length > budget) break;
      size += chunk.length;
    }
    const out = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const chunk = this.#queue.shift() as Uint8Array;
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** @internal After a DATA frame went out: END if it was the last; drain once below the limit. */
  _afterSend(): void {
    const tls = this.#tlsPending;
    if (tls !== null && this.#tlsBarrier === 0) {
      this.#tlsPending = null;
      this.#session._sendControl({ type: 'starttls', streamId: this.id, tls });
    }
    if (this.#queuedBytes === 0 && this.#endQueued) this.#sendEnd();
    this._drainIfRoom();
  }

  /** @internal onDrain is owed and the stream can take more (its queue and the session's budget). */
  _drainIfRoom(): void {
    if (!this.#needDrain || this.#queuedBytes >= STREAM_QUEUE_LIMIT) return;
    if (!this.#session._hasRoom()) {
      this.#session._waitForRoom();
      return;
    }
    this.#needDrain = false;
    this.#handler?.onDrain();
  }

  /** @internal */
  _onFrame(frame: Frame): ProtocolError | null {
    switch (frame.type) {
      case 'resolved':
        if (this.#state !== 'opening' || this.kind !== 'connect') return this.#illegal(frame.type);
        this.#handler?.onResolved?.(frame.address, frame.family);
        return null;
      case 'opened':
        if (this.#state !== 'opening' || this.kind !== 'connect') return this.#illegal(frame.type);
        if (this.#apply('opened') === null) return null;
        if (this.#peerWindow === 0) {
          // Opened before WELCOME arrived: the peer's window is known now (OPENED follows WELCOME).
          this.#peerWindow = this.#session._peerWindow();
          this.#sendLimit = this.#peerWindow;
        }
        this.#handler?.onOpened?.(frame.local, frame.remote);
        if (this._hasSendable) this.#session._schedule(this);
        else if (this.#endQueued && this.#queuedBytes === 0) this.#sendEnd();
        return null;
      case 'data':
        if (!canReceive(this.#state) || this.kind === 'listener' || this.kind === 'query') return this.#illegal(frame.type);
        if (this.#received + frame.data.length > this.#advertised) {
          return new ProtocolError(
            SockwayErrorCode.FlowControl,
            `stream ${this.id} received ${this.#received + frame.data.length} bytes against credit ${this.#advertised}`,
          );
        }
        this.#received += frame.data.length;
        this.#handler?.onData(frame.data);
        return null;
      case 'end': {
        const next = transition(this.#state, 'recv-end');
        if (isProtocolError(next)) return next;
        this.#state = next;
        if (isTerminal(next)) this.#session._forget(this);
        this.#handler?.onEnd();
        return null;
      }
      case 'reset':
        this.#dropQueue();
        this.#state = 'reset';
        this.#session._forget(this);
        this.#handler?.onReset(frame.error);
        return null;
      case 'window':
        // Smaller limits are stale duplicates and ignored (PROTOCOL.md#credit).
        if (frame.limit > this.#sendLimit) {
          this.#sendLimit = frame.limit;
          if (this._hasSendable) this.#session._schedule(this);
        }
        return null;
      case 'listening':
        if (this.#state !== 'opening' || this.kind !== 'listener') return this.#illegal(frame.type);
        if (this.#apply('opened') === null) return null;
        this.#handler?.onListening?.(frame.local);
        return null;
      case 'starttls':
        // The client sends it while opening or open; our END may have crossed it (local-closed).
        if (this.kind !== 'connect' || this.#tls !== 'none' || (this.#state !== 'opening' && this.#state !== 'open' && this.#state !== 'local-closed')) {
          return this.#illegal(frame.type);
        }
        this.#tls = 'requested';
        if (this.#handler?.onStartTls === undefined) {
          this.reset(wireError({ code: SockwayErrorCode.Unsupported, message: 'TLS is not supported by this gateway' }));
          return null;
        }
        this.#handler.onStartTls(frame.tls);
        return null;
      case 'secured':
        if (this.#tls !== 'requested' || this.#state === 'opening') return this.#illegal(frame.type);
        this.#tls = 'secured';
        this.#handler?.onSecured?.(frame);
        return null;
      case 'answer':
        if (this.kind !== 'query' || this.#state !== 'opening') return this.#illegal(frame.type);
        this.#state = 'closed';
        this.#session._forget(this);
        this.#handler?.onAnswer?.(frame.answer);
        return null;
      default:
        return this.#illegal(frame.type);
    }
  }

  /** @internal Who receives this stream's events (ACCEPT is routed to its listener's). */
  get _handler(): StreamHandler | null {
    return this.#handler;
  }

  /** The OPEN, LISTEN or QUERY this side sent for the stream; null for a stream the peer opened, or ACCEPT. */
  get request(): OpenFrame | ListenFrame | QueryFrame | null {
    return this.#request;
  }

  /** @internal Session.#openLocal(). */
  _setRequest(frame: OpenFrame | ListenFrame | QueryFrame): void {
    this.#request = frame;
  }

  /** @internal The stream was opened again on another session: it ends here, silently. */
  _abandon(): void {
    this.#dropQueue();
    this.#state = 'reset';
    this.#handler = null;
  }

  /** @internal The session died: the stream fails with `error`. */
  _fail(error: WireError): void {
    if (isTerminal(this.#state)) return;
    this.#dropQueue();
    this.#state = 'reset';
    this.#handler?.onReset(error);
  }

  #sendEnd(): void {
    if (this.#apply('send-end') === null) return;
    this.#session._sendControl({ type: 'end', streamId: this.id });
    if (isTerminal(this.#state)) this.#session._forget(this);
  }

  #apply(event: StreamEvent): StreamState | null {
    const next = transition(this.#state, event);
    if (isProtocolError(next)) return null;
    this.#state = next;
    return next;
  }

  #dropQueue(): void {
    this.#session._hold(-this.#queuedBytes);
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#endQueued = false;
    this.#tlsPending = null;
  }

  #illegal(type: string): ProtocolError {
    return new ProtocolError(SockwayErrorCode.Protocol, `${type.toUpperCase()} on stream ${this.id} in state ${this.#state}`);
  }
}

/** Placeholder for replay slots already released (keeps the array dense). */
const EMPTY_FRAME = new Uint8Array(0);

/** Compares secrets in time independent of where they differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Drops a transport without a close handshake where it can (a blackholed link never answers one). */
function abortTransport(transport: MessageTransport, reason: string): void {
  if (transport.abort !== undefined) transport.abort();
  else transport.close(CloseCode.GoingAway, reason);
}

/** Web Crypto randomness, present in browsers and Node >= 19. */
function defaultRandomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes);
  return bytes;
}

/** Validated, filled-in limits; throws RangeError for values outside the protocol's bounds. */
export function resolveLimits(limits: Partial<Limits> = {}): Limits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  const check = (name: keyof Limits, min: number, max: number): void => {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`limits.${name} must be an integer in ${min}..${max}, got ${value}`);
    }
  };
  check('maxPayload', MIN_PAYLOAD_LIMIT, MAX_PAYLOAD_LIMIT);
  check('streamWindow', MIN_STREAM_WINDOW, 0x7fff_ffff);
  check('maxStreams', 1, 0xffff_ffff);
  check('idleTimeout', 0, 0xffff_ffff);
  return resolved;
}

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
  #transport: MessageTransport = DETACHED;
  readonly #timers: Timers;
  readonly #options: SessionOptions;
  readonly #limits: Limits;
  #peerLimits: Limits | null = null;
  #state: SessionState = 'connecting';
  #handshaken = false;
  #version = 0;
  #sessionId: Uint8Array = new Uint8Array(0);

  readonly #streams = new Map<number, SessionStream>();
  #nextId: number;
  #lastLocalId = 0;
  #lastPeerId = 0;
  #goingAway = false;
  #closeError: WireError | null = null;

  readonly #control: Uint8Array[] = [];
  readonly #ready: SessionStream[] = [];
  #flushing = false;
  #awaitingDrain = false;
  readonly #sendHighWater: number;

  #keepaliveTimer: unknown = null;
  #pongTimer: unknown = null;
  #pingSentAt = 0;
  #pingCounter = 0;
  #rtt = -1;
  /** Messages received so far: a link that delivers anything is alive, PONG or not. */
  #heard = 0;

  // Resumption (PROTOCOL.md#resume). Reliable frames are numbered 1, 2, … per direction.
  readonly #resumable: boolean;
  /** Highest version this side announces: 2 only when it offers resumption. */
  readonly #maxVersion: number;
  /** Counting, ACKing and keeping frames (resumable, and version 2 once negotiated). */
  #reliable: boolean;
  readonly #maxReplayBytes: number;
  readonly #budget: ByteAccount | undefined;
  #waitingForRoom = false;
  /** DATA stops while this many sent bytes are unacknowledged (half the cap). */
  readonly #replayHighWater: number;
  #resumeToken: Uint8Array = new Uint8Array(0);
  /**
   * Gateway: the token the last resume used, still accepted until the client shows it got
   * the new one (its first frame after WELCOME): a WELCOME lost with the link must not
   * lock the client out.
   */
  #previousToken: Uint8Array | null = null;
  /** Sent reliable frames not yet ACKed, oldest first, from index #replayHead. */
  #replay: Uint8Array[] = [];
  #replayHead = 0;
  /** Frames the peer has ACKed (the number of the frame before #replay[#replayHead]). */
  #replayBase = 0;
  #sentReliable = 0;
  /** Frames put on the current transport; below #sentReliable while replaying. */
  #replaySent = 0;
  #replayBytes = 0;
  #replayPeak = 0;
  #receivedReliable = 0;
  #ackedReceived = 0;
  #unackedPayload = 0;
  #ackTimer: unknown = null;
  #detached = false;
  #resumePhase: ResumePhase = 'none';
  #resumes = 0;
  #goAwaySent = false;

  constructor(options: SessionOptions) {
    this.role = options.role;
    this.#options = options;
    this.#transport = options.transport;
    this.#timers = options.timers;
    this.#limits = resolveLimits(options.limits);
    this.#sendHighWater = options.sendHighWater ?? 1024 * 1024;
    this._allocate = options.allocate ?? ((length: number) => new Uint8Array(length));
    this._maxWindow = Math.max(options.maxStreamWindow ?? DEFAULT_MAX_STREAM_WINDOW, this.#limits.streamWindow);
    this.#nextId = options.role === 'client' ? 1 : 2;
    this.#resumable = options.resumable ?? false;
    this.#maxVersion = this.#resumable ? PROTOCOL_VERSION : RESUME_PROTOCOL_VERSION - 1;
    // A client keeps what it pipelines before WELCOME; the gateway knows after HELLO.
    this.#reliable = this.#resumable && options.role === 'client';
    this.#maxReplayBytes = options.maxReplayBytes ?? DEFAULT_MAX_REPLAY_BYTES;
    this.#replayHighWater = Math.floor(this.#maxReplayBytes / 2);
    this.#budget = options.budget;
    this.#attach(options.transport);
    if (this.#transport.isOpen) this.#onTransportOpen();
  }

  /** Makes `transport` the current one; events of any earlier transport are ignored from now on. */
  #attach(transport: MessageTransport): void {
    this.#transport = transport;
    transport.attach({
      onOpen: () => {
        if (this.#transport === transport) this.#onTransportOpen();
      },
      onMessage: (message) => {
        if (this.#transport === transport) this.#onMessage(message);
      },
      onClose: (info) => {
        if (this.#transport === transport) this.#onTransportClose(info);
      },
      onDrain: () => {
        if (this.#transport !== transport) return;
        this.#awaitingDrain = false;
        this.#flush();
      },
    });
  }

  /** Session lifecycle state. */
  get state(): SessionState {
    return this.#state;
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
    return this.#rtt;
  }

  /** True while a resumable session waits for a new transport (or is resuming). */
  get detached(): boolean {
    return this.#detached;
  }

  /** Reliability counters: replay buffer, frame counts, resumptions. */
  sessionStats(): SessionStats {
    return {
      version: this.#version,
      detached: this.#detached,
      resumes: this.#resumes,
      rtt: this.#rtt,
      framesSent: this.#sentReliable,
      framesReceived: this.#receivedReliable,
      replayFrames: this.#sentReliable - this.#replayBase,
      replayBytes: this.#replayBytes,
      replayPeak: this.#replayPeak,
    };
  }

  /**
   * Client: carries a detached session on over `transport` (a new WebSocket): RESUME
   * once it opens, then WELCOME and ACK, then both sides replay what the other missed.
   * If it drops too, onDetach is called again. False when there is nothing to resume.
   */
  resume(transport: MessageTransport): boolean {
    if (this.role !== 'client' || !this.#detached || this.#state !== 'open' || this.#resumePhase !== 'none') return false;
    this.#resumePhase = 'awaiting-open';
    this.#attach(transport);
    if (transport.isOpen) this.#onTransportOpen();
    return true;
  }

  /**
   * Gateway: a RESUME naming this session arrived on `transport`. Checks the token (in
   * constant time) and the client's count, takes the transport over (dropping an older
   * one still attached), answers WELCOME with a new token and ACK, and replays.
   * Returns null on success, or why not (a count outside the replay buffer also fails
   * the session: it cannot be resumed any more).
   */
  resumeWith(transport: MessageTransport, frame: ResumeFrame): WireError | null {
    const refuse = (message: string): WireError => wireError({ code: SockwayErrorCode.ResumeFailed, message });
    if (this.role !== 'gateway' || !this.#canResume()) return refuse(RESUME_REFUSED);
    // Both compared, always, so the time taken says nothing about which matched.
    const current = equalBytes(frame.resumeToken, this.#resumeToken);
    const previous = equalBytes(frame.resumeToken, this.#previousToken ?? this.#resumeToken);
    if (!current && !previous) return refuse(RESUME_REFUSED);
    if (frame.received < this.#replayBase || frame.received > this.#sentReliable) {
      const error = refuse(`the client has ${frame.received} frames; the gateway can replay after ${this.#replayBase} up to ${this.#sentReliable}`);
      this.close(error, CloseCode.PolicyViolation);
      return error;
    }
    const older = this.#transport;
    this.#attach(transport);
    // The latest authenticated client wins; the older connection may be a blackhole.
    if (older !== DETACHED) abortTransport(older, 'the session was resumed on another connection');
    // The token just used stays good for one more RESUME (the WELCOME carrying its successor
    // may be lost with this link); a previous token, once used, is spent: one token never
    // resumes the session twice over.
    this.#previousToken = current ? frame.resumeToken : null;
    this.#resumeToken = (this.#options.randomBytes ?? defaultRandomBytes)(SESSION_ID_LENGTH);
    this.#sendNow({ type: 'welcome', streamId: 0, version: this.#version, limits: this.#limits, sessionId: this.#sessionId, resumeToken: this.#resumeToken });
    // ACK right after WELCOME, ahead of the replay (PROTOCOL.md#resume).
    this.#ackNow(false);
    this.#sendNow({ type: 'ack', streamId: 0, received: this.#receivedReliable });
    this.#resumed(frame.received);
    return null;
  }

  /**
   * Drops the transport as a network failure would (keepalive timeout, tests): a
   * resumable session with something to resume detaches at once (onDetach), any other
   * ends when it closes.
   */
  dropTransport(reason = 'connection dropped'): void {
    const transport = this.#transport;
    if (this.#state === 'closed' || transport === DETACHED) return;
    if (this.#canResume() && this.#hasStateToResume()) this.#detach({ code: CloseCode.Abnormal, reason, wasOpen: true });
    abortTransport(transport, reason);
  }

  /**
   * Graceful GOAWAY (PROTOCOL.md#drain): announces the end, refuses the peer's new streams
   * and opens none, while open streams finish. The owner calls close() once streamCount
   * is 0 or its deadline has passed.
   */
  goAway(error: WireError = NORMAL_CLOSE): void {
    if (this.#state !== 'open' || this.#goAwaySent) return;
    this.#goingAway = true;
    this.#goAwaySent = true;
    this.#sendControl({ type: 'goaway', streamId: 0, lastStreamId: this.#lastPeerId, error });
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
    return this.#openRequest({ type: 'open', streamId: this.#nextId, ...frame }, handler, 'connect');
  }

  /**
   * Client: asks the gateway to listen (LISTEN, a listener stream in `opening`).
   * LISTENING then arrives as handler.onListening, each accepted connection as
   * handler.onAccept; end() closes the listener. Returns null like open().
   * @see PROTOCOL.md#server
   */
  listen(frame: Omit<ListenFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | null {
    return this.#openRequest({ type: 'listen', streamId: this.#nextId, ...frame }, handler, 'listener');
  }

  /**
   * Client: asks the gateway's resolver (QUERY, a short-lived stream in `opening`): the
   * answer arrives as handler.onAnswer, a failure as handler.onReset. Returns null like
   * open(). @see PROTOCOL.md#query
   */
  query(frame: Omit<QueryFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | null {
    return this.#openRequest({ type: 'query', streamId: this.#nextId, ...frame }, handler, 'query');
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
    if (this.role !== 'gateway' || this.#state !== 'open' || this.#goingAway || !this.#handshaken) return null;
    if (listener.kind !== 'listener' || listener.state !== 'open' || this.#streams.get(listener.id) !== listener) return null;
    if (this.#nextId > MAX_STREAM_ID) {
      this.#goingAway = true;
      return null;
    }
    return this.#openLocal({ type: 'accept', streamId: this.#nextId, listenerId: listener.id, local, remote }, handler, 'accepted');
  }

  /** Why the session ended or refuses streams (null while it is usable). */
  get closeError(): WireError | null {
    if (this.#closeError !== null) return this.#closeError;
    if (this.#goingAway) return wireError({ code: SockwayErrorCode.GoingAway, message: 'the gateway is going away' });
    return null;
  }

  /**
   * Closes the session: GOAWAY carrying `error`, then the transport. Every open
   * stream fails with `error`.
   */
  close(error: WireError = NORMAL_CLOSE, closeCode: number = CloseCode.Normal): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#closeError = error;
    this.#state = 'closing';
    this.#stopKeepalive();
    this.#control.length = 0;
    this.#ready.length = 0;
    if (wasOpen && !this.#goAwaySent && this.#resumePhase === 'none') {
      this.#goAwaySent = true;
      this.#sendNow({ type: 'goaway', streamId: 0, lastStreamId: this.#lastPeerId, error });
    }
    this.#failStreams(error);
    // A detached session has no transport to report the close: it ends now.
    if (this.#transport === DETACHED) this.#finish(error);
    else this.#transport.close(closeCode, error.message.slice(0, 120));
  }

  // ---- for SessionStream ----

  /** @internal */
  _sendControl(frame: Frame): void {
    this.#sendControl(frame);
  }

  /** @internal */
  _schedule(stream: SessionStream): void {
    if (!stream._scheduled && stream._hasSendable) {
      stream._scheduled = true;
      this.#ready.push(stream);
    }
    this.#flush();
  }

  /** @internal */
  readonly _allocate: Allocate;
  /** @internal */
  readonly _maxWindow: number;

  /** @internal Stream queues changed by `delta` bytes (SessionOptions.budget). */
  _hold(delta: number): void {
    this.#budget?.adjust(delta);
  }

  /** @internal Whether the session may take in more bytes (SessionOptions.budget). */
  _hasRoom(): boolean {
    return this.#budget === undefined || this.#budget.hasRoom;
  }

  /** @internal A stream owes onDrain for want of budget: wake the session's streams when there is room. */
  _waitForRoom(): void {
    if (this.#waitingForRoom || this.#budget === undefined) return;
    this.#waitingForRoom = true;
    this.#budget.waitForRoom(() => {
      this.#waitingForRoom = false;
      if (this.#state !== 'open') return;
      for (const stream of [...this.#streams.values()]) stream._drainIfRoom();
    });
  }

  /** @internal Whether a stream's receive window may grow (SessionOptions.onWindowGrow). */
  _mayGrowWindow(stream: SessionStream, from: number, to: number): boolean {
    return this.#options.onWindowGrow?.(stream, from, to) ?? true;
  }

  /** @internal The credit the peer grants each new stream. */
  _peerWindow(): number {
    return this.#peerLimits?.streamWindow ?? 0;
  }

  /** @internal */
  _forget(stream: SessionStream): void {
    this.#streams.delete(stream.id);
  }

  // ---- internals ----

  /**
   * Opens a stream of ours with `frame` (OPEN, LISTEN or ACCEPT, carrying the next id).
   * The frame is encoded first and the handler made next, so a frame that cannot be
   * encoded (host too long) or a handler factory that throws leaves no stream behind.
   */
  /** OPEN (either role), LISTEN or QUERY (client only) on an open session; null when it takes no more streams. */
  #openRequest(frame: OpenFrame | ListenFrame | QueryFrame, handler: StreamHandler, kind: StreamKind): SessionStream | null {
    if ((frame.type !== 'open' && this.role !== 'client') || this.#state === 'closing' || this.#state === 'closed' || this.#goingAway) return null;
    if (this.#nextId > MAX_STREAM_ID) {
      this.#goingAway = true;
      return null;
    }
    return this.#openLocal(frame, handler, kind);
  }

  #openLocal(frame: OpenFrame | ListenFrame | AcceptFrame | QueryFrame, handler: StreamHandler | ((stream: SessionStream) => StreamHandler), kind: StreamKind): SessionStream {
    const encoded = encodeFrame(frame);
    const id = this.#nextId;
    // The peer's window is only known after WELCOME; before that the opener sends
    // nothing but OPEN/LISTEN, and OPENED/LISTENING always follows WELCOME. An
    // accepted connection is already connected: it starts open.
    const stream = new SessionStream(this, id, kind === 'accepted' ? 'open' : 'opening', this.#peerLimits?.streamWindow ?? 0, this.#limits.streamWindow, kind);
    stream.setHandler(typeof handler === 'function' ? handler(stream) : handler);
    if (frame.type !== 'accept') stream._setRequest(frame);
    this.#nextId += 2;
    this.#lastLocalId = id;
    this.#streams.set(id, stream);
    this.#options.onFrame?.('out', decodeFrame(encoded));
    this.#control.push(encoded);
    this.#flush();
    return stream;
  }

  #sendControl(frame: Frame): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#options.onFrame?.('out', frame);
    this.#control.push(encodeFrame(frame));
    this.#flush();
  }

  #sendNow(frame: Frame): void {
    this.#options.onFrame?.('out', frame);
    this.#transport.send(encodeFrame(frame));
  }

  /** Sends one encoded frame; a reliable one is numbered and kept until ACKed. */
  #emit(message: Uint8Array): void {
    if (this.#reliable && isReliableMessage(message) && !this.#keep(message)) return;
    this.#transport.send(message);
  }

  /** Adds a sent frame to the replay buffer; false (and the session failed) past the hard cap. */
  #keep(message: Uint8Array): boolean {
    this.#replay.push(message);
    this.#sentReliable += 1;
    this.#replaySent = this.#sentReliable;
    this.#replayBytes += message.length;
    this.#budget?.adjust(message.length);
    if (this.#replayBytes > this.#replayPeak) {
      this.#replayPeak = this.#replayBytes;
      if (this.#replayBytes > this.#maxReplayBytes) {
        this.close(wireError({ code: SockwayErrorCode.Limit, message: `replay buffer over its cap of ${this.#maxReplayBytes} bytes: the peer does not acknowledge` }), CloseCode.InternalError);
        return false;
      }
    }
    return true;
  }

  /** The peer has `upTo` frames: they leave the replay buffer. */
  #release(upTo: number): void {
    const before = this.#replayBytes;
    while (this.#replayBase < upTo) {
      const message = this.#replay[this.#replayHead] as Uint8Array;
      this.#replay[this.#replayHead] = EMPTY_FRAME;
      this.#replayHead += 1;
      this.#replayBase += 1;
      this.#replayBytes -= message.length;
    }
    this.#budget?.adjust(this.#replayBytes - before);
    if (this.#replayHead === this.#replay.length) {
      this.#replay = [];
      this.#replayHead = 0;
    } else if (this.#replayHead > 1024 && this.#replayHead * 2 > this.#replay.length) {
      this.#replay = this.#replay.slice(this.#replayHead);
      this.#replayHead = 0;
    }
  }

  /** Control frames first, then one DATA chunk per ready stream in turn (round-robin). */
  #flush(): void {
    if (this.#flushing || this.#state === 'connecting' || this.#state === 'closed' || !this.#transport.isOpen || this.#resumePhase !== 'none') return;
    this.#flushing = true;
    try {
      for (;;) {
        if (this.#state !== 'open') break;
        if (this.#replaySent < this.#sentReliable) {
          // Replay after a resume: before anything newer, paced like DATA.
          if (this.#awaitingDrain) break;
          if (this.#transport.bufferedAmount >= this.#sendHighWater) {
            this.#awaitingDrain = true;
            this.#transport.requestDrain();
            break;
          }
          this.#transport.send(this.#replay[this.#replayHead + this.#replaySent - this.#replayBase] as Uint8Array);
          this.#replaySent += 1;
          continue;
        }
        const control = this.#control.shift();
        if (control !== undefined) {
          this.#emit(control);
          continue;
        }
        if (this.#awaitingDrain || !this.#handshaken) break;
        if (this.#transport.bufferedAmount >= this.#sendHighWater) {
          this.#awaitingDrain = true;
          this.#transport.requestDrain();
          break;
        }
        // Unacknowledged bytes are bounded: DATA waits for ACKs past half the replay cap.
        if (this.#reliable && this.#replayBytes >= this.#replayHighWater) break;
        const stream = this.#ready.shift();
        if (stream === undefined) break;
        stream._scheduled = false;
        if (!stream._hasSendable) continue;
        const message = stream._takeFrame(this.#peerLimits?.maxPayload ?? MIN_PAYLOAD_LIMIT);
        if (this.#options.onFrame) this.#options.onFrame('out', decodeFrame(message));
        this.#emit(message);
        if (stream._hasSendable) {
          stream._scheduled = true;
          this.#ready.push(stream);
        }
        stream._afterSend();
      }
    } finally {
      this.#flushing = false;
    }
  }

  #onTransportOpen(): void {
    if (this.#resumePhase === 'awaiting-open') {
      // RESUME carries our count, so it doubles as an ACK.
      this.#resumePhase = 'awaiting-welcome';
      this.#ackNow(false);
      this.#sendNow({ type: 'resume', streamId: 0, sessionId: this.#sessionId, resumeToken: this.#resumeToken, received: this.#receivedReliable });
      return;
    }
    if (this.#state !== 'connecting') return;
    if (this.role === 'client') {
      this.#state = 'open';
      // HELLO goes before anything queued while the WebSocket was connecting.
      this.#control.unshift(encodeFrame({
        type: 'hello', streamId: 0, minVersion: MIN_PROTOCOL_VERSION, maxVersion: this.#maxVersion, limits: this.#limits,
      }));
      this.#flush();
    } else {
      this.#state = 'open';
    }
  }

  #onMessage(message: Uint8Array): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch (error) {
      this.#protocolFailure(error);
      return;
    }
    this.#options.onFrame?.('in', frame);
    this.#heard += 1;
    // The client speaks on the resumed connection: it has the new token.
    if (this.#previousToken !== null) this.#previousToken = null;
    const reliable = this.#reliable && this.#handshaken && isReliableMessage(message);
    if (reliable) this.#receivedReliable += 1;
    let failure: ProtocolError | null;
    try {
      failure = this.#dispatch(frame);
    } catch (error) {
      // A handler threw: that is our bug, not the peer's; fail the session, never the process.
      failure = isProtocolError(error) ? error : new ProtocolError(SockwayErrorCode.Internal, `internal error: ${String(error)}`);
    }
    if (failure !== null) this.#protocolFailure(failure);
    else if (reliable) this.#maybeAck(frame.type === 'data' ? frame.data.length : 0);
  }

  /**
   * Cumulative ACK after ACK_FRAMES frames or ACK_BYTES of DATA, else within ACK_DELAY_MS;
   * at once when no stream is left, so the peer soon has nothing to resume (an exiting
   * process's last frames do not keep its session for the grace period).
   */
  #maybeAck(payload: number): void {
    this.#unackedPayload += payload;
    if (this.#streams.size === 0 || this.#receivedReliable - this.#ackedReceived >= ACK_FRAMES || this.#unackedPayload >= ACK_BYTES) {
      this.#ackNow(true);
      return;
    }
    this.#ackTimer ??= this.#timers.setTimeout(() => {
      this.#ackTimer = null;
      this.#ackNow(true);
    }, ACK_DELAY_MS);
  }

  /** Marks everything received as ACKed; `send` false when RESUME carries the count instead. */
  #ackNow(send: boolean): void {
    if (this.#ackTimer !== null) {
      this.#timers.clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
    if (this.#receivedReliable === this.#ackedReceived) return;
    this.#ackedReceived = this.#receivedReliable;
    this.#unackedPayload = 0;
    if (send) this.#sendControl({ type: 'ack', streamId: 0, received: this.#receivedReliable });
  }

  #onAck(received: number): ProtocolError | null {
    if (!this.#reliable) return null; // version 1 ignores ACK
    if (received > this.#sentReliable) {
      return new ProtocolError(SockwayErrorCode.Protocol, `ACK of ${received} frames, but only ${this.#sentReliable} were sent`);
    }
    const blocked = this.#replayBytes >= this.#replayHighWater;
    this.#release(received);
    if (blocked && this.#replayBytes < this.#replayHighWater) this.#flush();
    return null;
  }

  /** Client, between RESUME and the end of the resume handshake: only WELCOME, then ACK (or GOAWAY). */
  #onResuming(frame: Frame): ProtocolError | null {
    if (frame.type === 'goaway') return this.#onGoAway(frame.lastStreamId, frame.error);
    if (frame.type === 'welcome' && this.#resumePhase === 'awaiting-welcome') {
      if (!equalBytes(frame.sessionId, this.#sessionId)) return new ProtocolError(SockwayErrorCode.Protocol, 'WELCOME after RESUME names another session');
      this.#resumeToken = frame.resumeToken;
      this.#resumePhase = 'awaiting-ack';
      return null;
    }
    if (frame.type === 'ack' && this.#resumePhase === 'awaiting-ack') {
      if (frame.received < this.#replayBase || frame.received > this.#sentReliable) {
        return new ProtocolError(SockwayErrorCode.ResumeFailed, `the gateway has ${frame.received} frames; the client can replay after ${this.#replayBase} up to ${this.#sentReliable}`);
      }
      this.#resumed(frame.received);
      return null;
    }
    return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} while resuming`);
  }

  /** Both handshakes done: replay what the peer lacks (from `peerReceived`), then carry on. */
  #resumed(peerReceived: number): void {
    this.#release(peerReceived);
    this.#replaySent = peerReceived;
    this.#resumePhase = 'none';
    this.#detached = false;
    this.#awaitingDrain = false;
    this.#resumes += 1;
    // Client: an ACK at once tells the gateway the new token arrived (its old one expires).
    if (this.role === 'client') this.#sendControl({ type: 'ack', streamId: 0, received: this.#receivedReliable });
    this.#startKeepalive();
    this.#options.onResume?.();
    this.#flush();
  }

  #canResume(): boolean {
    return this.#resumable && this.#reliable && this.#handshaken && this.#state === 'open' && this.#closeError === null && !this.#goingAway;
  }

  /**
   * Whether a drop would lose anything: a live stream (listeners and queries included), a
   * reliable frame the peer has not acknowledged, or one still queued. Without any, the
   * session ends on a drop instead of detaching (PROTOCOL.md#nothing-to-resume): a closed
   * page or an exited process holds no quota for the grace period.
   */
  #hasStateToResume(): boolean {
    return this.#streams.size > 0 || this.#sentReliable > this.#replayBase || this.#control.some(isReliableMessage);
  }

  /** The transport is gone but the session stays: streams keep their state, writes queue. */
  #detach(info: TransportCloseInfo): void {
    this.#transport = DETACHED;
    this.#detached = true;
    this.#resumePhase = 'none';
    this.#awaitingDrain = false;
    this.#stopKeepalive();
    this.#options.onDetach?.(info);
  }

  /** The transport now carries another session (gateway RESUME): this one ends without touching it. */
  #handOver(): void {
    this.#transport = DETACHED;
    this.#state = 'closed';
    this.#stopKeepalive();
    this.#control.length = 0;
    this.#ready.length = 0;
  }

  #dispatch(frame: Frame): ProtocolError | null {
    if (this.#resumePhase !== 'none') return this.#onResuming(frame);
    // GOAWAY may come instead of WELCOME (version refused, bad limits, resume refused).
    if (!this.#handshaken && frame.type !== 'hello' && frame.type !== 'welcome' && frame.type !== 'resume' && frame.type !== 'goaway') {
      // Pipelined OPENs are fine only after HELLO has been seen by the gateway.
      return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} before the handshake`);
    }
    switch (frame.type) {
      case 'hello': return this.#onHello(frame.minVersion, frame.maxVersion, frame.limits);
      case 'welcome': return this.#onWelcome(frame.version, frame.limits, frame.sessionId, frame.resumeToken);
      case 'resume': {
        if (this.role !== 'gateway' || this.#handshaken) return this.#unexpected(frame.type);
        const onResumeRequest = this.#options.onResumeRequest;
        const refused = onResumeRequest === undefined
          ? wireError({ code: SockwayErrorCode.Unsupported, message: 'session resumption is not supported by this gateway' })
          : onResumeRequest(frame, this.#transport);
        if (refused === null) this.#handOver();
        else this.close(refused, CloseCode.PolicyViolation);
        return null;
      }
      case 'ack': return this.#onAck(frame.received);
      case 'ping':
        this.#sendControl({ type: 'pong', streamId: 0, payload: frame.payload });
        return null;
      case 'pong': return this.#onPong();
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
        if (frame.type === 'starttls' && this.role !== 'gateway') return this.#unexpected(frame.type);
        if ((frame.type === 'secured' || frame.type === 'answer') && this.role !== 'client') return this.#unexpected(frame.type);
        const stream = this.#streams.get(frame.streamId);
        if (stream === undefined) return this.#unknownStream(frame);
        if ((frame.type === 'resolved' || frame.type === 'opened' || frame.type === 'listening' || frame.type === 'secured' || frame.type === 'answer') && !this.#isLocalId(frame.streamId)) {
          // Only the side that received OPEN/LISTEN answers it.
          return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} on stream ${frame.streamId}, which the peer opened`);
        }
        if (frame.type === 'data' && frame.data.length > this.#limits.maxPayload) {
          return new ProtocolError(SockwayErrorCode.Protocol, `DATA of ${frame.data.length} bytes exceeds the announced maxPayload ${this.#limits.maxPayload}`);
        }
        return stream._onFrame(frame);
      }
      default: return assertNever(frame);
    }
  }

  #onHello(minVersion: number, maxVersion: number, limits: Limits): ProtocolError | null {
    if (this.role !== 'gateway' || this.#handshaken) return this.#unexpected('hello');
    const version = Math.min(maxVersion, this.#maxVersion);
    if (version < Math.max(minVersion, MIN_PROTOCOL_VERSION)) {
      this.close(wireError({
        code: SockwayErrorCode.Version,
        message: `no common protocol version: client speaks ${minVersion}-${maxVersion}, gateway ${MIN_PROTOCOL_VERSION}-${this.#maxVersion}`,
      }), CloseCode.ProtocolError);
      return null;
    }
    const peer = this.#checkPeerLimits(limits);
    if (isProtocolError(peer)) return peer;
    const refused = this.#options.onHelloRequest?.() ?? null;
    if (refused !== null) {
      this.close(refused.error, refused.closeCode);
      return null;
    }
    this.#peerLimits = peer;
    this.#version = version;
    this.#reliable = this.#resumable && version >= RESUME_PROTOCOL_VERSION;
    this.#handshaken = true;
    const random = this.#options.randomBytes ?? defaultRandomBytes;
    this.#sessionId = random(SESSION_ID_LENGTH);
    this.#resumeToken = random(SESSION_ID_LENGTH);
    this.#sendControl({
      type: 'welcome', streamId: 0, version, limits: this.#limits,
      sessionId: this.#sessionId, resumeToken: this.#resumeToken,
    });
    this.#options.onReady?.();
    this.#flush();
    return null;
  }

  #onWelcome(version: number, limits: Limits, sessionId: Uint8Array, resumeToken: Uint8Array): ProtocolError | null {
    if (this.role !== 'client' || this.#handshaken) return this.#unexpected('welcome');
    if (version < MIN_PROTOCOL_VERSION || version > this.#maxVersion) {
      return new ProtocolError(SockwayErrorCode.Version, `gateway chose protocol version ${version}, client speaks ${MIN_PROTOCOL_VERSION}-${this.#maxVersion}`);
    }
    const peer = this.#checkPeerLimits(limits);
    if (isProtocolError(peer)) return peer;
    const refused = this.#options.onHelloRequest?.() ?? null;
    if (refused !== null) {
      this.close(refused.error, refused.closeCode);
      return null;
    }
    this.#peerLimits = peer;
    this.#version = version;
    this.#sessionId = sessionId;
    this.#resumeToken = resumeToken;
    if (version < RESUME_PROTOCOL_VERSION && this.#reliable) {
      // A version-1 gateway: nothing is ACKed, so nothing is kept.
      this.#release(this.#sentReliable);
      this.#reliable = false;
    }
    this.#handshaken = true;
    this.#startKeepalive();
    this.#options.onReady?.();
    this.#flush();
    return null;
  }

  #checkPeerLimits(limits: Limits): Limits | ProtocolError {
    try {
      return resolveLimits(limits);
    } catch (error) {
      return new ProtocolError(SockwayErrorCode.Protocol, `peer announced invalid limits: ${(error as Error).message}`);
    }
  }

  #onPeerStream(
    frame: OpenFrame | ListenFrame | AcceptFrame | QueryFrame,
    accept: ((stream: SessionStream, frame: never) => StreamHandler | WireError) | undefined,
    expectedRole: SessionRole,
  ): ProtocolError | null {
    if (this.role !== expectedRole) return this.#unexpected(frame.type);
    const id = frame.streamId;
    const peerParity = this.role === 'client' ? 0 : 1;
    if (id % 2 !== peerParity || id <= this.#lastPeerId) {
      return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} with stream id ${id}: ids must be ${peerParity ? 'odd' : 'even'} and increasing (last ${this.#lastPeerId})`);
    }
    this.#lastPeerId = id;
    const peerWindow = (this.#peerLimits as Limits).streamWindow;
    // An accepted connection is already connected at the gateway: it starts open.
    const kind: StreamKind = frame.type === 'open' ? 'connect' : frame.type === 'listen' ? 'listener' : frame.type === 'query' ? 'query' : 'accepted';
    const stream = new SessionStream(this, id, kind === 'accepted' ? 'open' : 'opening', peerWindow, this.#limits.streamWindow, kind);
    const refuse = (error: WireError): null => {
      this.#sendControl({ type: 'reset', streamId: id, error });
      return null;
    };
    if (this.#goingAway || this.#state !== 'open') return refuse(wireError({ code: SockwayErrorCode.GoingAway, message: 'the session is closing' }));
    if (this.#peerStreamCount() >= this.#limits.maxStreams) {
      return refuse(wireError({ code: SockwayErrorCode.StreamLimit, message: `too many streams (limit ${this.#limits.maxStreams})` }));
    }
    if (accept === undefined) {
      return refuse(wireError({ code: SockwayErrorCode.Unsupported, message: `${frame.type.toUpperCase()} is not supported by this peer` }));
    }
    this.#streams.set(id, stream);
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
      if (id % 2 === 1 && id <= this.#lastLocalId) return () => LISTENER_CLOSED;
      return new ProtocolError(SockwayErrorCode.Protocol, `ACCEPT for unknown listener ${id}`);
    }
    if (listener.kind !== 'listener' || listener.state === 'opening') {
      return new ProtocolError(SockwayErrorCode.Protocol, `ACCEPT for stream ${listener.id}, which is not a listening listener`);
    }
    if (listener.state !== 'open') return () => LISTENER_CLOSED;
    const onAccept = this.#options.onAccept ?? listener._handler?.onAccept?.bind(listener._handler);
    return onAccept;
  }

  #peerStreamCount(): number {
    let count = 0;
    for (const id of this.#streams.keys()) if (!this.#isLocalId(id)) count++;
    return count;
  }

  /** Frames for ids we issued or saw before are late arrivals for a finished stream: ignored. */
  #unknownStream(frame: Frame): ProtocolError | null {
    const id = frame.streamId;
    const ownParity = this.role === 'client' ? 1 : 0;
    const last = id % 2 === ownParity ? this.#lastLocalId : this.#lastPeerId;
    if (id <= last) return null;
    return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} for unknown stream ${id}`);
  }

  #isLocalId(id: number): boolean {
    return id % 2 === (this.role === 'client' ? 1 : 0);
  }

  #unexpected(type: string): ProtocolError {
    return new ProtocolError(SockwayErrorCode.Protocol, `unexpected ${type.toUpperCase()} on a ${this.role} session`);
  }

  #onGoAway(lastStreamId: number, error: WireError): null {
    this.#goingAway = true;
    this.#closeError = error;
    // Our streams above lastStreamId were never seen by the peer: fail them now.
    for (const stream of [...this.#streams.values()]) {
      const ours = stream.id % 2 === (this.role === 'client' ? 1 : 0);
      if (ours && stream.id > lastStreamId) {
        this.#streams.delete(stream.id);
        // Never processed: safe to open again on another session (the tunnel's choice).
        if (stream.state === 'opening' && stream.request !== null && this.#options.onUnprocessed?.(stream) === true) stream._abandon();
        else stream._fail(error);
      }
    }
    return null;
  }

  #protocolFailure(error: unknown): void {
    const protocolError = isProtocolError(error)
      ? error
      : new ProtocolError(SockwayErrorCode.Internal, `internal error: ${String(error)}`);
    this.close(toWireError(protocolError), protocolError.code === SockwayErrorCode.Internal ? CloseCode.InternalError : CloseCode.ProtocolError);
  }

  #onTransportClose(info: TransportCloseInfo): void {
    if (this.#state === 'closed') return;
    if (this.#canResume() && this.#hasStateToResume()) {
      this.#detach(info);
      return;
    }
    const error = this.#closeError ?? (info.wasOpen || this.#state === 'open'
      ? wireError({ code: SockwayErrorCode.GatewayClosed, message: `the connection to the ${this.role === 'client' ? 'gateway' : 'client'} closed (code ${info.code}${info.reason ? `: ${info.reason}` : ''})` })
      : wireError({ code: SockwayErrorCode.GatewayUnreachable, message: `could not connect to the gateway (code ${info.code}${info.reason ? `: ${info.reason}` : ''})` }));
    this.#finish(error);
  }

  /** The session is over: every stream fails with `error`, buffers are freed, onClose. */
  #finish(error: WireError): void {
    this.#state = 'closed';
    this.#closeError = error;
    this.#detached = false;
    this.#stopKeepalive();
    this.#control.length = 0;
    this.#ready.length = 0;
    this.#failStreams(error);
    this.#release(this.#sentReliable);
    this.#budget?.close();
    this.#options.onClose?.(error === NORMAL_CLOSE ? null : error);
  }

  #failStreams(error: WireError): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) stream._fail(error);
  }

  // ---- keepalive (client side; the gateway answers) ----

  #startKeepalive(): void {
    const interval = this.#options.keepaliveInterval ?? 15_000;
    if (this.role !== 'client' || interval <= 0) return;
    this.#keepaliveTimer = this.#timers.setTimeout(() => this.#sendPing(), interval);
  }

  #sendPing(): void {
    this.#keepaliveTimer = null;
    if (this.#state !== 'open') return;
    const payload = new Uint8Array(PING_PAYLOAD_LENGTH);
    new DataView(payload.buffer).setUint32(4, ++this.#pingCounter);
    this.#pingSentAt = Date.now();
    this.#sendControl({ type: 'ping', streamId: 0, payload });
    const timeout = this.#options.keepaliveTimeout ?? 10_000;
    this.#armPongTimer(timeout, this.#heard);
  }

  /**
   * The link is dead when nothing at all arrives for `timeout` ms after a PING: a PONG
   * stuck behind a burst of DATA (or a replay) is no reason to tear a working link down.
   */
  #armPongTimer(timeout: number, heard: number): void {
    this.#pongTimer = this.#timers.setTimeout(() => {
      this.#pongTimer = null;
      if (this.#heard !== heard) {
        this.#armPongTimer(timeout, this.#heard);
        return;
      }
      // A resumable session treats a dead link as a drop: detach and resume elsewhere.
      if (this.#canResume()) {
        this.dropTransport(`no PONG within ${timeout} ms`);
        return;
      }
      this.close(wireError({ code: SockwayErrorCode.GatewayTimeout, message: `the gateway did not answer a keepalive ping within ${timeout} ms` }), CloseCode.GoingAway);
    }, timeout);
  }

  #onPong(): null {
    if (this.#pongTimer === null) return null;
    this.#timers.clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
    this.#rtt = Date.now() - this.#pingSentAt;
    this.#startKeepalive();
    return null;
  }

  #stopKeepalive(): void {
    if (this.#keepaliveTimer !== null) this.#timers.clearTimeout(this.#keepaliveTimer);
    if (this.#pongTimer !== null) this.#timers.clearTimeout(this.#pongTimer);
    if (this.#ackTimer !== null) this.#timers.clearTimeout(this.#ackTimer);
    this.#keepaliveTimer = null;
    this.#pongTimer = null;
    this.#ackTimer = null;
  }
}

