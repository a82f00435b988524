/**
 * One stream of a session: its lifecycle (every change through stream-state.ts's
 * table), credit in both directions (PROTOCOL.md#credit), its send queue and STARTTLS
 * barrier. It reaches its session only through the narrow StreamHost below.
 */
import { type WireError, ProtocolError, SockwayErrorCode, isProtocolError, wireError } from './errors.ts';
import {
  type Allocate,
  type DnsAnswer,
  type Endpoint,
  type Family,
  type Frame,
  type ListenFrame,
  type OpenFrame,
  type QueryFrame,
  type SecuredFrame,
  type TlsOptions,
  encodeData,
  writeDataHeader,
} from './frame.ts';
import { HEADER_LENGTH, STREAM_QUEUE_LIMIT } from './protocol.ts';
import type { SessionRole, StreamHandler, StreamKind, StreamStats } from './session-types.ts';
import { type StreamEvent, type StreamState, canReceive, canSend, isTerminal, transition } from './stream-state.ts';

/** A reader that frees half its window faster than this gets a bigger window. */
const AUTOTUNE_MS = 20;

/** What a stream needs from its session. */
export interface StreamHost {
  readonly role: SessionRole;
  /** Allocates DATA frames (SessionOptions.allocate). */
  readonly allocate: Allocate;
  /** Largest receive window auto-tuning may grow a stream to. */
  readonly maxWindow: number;
  /** The injected clock (Timers.now). */
  now(): number;
  /** Queues a control frame (WINDOW, END, RESET, …) ahead of DATA. */
  sendControl(frame: Frame): void;
  /** The stream has DATA it may send: put it in the scheduler's ring. */
  schedule(stream: SessionStream): void;
  /** The stream's queue changed by `delta` bytes (SessionOptions.budget). */
  hold(delta: number): void;
  /** Whether the session may take in more bytes (SessionOptions.budget). */
  hasRoom(): boolean;
  /** The stream owes onDrain for want of budget: call _drainIfRoom once there is room. */
  waitForRoom(): void;
  /** Whether the stream's receive window may grow (SessionOptions.onWindowGrow). */
  mayGrowWindow(stream: SessionStream, from: number, to: number): boolean;
  /** The credit the peer grants each new stream (0 before its limits are known). */
  peerWindow(): number;
  /** The stream is finished: drop it from the stream table. */
  forget(stream: SessionStream): void;
}

