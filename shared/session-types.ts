/**
 * The session's public types: roles and states, the options a Session takes, the
 * handler a stream reports to, and the counters both expose. @see PROTOCOL.md
 */
import type { WireError } from './errors.ts';
import type {
  AcceptFrame,
  Allocate,
  DnsAnswer,
  Endpoint,
  Family,
  Frame,
  ListenFrame,
  OpenFrame,
  QueryFrame,
  ResumeFrame,
  SecuredFrame,
  TlsOptions,
} from './frame.ts';
import type { Limits } from './protocol.ts';
import type { SessionStream } from './session-stream.ts';
import type { StreamState } from './stream-state.ts';
import type { MessageTransport, Timers, TransportCloseInfo } from './transport.ts';

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
  /**
   * This side's END closed the stream: the peer's END had come first (onEnd), and ours went
   * out after it, at once from end() or later, once the data queued before it had credit
   * (or the stream OPENED). Nothing more comes. A handler that frees resources when both
   * directions are done hears it here, since no frame from the peer marks that moment.
   */
  onClosed?(): void;
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
  /**
   * Gateway: the first bytes of every session id it hands out (at most 4, the rest stays
   * random): the instance tag of a gateway behind a load balancer (PROTOCOL.md#resume).
   */
  readonly sessionIdPrefix?: Uint8Array;
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
