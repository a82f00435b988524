/**
 * Session resumption (PROTOCOL.md#resume) as a MessageTransport decorator: it numbers the
 * reliable frames the session sends and keeps them until the peer ACKs them, counts and
 * ACKs the ones it receives, and when the WebSocket beneath drops it detaches instead of
 * ending the session; RESUME, its WELCOME and the replay carry the session on over a new
 * one. The session above sees a transport that is closed for a while and then drains:
 * it needs no resume state of its own. Version 1 is this layer absent (or, when the peer
 * chose version 1, passing everything through).
 *
 * It learns what it needs from the handshake it carries: the version, the session id and
 * the token come in WELCOME (received by a client, sent by a gateway).
 */
import { type WireError, ProtocolError, SockwayErrorCode, isProtocolError, toWireError, wireError } from './errors.ts';
import {
  type Frame,
  type ResumeFrame,
  type WelcomeFrame,
  decodeFrame,
  encodeFrame,
  isReliableMessage,
  messageType,
} from './frame.ts';
import { HEADER_LENGTH, SESSION_ID_LENGTH } from './protocol.ts';
import type { ByteAccount, SessionRole, SessionStats } from './session-types.ts';
import { CloseCode, type MessageTransport, type Timers, type TransportCloseInfo, type TransportSink } from './transport.ts';

/** ACK after this many reliable frames, this much DATA payload, or this long (PROTOCOL.md#resume). */
const ACK_FRAMES = 32;
const ACK_BYTES = 512 * 1024;
const ACK_DELAY_MS = 50;
const DEFAULT_MAX_REPLAY_BYTES = 64 * 1024 * 1024;
/** Placeholder for replay slots already released (keeps the array dense). */
const EMPTY_FRAME = new Uint8Array(0);

/**
 * The one answer to a RESUME that names no resumable session or carries a wrong token:
 * a prober learns nothing about which (PROTOCOL.md#resume).
 */
export const RESUME_REFUSED = 'unknown session or invalid resume token: it ended, its grace period is over, the gateway restarted, or the token is not valid';

/** Where a client's resume handshake is (PROTOCOL.md#resume): RESUME → WELCOME → ACK. */
type ResumePhase = 'none' | 'awaiting-open' | 'awaiting-welcome' | 'awaiting-ack';

/** What the resumption layer needs from the session above it. */
export interface ResumeHost {
  /** The session could carry on over another transport: open, not closing, not going away. */
  mayContinue(): boolean;
  /** A drop would lose something besides unacknowledged frames: a live stream or a queued reliable frame. */
  holdsState(): boolean;
  /** No stream is left: ACK at once, so the peer soon has nothing to resume. */
  isIdle(): boolean;
  /** Queues a frame (ACK) among the session's control frames. */
  sendControl(frame: Frame): void;
  /** Ends the session with `error` (GOAWAY, then the transport closes). */
  fail(error: WireError, closeCode: number): void;
  /** The transport dropped and the session waits for another. */
  onDetach(info: TransportCloseInfo): void;
  /** The session carries on over a new transport; nothing was lost. */
  onResume(): void;
  /** Frames this layer sends or consumes itself (RESUME, its WELCOME and ACK). */
  onFrame?(direction: 'in' | 'out', frame: Frame): void;
}

/** Options of a ResumableTransport. */
export interface ResumableTransportOptions {
  readonly role: SessionRole;
  readonly timers: Timers;
  readonly host: ResumeHost;
  readonly randomBytes: (length: number) => Uint8Array;
  /** Hard cap on the replay buffer; past it the session fails. DATA pauses at half of it. */
  readonly maxReplayBytes?: number;
  /** Replay pauses while the transport buffers this much (the session's sendHighWater). */
  readonly sendHighWater: number;
  readonly budget?: ByteAccount;
  /** Client: ms a resume may take, from the new transport's start to the gateway's ACK (the session's keepalive timeout). */
  readonly resumeHandshakeTimeout?: number;
}

/** The default of resumeHandshakeTimeout: the keepalive timeout's default. */
const RESUME_HANDSHAKE_TIMEOUT = 10_000;

/** The counters SessionStats takes from this layer. */
export type ResumeStats = Omit<SessionStats, 'version' | 'detached' | 'rtt'>;

/** Compares secrets in time independent of where they differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Drops a transport without a close handshake where it can (a blackholed link never answers one). */
export function abortTransport(transport: MessageTransport, reason: string): void {
  if (transport.abort !== undefined) transport.abort();
  else transport.close(CloseCode.GoingAway, reason);
}

