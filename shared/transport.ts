/**
 * What the session needs from its environment: a message transport (a WebSocket)
 * and timers. Implemented by client/browser-transport.ts, gateway/ws-transport.ts
 * and shared/testing/transport-pair.ts.
 */

/** Why a transport closed. */
export interface TransportCloseInfo {
  /** WebSocket close code (1006 when the connection dropped). */
  readonly code: number;
  readonly reason: string;
  /** False when the transport never opened (gateway unreachable). */
  readonly wasOpen: boolean;
}

/** Callbacks a transport delivers to its one session. */
export interface TransportSink {
  onOpen(): void;
  onMessage(message: Uint8Array): void;
  onClose(info: TransportCloseInfo): void;
  /** Called once after requestDrain(), when bufferedAmount has fallen low again. */
  onDrain(): void;
}

/** A message-preserving, ordered, reliable transport: one frame per message. */
export interface MessageTransport {
  /** True once messages can be sent. */
  readonly isOpen: boolean;
  /** Bytes accepted by send() and not yet handed to the network. */
  readonly bufferedAmount: number;
  /**
   * Registers the session's callbacks, before anything is delivered. A later call
   * replaces them: a resumed session takes over the transport of a new connection.
   */
  attach(sink: TransportSink): void;
  /** Sends one message; the bytes may be kept until sent, so callers must not reuse them. */
  send(message: Uint8Array): void;
  /** Asks for one sink.onDrain() once bufferedAmount is low again. */
  requestDrain(): void;
  /** Closes with a WebSocket close code; sink.onClose follows. */
  close(code: number, reason: string): void;
  /** Drops the connection now, without a close handshake (a dead link never answers one). */
  abort?(): void;
}

/** Timer functions and the clock, injected so shared/ needs no environment types and tests control time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds on a monotonic-enough clock (Date.now in production): shared/ reads time only here. */
  now(): number;
}

/** WebSocket close codes the session uses. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  Abnormal: 1006,
} as const;
