/**
 * Wire constants of the sockway tunnel protocol.
 * @see PROTOCOL.md
 */

/**
 * Highest protocol version spoken by this build (negotiated in HELLO/WELCOME).
 * Version 2 is version 1 plus session resumption (RESUME, ACK); a side that does not
 * offer resumption announces 1. @see PROTOCOL.md#resume
 */
export const PROTOCOL_VERSION = 2;
/** The first version with session resumption. */
export const RESUME_PROTOCOL_VERSION = 2;
/** Lowest protocol version this build still speaks. */
export const MIN_PROTOCOL_VERSION = 1;

/** WebSocket subprotocol a client may offer; the gateway selects it. @see PROTOCOL.md#transport */
export const SUBPROTOCOL = 'sockway';
/** A credential travels as the offered subprotocol `sockway.token.<token>` (never selected). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'sockway.token.';

/** Every frame starts with `type u8 | streamId u32`. @see PROTOCOL.md#header */
export const HEADER_LENGTH = 5;

/** Largest DATA payload either side may ever announce. @see PROTOCOL.md#limits */
export const MAX_PAYLOAD_LIMIT = 64 * 1024;
/** Largest non-DATA frame (strings are length-prefixed and short). */
export const MAX_CONTROL_FRAME = 4 * 1024;
/** Largest WebSocket message a peer must accept: a full DATA frame. */
export const MAX_FRAME_LENGTH = HEADER_LENGTH + MAX_PAYLOAD_LIMIT;
/** Largest stream id (u32). */
export const MAX_STREAM_ID = 0xffff_ffff;
/** Largest absolute credit offset (fits a double exactly). */
export const MAX_CREDIT_OFFSET = Number.MAX_SAFE_INTEGER;
/**
 * The query parameter a client adds to every WebSocket URL of a session, with a random
 * key of that session: a load balancer that hashes it sends the session's resumes where
 * the session is (docs/deployment.md). An underscore, not a hyphen: nginx reads it as
 * `$arg_sockway_route`, and its variable names cannot contain one.
 */
export const ROUTE_PARAMETER = 'sockway_route';
/** Length of the session id and of the resume token in WELCOME / RESUME. */
export const SESSION_ID_LENGTH = 16;
/** Length of the opaque PING/PONG payload. */
export const PING_PAYLOAD_LENGTH = 8;

/** Frame type bytes. @see PROTOCOL.md#frames */
export const FrameType = {
  Hello: 0x01,
  Welcome: 0x02,
  Resume: 0x03,
  Ack: 0x04,
  Ping: 0x05,
  Pong: 0x06,
  GoAway: 0x07,
  Open: 0x10,
  Resolved: 0x11,
  Opened: 0x12,
  Data: 0x13,
  End: 0x14,
  Reset: 0x15,
  Window: 0x16,
  Listen: 0x20,
  Listening: 0x21,
  Accept: 0x22,
  StartTls: 0x30,
  Secured: 0x31,
  Query: 0x40,
  Answer: 0x41,
} as const;
export type FrameTypeByte = (typeof FrameType)[keyof typeof FrameType];

/** Bits of the OPEN `flags` byte. */
export const OpenFlag = {
  NoDelay: 0x01,
  KeepAlive: 0x02,
} as const;

/** Bits of the STARTTLS `flags` byte. @see PROTOCOL.md#starttls */
export const StartTlsFlag = {
  RejectUnauthorized: 0x01,
  /** The gateway checks the certificate's identity against `hostname` (else the client does). */
  CheckIdentity: 0x02,
} as const;

/** Bits of the QUERY `hints` byte: getaddrinfo hints of dns.lookup(). @see PROTOCOL.md#query */
export const QueryHint = {
  AddrConfig: 0x01,
  V4Mapped: 0x02,
  All: 0x04,
} as const;

/**
 * Frames that may be larger than MAX_CONTROL_FRAME, up to MAX_FRAME_LENGTH: STARTTLS
 * (CA, certificate and key PEM), SECURED (the peer's DER certificate) and ANSWER (TXT).
 */
export const LARGE_CONTROL_FRAMES: ReadonlySet<number> = new Set([0x30, 0x31, 0x41]);

/** Bits of the LISTEN `flags` byte. */
export const ListenFlag = {
  Ipv6Only: 0x01,
  Exclusive: 0x02,
} as const;

/** Limits each side announces in HELLO / WELCOME. @see PROTOCOL.md#limits */
export interface Limits {
  /** Largest DATA payload this side accepts (1024 ..= MAX_PAYLOAD_LIMIT). */
  readonly maxPayload: number;
  /** Credit this side grants the peer for each new stream, in bytes. */
  readonly streamWindow: number;
  /** Most concurrent streams the peer may open towards this side. */
  readonly maxStreams: number;
  /** Idle time after which this side closes a silent session, in ms (0 = none). */
  readonly idleTimeout: number;
}

/** Limits used when a side is not configured otherwise. */
export const DEFAULT_LIMITS: Limits = {
  maxPayload: 64 * 1024,
  streamWindow: 256 * 1024,
  maxStreams: 1024,
  idleTimeout: 0,
};

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

/** Bytes a stream may queue locally (awaiting credit or the transport) before write() reports backpressure. */
export const STREAM_QUEUE_LIMIT = 128 * 1024;

/** Default upper bound of a receive window grown by auto-tuning (receiver-local). */
export const DEFAULT_MAX_STREAM_WINDOW = 4 * 1024 * 1024;

/** Lower bound on any announced `maxPayload`. */
export const MIN_PAYLOAD_LIMIT = 1024;
/** Lower bound on any announced `streamWindow`. */
export const MIN_STREAM_WINDOW = 16 * 1024;