/** Reliable frames are numbered 1, 2, … per direction; the numbers are implicit (PROTOCOL.md#resume). */
export class ResumableTransport implements MessageTransport {
  readonly #role: SessionRole;
  readonly #timers: Timers;
  readonly #host: ResumeHost;
  readonly #randomBytes: (length: number) => Uint8Array;
  readonly #maxReplayBytes: number;
  /** DATA stops while this many sent bytes are unacknowledged (half the cap). */
  readonly #replayHighWater: number;
  readonly #sendHighWater: number;
  readonly #budget: ByteAccount | undefined;
  readonly #resumeHandshakeTimeout: number;

  /** The transport beneath; null while detached. */
  #inner: MessageTransport | null = null;
  #sink: TransportSink | null = null;
  /** The handshake's WELCOME went by (received by a client, sent by a gateway). */
  #handshaken = false;
  /** Counting, ACKing and keeping frames: a client from the start, a gateway once it chose version 2. */
  #reliable: boolean;
  #detached = false;
  #resumePhase: ResumePhase = 'none';
  /** The session closed this transport: no more ACKs. */
  #closing = false;
  /** The session asked for onDrain. */
  #owedDrain = false;

  /** The handshake's WELCOME, re-sent with a fresh token on every resume (gateway). */
  #welcome: WelcomeFrame | null = null;
  #sessionId: Uint8Array = new Uint8Array(0);
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
  /** The pending ACK is the idle one, due on the next turn. */
  #ackSoon = false;
  /** Client: ends a resume attempt that did not finish in time (a WebSocket that never opens, a gateway that never answers). */
  #resumeTimer: unknown = null;
  #resumes = 0;

  constructor(inner: MessageTransport, options: ResumableTransportOptions) {
    this.#role = options.role;
    this.#timers = options.timers;
    this.#host = options.host;
    this.#randomBytes = options.randomBytes;
    this.#maxReplayBytes = options.maxReplayBytes ?? DEFAULT_MAX_REPLAY_BYTES;
    this.#replayHighWater = Math.floor(this.#maxReplayBytes / 2);
    this.#sendHighWater = options.sendHighWater;
    this.#budget = options.budget;
    this.#resumeHandshakeTimeout = options.resumeHandshakeTimeout ?? RESUME_HANDSHAKE_TIMEOUT;
    // A client keeps what it pipelines before WELCOME; the gateway knows after HELLO.
    this.#reliable = options.role === 'client';
    this.#use(inner);
  }

  // ---- MessageTransport, for the session ----

  /** Open while a transport is attached, no resume handshake runs and the replay is done. */
  get isOpen(): boolean {
    return this.#inner !== null && this.#inner.isOpen && this.#resumePhase === 'none' && this.#replaySent === this.#sentReliable;
  }