/** One stream of a session. Created by Session.open()/listen()/accept() or by an incoming OPEN/LISTEN/ACCEPT. */
export class SessionStream {
  readonly id: number;
  /** What the stream carries; a listener never carries DATA. */
  readonly kind: StreamKind;
  readonly #host: StreamHost;
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
  constructor(host: StreamHost, id: number, state: StreamState, peerWindow: number, window: number, kind: StreamKind = 'connect') {
    this.#host = host;
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
      if (host.role === 'gateway') this.#sendLimit = 0;
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
    this.#host.hold(data.length);
    this.#host.schedule(this);
    if (this.#queuedBytes < STREAM_QUEUE_LIMIT && this.#host.hasRoom()) return true;
    this.#needDrain = true;
    // Past the shared budget (not this stream's queue): onDrain comes when it has room.
    if (this.#queuedBytes < STREAM_QUEUE_LIMIT) this.#host.waitForRoom();
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
    this.#apply('reset');
    this.#host.sendControl({ type: 'reset', streamId: this.id, error });
    this.#host.forget(this);
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
      const now = this.#host.now();
      const maxWindow = this.#host.maxWindow;
      if (now - this.#lastGrant < AUTOTUNE_MS && this.#window < maxWindow) {
        const grown = Math.min(this.#window * 2, maxWindow);
        if (this.#host.mayGrowWindow(this, this.#window, grown)) {
          this.#window = grown;
          limit = this.#consumed + this.#window;
        }
      }
      this.#lastGrant = now;
      this.#advertised = limit;
      this.#host.sendControl({ type: 'window', streamId: this.id, limit });
    }
  }

  /**
   * Client: wraps the connection in TLS at the gateway (STARTTLS). The frame follows every
   * byte written before it, as END does; bytes written after it are TLS application data.
   * Allowed once, on a connect stream still opening or open. Returns false when refused.
   * @see PROTOCOL.md#starttls
   */
  startTls(tls: TlsOptions): boolean {
    if (this.#host.role !== 'client' || this.kind !== 'connect' || this.#tls !== 'none' || this.#endQueued) return false;
    if (this.#state !== 'opening' && this.#state !== 'open') return false;
    this.#tls = 'requested';
    if (this.#queuedBytes === 0) this.#host.sendControl({ type: 'starttls', streamId: this.id, tls });
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
    this.#host.sendControl({ type: 'secured', streamId: this.id, ...frame });
  }

  /** Gateway, query streams: sends the ANSWER; the stream is finished. */
  answer(answer: DnsAnswer): void {
    if (this.kind !== 'query' || this.#apply('answered') !== null) return;
    this.#host.sendControl({ type: 'answer', streamId: this.id, answer });
    this.#host.forget(this);
  }

  /** Whether STARTTLS was sent or received on this stream, and answered. */
  get tls(): 'none' | 'requested' | 'secured' {
    return this.#tls;
  }

  /** Gateway: tells the opener the host name's resolved address (Node's 'lookup'). */
  resolved(address: string, family: Family): void {
    if (this.#state !== 'opening') return;
    this.#host.sendControl({ type: 'resolved', streamId: this.id, address, family });
  }

  /** Gateway: the TCP connection is up; DATA may flow. */
  opened(local: Endpoint, remote: Endpoint): void {
    if (this.kind !== 'connect' || this.#apply('opened') !== null) return;
    this.#host.sendControl({ type: 'opened', streamId: this.id, local, remote });
  }

  /** Gateway: the listener is bound to `local`; ACCEPTs may follow. @see PROTOCOL.md#server */
  listening(local: Endpoint): void {
    if (this.kind !== 'listener' || this.#apply('opened') !== null) return;
    this.#host.sendControl({ type: 'listening', streamId: this.id, local });
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
    this.#host.hold(-payload.length);
    this.#sent += payload.length;
    if (this.#tlsPending !== null) this.#tlsBarrier -= payload.length;
    if (this.#framable.has(first) && payload.byteOffset === first.byteOffset) {
      // Zero copy: the header goes into the room the writer left in front.
      const frame = new Uint8Array(first.buffer, first.byteOffset - HEADER_LENGTH, payload.length + HEADER_LENGTH);
      writeDataHeader(frame, this.id);
      return frame;
    }
    return encodeData(this.id, payload, this.#host.allocate);
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
      this.#host.sendControl({ type: 'starttls', streamId: this.id, tls });
    }
    if (this.#queuedBytes === 0 && this.#endQueued) this.#sendEnd();
    this._drainIfRoom();
  }

  /** @internal onDrain is owed and the stream can take more (its queue and the session's budget). */
  _drainIfRoom(): void {
    if (!this.#needDrain || this.#queuedBytes >= STREAM_QUEUE_LIMIT) return;
    if (!this.#host.hasRoom()) {
      this.#host.waitForRoom();
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
        if (this.#apply('opened') !== null) return null;
        if (this.#peerWindow === 0) {
          // Opened before WELCOME arrived: the peer's window is known now (OPENED follows WELCOME).
          this.#peerWindow = this.#host.peerWindow();
          this.#sendLimit = this.#peerWindow;
        }
        this.#handler?.onOpened?.(frame.local, frame.remote);
        if (this._hasSendable) this.#host.schedule(this);
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
        const illegal = this.#apply('recv-end');
        if (illegal !== null) return illegal;
        if (isTerminal(this.#state)) this.#host.forget(this);
        this.#handler?.onEnd();
        return null;
      }
      case 'reset':
        this.#dropQueue();
        this.#apply('reset');
        this.#host.forget(this);
        this.#handler?.onReset(frame.error);
        return null;
      case 'window':
        // Smaller limits are stale duplicates and ignored (PROTOCOL.md#credit).
        if (frame.limit > this.#sendLimit) {
          this.#sendLimit = frame.limit;
          if (this._hasSendable) this.#host.schedule(this);
        }
        return null;
      case 'listening':
        if (this.#state !== 'opening' || this.kind !== 'listener') return this.#illegal(frame.type);
        if (this.#apply('opened') !== null) return null;
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
        if (this.kind !== 'query' || this.#apply('answered') !== null) return this.#illegal(frame.type);
        this.#host.forget(this);
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
    this.#apply('reset');
    this.#handler = null;
  }

  /** @internal The session died: the stream fails with `error`. */
  _fail(error: WireError): void {
    if (isTerminal(this.#state)) return;
    this.#dropQueue();
    this.#apply('reset');
    this.#handler?.onReset(error);
  }

  #sendEnd(): void {
    if (this.#apply('send-end') !== null) return;
    this.#host.sendControl({ type: 'end', streamId: this.id });
    if (!isTerminal(this.#state)) return;
    this.#host.forget(this);
    this.#handler?.onClosed?.();
  }

  /** The one place the state changes: through the transition table; null when legal. */
  #apply(event: StreamEvent): ProtocolError | null {
    const next = transition(this.#state, event);
    if (isProtocolError(next)) return next;
    this.#state = next;
    return null;
  }

  #dropQueue(): void {
    this.#host.hold(-this.#queuedBytes);
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#endQueued = false;
    this.#tlsPending = null;
  }

  #illegal(type: string): ProtocolError {
    return new ProtocolError(SockwayErrorCode.Protocol, `${type.toUpperCase()} on stream ${this.id} in state ${this.#state}`);
  }
}
