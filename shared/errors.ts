/**
 * Error codes of the sockway protocol and the one place that builds sockway errors.
 * System errors (ECONNREFUSED, ...) travel as `WireError`s and are rebuilt in
 * Node's shape by the client. @see PROTOCOL.md#errors
 */

/** Codes for failures Node has no code for. Each is listed in docs/gateway.md (Error codes). */
export const SockwayErrorCode = {
  /** A frame could not be decoded (truncated, unknown type, bad field, trailing bytes). */
  Frame: 'SOCKWAY_ERR_FRAME',
  /** A well-formed frame broke the protocol (state, stream id, order). */
  Protocol: 'SOCKWAY_ERR_PROTOCOL',
  /** The peer sent more DATA than the credit it was granted. */
  FlowControl: 'SOCKWAY_ERR_FLOW_CONTROL',
  /** No protocol version in common. */
  Version: 'SOCKWAY_ERR_VERSION',
  /** The destination is not allowed by the gateway's policy. */
  Denied: 'SOCKWAY_ERR_DENIED',
  /** The peer refused a new stream because of its stream limit. */
  StreamLimit: 'SOCKWAY_ERR_STREAM_LIMIT',
  /** The gateway could not be reached (the WebSocket never opened). */
  GatewayUnreachable: 'SOCKWAY_ERR_GATEWAY_UNREACHABLE',
  /** The WebSocket to the gateway closed while the stream was open. */
  GatewayClosed: 'SOCKWAY_ERR_GATEWAY_CLOSED',
  /** The gateway did not answer a keepalive PING in time. */
  GatewayTimeout: 'SOCKWAY_ERR_GATEWAY_TIMEOUT',
  /** The gateway is shutting down and took no new streams (GOAWAY). */
  GoingAway: 'SOCKWAY_ERR_GOING_AWAY',
  /** The peer does not implement the requested feature (e.g. LISTEN, RESUME). */
  Unsupported: 'SOCKWAY_ERR_UNSUPPORTED',
  /** The other side destroyed the stream (Node's destroy() without an RST). */
  Closed: 'SOCKWAY_ERR_CLOSED',
  /** sockway/net was used before configure({ url }) set its gateway. */
  NotConfigured: 'SOCKWAY_ERR_NOT_CONFIGURED',
  /** The gateway failed internally. */
  Internal: 'SOCKWAY_ERR_INTERNAL',
  /** The gateway refused the session: missing, invalid or expired token, or its authenticate hook said no. */
  Unauthorized: 'SOCKWAY_ERR_UNAUTHORIZED',
  /** A gateway resource limit refused the session or stream (sessions, listeners). */
  Limit: 'SOCKWAY_ERR_LIMIT',
  /** Too many OPENs or PINGs per second on the session. */
  RateLimit: 'SOCKWAY_ERR_RATE_LIMIT',
  /** The gateway closed an idle stream or session. */
  IdleTimeout: 'SOCKWAY_ERR_IDLE_TIMEOUT',
  /** The session could not be resumed after the connection dropped (grace period over, gateway restarted, bad token). */
  ResumeFailed: 'SOCKWAY_ERR_RESUME_FAILED',
  /** Gateway API, never on the wire: a policy rule could not be parsed. */
  InvalidRule: 'SOCKWAY_ERR_INVALID_RULE',
  /** Gateway CLI, never on the wire: bad command-line arguments. */
  CliUsage: 'SOCKWAY_ERR_CLI_USAGE',
} as const;
export type SockwayErrorCodeValue = (typeof SockwayErrorCode)[keyof typeof SockwayErrorCode];

/**
 * An error as it travels in RESET and GOAWAY: Node's system error fields, by name.
 * Numeric `errno` is the gateway's own value (0 when it has none).
 */
export interface WireError {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly address: string;
  /** -1 when the error names no port. */
  readonly port: number;
  readonly hostname: string;
  /** Empty for system errors: the client words those as Node does. */
  readonly message: string;
}

/** Builds a WireError from the fields that are set. */
export function wireError(fields: Partial<WireError> & { readonly code: string }): WireError {
  return {
    code: fields.code,
    errno: fields.errno ?? 0,
    syscall: fields.syscall ?? '',
    address: fields.address ?? '',
    port: fields.port ?? -1,
    hostname: fields.hostname ?? '',
    message: fields.message ?? '',
  };
}

/** A protocol failure detected by the codec or the session; `code` is the contract. */
export class ProtocolError extends Error {
  readonly code: SockwayErrorCodeValue;

  constructor(code: SockwayErrorCodeValue, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    captureStack(this, ProtocolError);
  }
}

/** True for errors built by this module (matched by code, not instanceof: realms differ). */
export function isProtocolError(value: unknown): value is ProtocolError {
  // An Error from any realm (instanceof would fail across realms), not a lookalike object.
  if (Object.prototype.toString.call(value) !== '[object Error]') return false;
  const { name, code, message } = value as { name?: unknown; code?: unknown; message?: unknown };
  return name === 'ProtocolError' && typeof message === 'string' && isSockwayErrorCode(code);
}

/** True when `code` is one of sockway's own codes. */
export function isSockwayErrorCode(code: unknown): code is SockwayErrorCodeValue {
  return typeof code === 'string' && (Object.values(SockwayErrorCode) as string[]).includes(code);
}

/** Converts a ProtocolError to the form it travels in GOAWAY / RESET. */
export function toWireError(error: ProtocolError): WireError {
  return wireError({ code: error.code, message: error.message });
}

type StackCapturing = { captureStackTrace?: (target: object, ctor: Function) => void };

/** Error.captureStackTrace exists in V8 only; elsewhere the stack stays as is. */
export function captureStack(target: object, ctor: Function): void {
  (Error as unknown as StackCapturing).captureStackTrace?.(target, ctor);
}

/** A code an API throws with: one of Node's `ERR_*` codes, or sockway's own. */
export type CodedErrorCode = `ERR_${string}` | SockwayErrorCodeValue;

/**
 * The one builder of errors a sockway API throws where it is called (bad options, rules, CLI
 * arguments): an Error (or a RangeError/TypeError, as `Kind` says) whose `code` is the
 * contract. The stack starts at the caller of `ctor` (by default, of codedError itself).
 */
export function codedError<C extends CodedErrorCode>(
  code: C,
  message: string,
  ctor: Function = codedError,
  Kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor = Error,
): Error & { readonly code: C } {
  const error = new Kind(message) as Error & { code: C };
  error.code = code;
  captureStack(error, ctor);
  return error;
}