  /** The transport's buffer; unbounded while half the replay cap is unacknowledged (DATA waits for ACKs). */
  get bufferedAmount(): number {
    if (this.#inner === null) return 0;
    return this.#replayBlocked() ? Number.MAX_SAFE_INTEGER : this.#inner.bufferedAmount;
  }

  attach(sink: TransportSink): void {
    this.#sink = sink;
  }

  /** Sends one frame; a reliable one is numbered and kept until ACKed. */
  send(message: Uint8Array): void {
    if (this.#reliable && isReliableMessage(message) && !this.#keep(message)) return;
    if (this.#role === 'gateway' && !this.#handshaken && messageType(message) === 'welcome') this.#onHandshake(message);
    this.#inner?.send(message);
  }

  requestDrain(): void {
    this.#owedDrain = true;
    const inner = this.#inner;
    if (inner !== null && inner.bufferedAmount >= this.#sendHighWater) inner.requestDrain();
  }

  /** Closes the transport beneath; a detached session has none, so it ends now. */
  close(code: number, reason: string): void {
    this.#closing = true;
    this.#stopAckTimer();
    this.#stopResumeTimer();
    const inner = this.#inner;
    if (inner !== null) {
      inner.close(code, reason);
      return;
    }
    this.#detached = false;
    this.#sink?.onClose({ code, reason, wasOpen: false });
  }

  /** Drops the transport as a network failure would: detaches at once when there is something to resume. */
  abort(reason = 'connection dropped'): void {
    const inner = this.#inner;
    if (inner === null) return;
    if (this.#canDetach()) this.#detach({ code: CloseCode.Abnormal, reason, wasOpen: true });
    abortTransport(inner, reason);
  }

  // ---- resumption, for the session ----

  /** True while waiting for a new transport (or resuming over one). */
  get detached(): boolean {
    return this.#detached;
  }

  /** Version 2 after the handshake, and the session could carry on: a drop would detach. */
  canResume(): boolean {
    return this.#reliable && this.#handshaken && this.#host.mayContinue();
  }

  stats(): ResumeStats {
    return {
      resumes: this.#resumes,
      framesSent: this.#sentReliable,
      framesReceived: this.#receivedReliable,
      replayFrames: this.#sentReliable - this.#replayBase,
      replayBytes: this.#replayBytes,
      replayPeak: this.#replayPeak,
    };
  }

  /** Client: RESUME over `transport` once it opens. False when not detached or already resuming. */
  resume(transport: MessageTransport): boolean {
    if (this.#role !== 'client' || !this.#detached || this.#resumePhase !== 'none') return false;
    this.#resumePhase = 'awaiting-open';
    this.#resumeTimer = this.#timers.setTimeout(() => {
      this.#resumeTimer = null;
      this.#dropResumeAttempt();
    }, this.#resumeHandshakeTimeout);
    this.#use(transport);
    if (transport.isOpen) this.#onInnerOpen();
    return true;
  }

  /**
   * Gateway: a RESUME naming this session arrived on `transport`. Checks the token (in
   * constant time) and the client's count, takes the transport over (dropping an older
   * one), answers WELCOME with a new token and ACK, and replays. Null on success.
   */
  resumeWith(transport: MessageTransport, frame: ResumeFrame): WireError | null {
    const refuse = (message: string): WireError => wireError({ code: SockwayErrorCode.ResumeFailed, message });
    const welcome = this.#welcome;
    if (this.#role !== 'gateway' || !this.canResume() || welcome === null) return refuse(RESUME_REFUSED);
    // Both compared, always, so the time taken says nothing about which matched.
    const current = equalBytes(frame.resumeToken, this.#resumeToken);
    const previous = equalBytes(frame.resumeToken, this.#previousToken ?? this.#resumeToken);
    if (!current && !previous) return refuse(RESUME_REFUSED);
    if (frame.received < this.#replayBase || frame.received > this.#sentReliable) {
      const error = refuse(`the client has ${frame.received} frames; the gateway can replay after ${this.#replayBase} up to ${this.#sentReliable}`);
      this.#host.fail(error, CloseCode.PolicyViolation);
      return error;
    }
    const older = this.#inner;
    this.#use(transport);
    // The latest authenticated client wins; the older connection may be a blackhole.
    if (older !== null) abortTransport(older, 'the session was resumed on another connection');
    // The token just used stays good for one more RESUME (the WELCOME carrying its successor
    // may be lost with this link); a previous token, once used, is spent: one token never
    // resumes the session twice over.
    this.#previousToken = current ? frame.resumeToken : null;
    this.#resumeToken = this.#randomBytes(SESSION_ID_LENGTH);
    this.#sendRaw({ ...welcome, resumeToken: this.#resumeToken });
    // ACK right after WELCOME, ahead of the replay (PROTOCOL.md#resume).
    this.#ackNow(false);
    this.#sendRaw({ type: 'ack', streamId: 0, received: this.#receivedReliable });
    this.#resumed(frame.received);
    return null;
  }

  /** The session ended: whatever was kept for replay is released. */
  release(): void {
    this.#detached = false;
    this.#stopAckTimer();
    this.#stopResumeTimer();
    this.#release(this.#sentReliable);
  }

  // ---- the transport beneath ----

  /** Makes `inner` the current transport; events of any earlier one are ignored from now on. */
  #use(inner: MessageTransport): void {
    this.#inner = inner;
    inner.attach({
      onOpen: () => {
        if (this.#inner === inner) this.#onInnerOpen();
      },
      onMessage: (message) => {
        if (this.#inner === inner) this.#onInnerMessage(message);
      },
      onClose: (info) => {
        if (this.#inner === inner) this.#onInnerClose(info);
      },
      onDrain: () => {
        if (this.#inner === inner) this.#onInnerDrain();
      },
    });
  }

  #onInnerOpen(): void {
    if (this.#resumePhase !== 'awaiting-open') {
      this.#sink?.onOpen();
      return;
    }
    // RESUME carries our count, so it doubles as an ACK.
    this.#resumePhase = 'awaiting-welcome';
    this.#ackNow(false);
    this.#sendRaw({ type: 'resume', streamId: 0, sessionId: this.#sessionId, resumeToken: this.#resumeToken, received: this.#receivedReliable });
  }

  #onInnerMessage(message: Uint8Array): void {
    // The client speaks on the resumed connection: it has the new token.
    if (this.#previousToken !== null) this.#previousToken = null;
    const type = messageType(message);
    if (this.#resumePhase !== 'none' && type !== 'goaway') {
      this.#onResuming(message);
      return;
    }
    const counted = this.#reliable && this.#handshaken && isReliableMessage(message);
    if (counted) this.#receivedReliable += 1;
    if (!this.#handshaken && this.#role === 'client' && type === 'welcome') this.#onHandshake(message);
    this.#sink?.onMessage(message);
    if (this.#closing) return;
    if (type === 'ack' && this.#reliable) this.#onAck(message);
    else if (counted) this.#maybeAck(type === 'data' ? message.length - HEADER_LENGTH : 0);
  }

  #onInnerClose(info: TransportCloseInfo): void {
    if (this.#canDetach()) {
      this.#detach(info);
      return;
    }
    this.#sink?.onClose(info);
  }

  #onInnerDrain(): void {
    if (this.#replaySent < this.#sentReliable) {
      this.#replayMore();
      return;
    }
    if (!this.#owedDrain || this.#replayBlocked()) return;
    this.#owedDrain = false;
    this.#sink?.onDrain();
  }

  /** The handshake's WELCOME: the negotiated version, the session id and the token. */
  #onHandshake(message: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch {
      return; // the session reports it
    }
    if (frame.type !== 'welcome') return;
    this.#handshaken = true;
    this.#welcome = frame;
    this.#sessionId = frame.sessionId;
    this.#resumeToken = frame.resumeToken;
    const reliable = frame.version >= 2;
    // A version-1 peer: nothing is ACKed, so nothing is kept.
    if (!reliable) this.#release(this.#sentReliable);
    this.#reliable = reliable;
  }

  // ---- numbering, ACKs and the replay buffer ----

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
        this.#host.fail(wireError({ code: SockwayErrorCode.Limit, message: `replay buffer over its cap of ${this.#maxReplayBytes} bytes: the peer does not acknowledge` }), CloseCode.InternalError);
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

  #replayBlocked(): boolean {
    return this.#reliable && this.#replayBytes >= this.#replayHighWater;
  }

  #onAck(message: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch {
      return; // the session failed on it already
    }
    if (frame.type !== 'ack') return;
    if (frame.received > this.#sentReliable) {
      this.#fail(new ProtocolError(SockwayErrorCode.Protocol, `ACK of ${frame.received} frames, but only ${this.#sentReliable} were sent`));
      return;
    }
    const blocked = this.#replayBlocked();
    this.#release(frame.received);
    if (blocked && !this.#replayBlocked() && this.#owedDrain) {
      this.#owedDrain = false;
      this.#sink?.onDrain();
    }
  }

  /**
   * Cumulative ACK after ACK_FRAMES frames or ACK_BYTES of DATA, else within ACK_DELAY_MS;
   * on the next turn when no stream is left, so the peer soon has nothing to resume (an
   * exiting process's last frames do not keep its session for the grace period).
   */
  #maybeAck(payload: number): void {
    this.#unackedPayload += payload;
    if (this.#receivedReliable - this.#ackedReceived >= ACK_FRAMES || this.#unackedPayload >= ACK_BYTES) {
      this.#ackNow(true);
      return;
    }
    // Idle: on the next turn rather than at once, so that the frames read in one turn share
    // one ACK (at once, an OPEN/RESET flood cost an ACK per pair: 2.5 times the work).
    const delay = this.#host.isIdle() ? 0 : ACK_DELAY_MS;
    if (this.#ackTimer !== null && (delay === ACK_DELAY_MS || this.#ackSoon)) return;
    this.#stopAckTimer();
    this.#ackSoon = delay === 0;
    this.#ackTimer = this.#timers.setTimeout(() => {
      this.#ackTimer = null;
      this.#ackNow(true);
    }, delay);
  }

  /** Marks everything received as ACKed; `send` false when RESUME or the resume's ACK carries the count. */
  #ackNow(send: boolean): void {
    this.#stopAckTimer();
    if (this.#receivedReliable === this.#ackedReceived) return;
    this.#ackedReceived = this.#receivedReliable;
    this.#unackedPayload = 0;
    if (send) this.#host.sendControl({ type: 'ack', streamId: 0, received: this.#receivedReliable });
  }

  #stopAckTimer(): void {
    this.#ackSoon = false;
    if (this.#ackTimer === null) return;
    this.#timers.clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
  }

  // ---- detaching and resuming ----

  /**
   * Whether a drop detaches: version 2, the session could carry on, and it would lose
   * something — a live stream (listeners and queries included), a reliable frame the peer
   * has not acknowledged, or one still queued. Without any, the session ends on a drop
   * (PROTOCOL.md#nothing-to-resume): a closed page or an exited process holds no quota
   * for the grace period.
   */
  #canDetach(): boolean {
    return this.canResume() && (this.#host.holdsState() || this.#sentReliable > this.#replayBase);
  }

  /** The transport is gone but the session stays: streams keep their state, writes queue. */
  #detach(info: TransportCloseInfo): void {
    this.#inner = null;
    this.#detached = true;
    this.#resumePhase = 'none';
    this.#owedDrain = false;
    this.#stopAckTimer();
    this.#stopResumeTimer();
    this.#host.onDetach(info);
  }

  /** The resume attempt ran out of time: its transport goes as a dropped one would, and the session waits for another. */
  #dropResumeAttempt(): void {
    const inner = this.#inner;
    if (inner === null || this.#resumePhase === 'none') return;
    const reason = `the gateway did not complete the resume within ${this.#resumeHandshakeTimeout} ms`;
    this.#detach({ code: CloseCode.Abnormal, reason, wasOpen: inner.isOpen });
    abortTransport(inner, reason);
  }

  #stopResumeTimer(): void {
    if (this.#resumeTimer === null) return;
    this.#timers.clearTimeout(this.#resumeTimer);
    this.#resumeTimer = null;
  }

  /** Client, between RESUME and the end of the resume handshake: only WELCOME, then ACK (GOAWAY goes to the session). */
  #onResuming(message: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(message);
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#host.onFrame?.('in', frame);
    if (frame.type === 'welcome' && this.#resumePhase === 'awaiting-welcome') {
      if (!equalBytes(frame.sessionId, this.#sessionId)) {
        this.#fail(new ProtocolError(SockwayErrorCode.Protocol, 'WELCOME after RESUME names another session'));
        return;
      }
      this.#resumeToken = frame.resumeToken;
      this.#resumePhase = 'awaiting-ack';
      return;
    }
    if (frame.type === 'ack' && this.#resumePhase === 'awaiting-ack') {
      if (frame.received < this.#replayBase || frame.received > this.#sentReliable) {
        this.#fail(new ProtocolError(SockwayErrorCode.ResumeFailed, `the gateway has ${frame.received} frames; the client can replay after ${this.#replayBase} up to ${this.#sentReliable}`));
        return;
      }
      this.#resumed(frame.received);
      return;
    }
    this.#fail(new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} while resuming`));
  }

  /** Both handshakes done: replay what the peer lacks (from `peerReceived`), then carry on. */
  #resumed(peerReceived: number): void {
    this.#release(peerReceived);
    this.#replaySent = peerReceived;
    this.#resumePhase = 'none';
    this.#stopResumeTimer();
    this.#detached = false;
    this.#owedDrain = false;
    this.#resumes += 1;
    // Client: an ACK at once tells the gateway the new token arrived (its old one expires).
    // Queued with the session's control frames, it goes out after the replay.
    if (this.#role === 'client') this.#host.sendControl({ type: 'ack', streamId: 0, received: this.#receivedReliable });
    this.#host.onResume();
    this.#replayMore();
  }

  /** Replays kept frames the peer lacks, paced like DATA; once done the session may send again. */
  #replayMore(): void {
    const inner = this.#inner;
    if (inner === null) return;
    while (this.#replaySent < this.#sentReliable) {
      if (inner.bufferedAmount >= this.#sendHighWater) {
        inner.requestDrain();
        return;
      }
      inner.send(this.#replay[this.#replayHead + this.#replaySent - this.#replayBase] as Uint8Array);
      this.#replaySent += 1;
    }
    this.#sink?.onDrain();
  }

  #sendRaw(frame: Frame): void {
    this.#host.onFrame?.('out', frame);
    this.#inner?.send(encodeFrame(frame));
  }

  /** The peer broke the protocol: the session fails as on any other protocol error. */
  #fail(error: unknown): void {
    const failure = isProtocolError(error) ? error : new ProtocolError(SockwayErrorCode.Internal, `internal error: ${String(error)}`);
    this.#host.fail(toWireError(failure), failure.code === SockwayErrorCode.Internal ? CloseCode.InternalError : CloseCode.ProtocolError);
  }
}
