/**
 * The frame codec: the only code that reads or writes frame bytes.
 * One WebSocket binary message carries exactly one frame. @see PROTOCOL.md#frames
 */
import { type WireError, ProtocolError, SockwayErrorCode, wireError } from './errors.ts';
import {
  FrameType,
  type FrameTypeByte,
  HEADER_LENGTH,
  type Limits,
  LARGE_CONTROL_FRAMES,
  MAX_CONTROL_FRAME,
  MAX_FRAME_LENGTH,
  QueryHint,
  StartTlsFlag,
  MAX_CREDIT_OFFSET,
  PING_PAYLOAD_LENGTH,
  SESSION_ID_LENGTH,
} from './protocol.ts';

/** Address family as Node reports it numerically. */
export type Family = 4 | 6;

/** One end of a TCP connection, as `getsockname`/`getpeername` report it. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: Family;
}

/** Client → gateway, first frame of a session. */
export interface HelloFrame { readonly type: 'hello'; readonly streamId: 0; readonly minVersion: number; readonly maxVersion: number; readonly limits: Limits }
/** Gateway → client answer to HELLO. */
export interface WelcomeFrame { readonly type: 'welcome'; readonly streamId: 0; readonly version: number; readonly limits: Limits; readonly sessionId: Uint8Array; readonly resumeToken: Uint8Array }
/** Client → gateway instead of HELLO, to take over an existing session. */
export interface ResumeFrame { readonly type: 'resume'; readonly streamId: 0; readonly sessionId: Uint8Array; readonly resumeToken: Uint8Array; readonly received: number }
/** Cumulative count of reliable frames received. */
export interface AckFrame { readonly type: 'ack'; readonly streamId: 0; readonly received: number }
/** Keepalive probe. */
export interface PingFrame { readonly type: 'ping'; readonly streamId: 0; readonly payload: Uint8Array }
/** Keepalive answer, echoing the PING payload. */
export interface PongFrame { readonly type: 'pong'; readonly streamId: 0; readonly payload: Uint8Array }
/** The sender will accept no stream above `lastStreamId` and is closing. */
export interface GoAwayFrame { readonly type: 'goaway'; readonly streamId: 0; readonly lastStreamId: number; readonly error: WireError }
/** Opens a stream to host:port. */
export interface OpenFrame {
  readonly type: 'open';
  readonly streamId: number;
  readonly host: string;
  readonly port: number;
  /** 0 = any, as Node's `family` option. */
  readonly family: 0 | Family;
  readonly localAddress: string;
  /** 0 = any. */
  readonly localPort: number;
  readonly noDelay: boolean;
  readonly keepAlive: boolean;
  /** ms. */
  readonly keepAliveInitialDelay: number;
}
/** The gateway resolved the OPEN's host name (Node's `'lookup'` event). */
export interface ResolvedFrame { readonly type: 'resolved'; readonly streamId: number; readonly address: string; readonly family: Family }
/** The stream's TCP connection is established. */
export interface OpenedFrame { readonly type: 'opened'; readonly streamId: number; readonly local: Endpoint; readonly remote: Endpoint }
/** Stream bytes, counted against credit. */
export interface DataFrame { readonly type: 'data'; readonly streamId: number; readonly data: Uint8Array }
/** The sender will send no more DATA on the stream (TCP FIN). */
export interface EndFrame { readonly type: 'end'; readonly streamId: number }
/** The stream is aborted in both directions, with the reason. */
export interface ResetFrame { readonly type: 'reset'; readonly streamId: number; readonly error: WireError }
/** Raises the sender's credit: it may send DATA up to `limit` total payload bytes. */
export interface WindowFrame { readonly type: 'window'; readonly streamId: number; readonly limit: number }
/** Asks the gateway to listen on host:port on the page's behalf. */
export interface ListenFrame { readonly type: 'listen'; readonly streamId: number; readonly host: string; readonly port: number; readonly backlog: number; readonly ipv6Only: boolean; readonly exclusive: boolean }
/** The listener is bound. */
export interface ListeningFrame { readonly type: 'listening'; readonly streamId: number; readonly local: Endpoint }
/** The gateway opens a stream for a connection accepted on listener `listenerId`. */
export interface AcceptFrame { readonly type: 'accept'; readonly streamId: number; readonly listenerId: number; readonly local: Endpoint; readonly remote: Endpoint }


/** A TLS protocol version as node:tls names it. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const TLS_VERSIONS: ReadonlySet<string> = new Set(['', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

/** What the gateway passes to node:tls.connect() for a STARTTLS. @see PROTOCOL.md#starttls */
export interface TlsOptions {
  /** SNI server name; '' sends none. */
  readonly servername: string;
  /** The host the certificate must name (Node: servername || host || 'localhost'). */
  readonly hostname: string;
  readonly rejectUnauthorized: boolean;
  /** The gateway checks the certificate's identity; false when the client runs its own checkServerIdentity. */
  readonly checkIdentity: boolean;
  /** '' = node:tls's default. */
  readonly minVersion: TlsVersion | '';
  readonly maxVersion: TlsVersion | '';
  /** ALPN protocol names, in preference order. */
  readonly alpnProtocols: readonly string[];
  /** OpenSSL cipher list; '' = default. */
  readonly ciphers: string;
  /** Trusted CA certificates, PEM; '' = the gateway's default trust store. */
  readonly ca: string;
  /** Client certificate chain and private key, PEM; '' = none. */
  readonly cert: string;
  readonly key: string;
  readonly passphrase: string;
}
/** Client → gateway: wrap the stream's TCP connection in TLS (after the DATA sent before it). */
export interface StartTlsFrame { readonly type: 'starttls'; readonly streamId: number; readonly tls: TlsOptions }

/** The subset of node:tls getPeerCertificate() that travels. Repeated names (OU) appear once per value. */
export interface PeerCertificate {
  readonly subject: ReadonlyArray<readonly [name: string, value: string]>;
  readonly issuer: ReadonlyArray<readonly [name: string, value: string]>;
  readonly validFrom: string;
  readonly validTo: string;
  readonly serialNumber: string;
  readonly fingerprint: string;
  readonly fingerprint256: string;
  readonly fingerprint512: string;
  /** Node's `subjectaltname` ('DNS:a, IP Address:127.0.0.1'), '' for none. */
  readonly subjectAltName: string;
  /** The DER certificate (Node's `raw`). */
  readonly raw: Uint8Array;
}
/** Gateway → client: the TLS handshake of a STARTTLS finished. */
export interface SecuredFrame {
  readonly type: 'secured';
  readonly streamId: number;
  readonly authorized: boolean;
  /** Node's `authorizationError` code, '' when authorized. */
  readonly authorizationError: string;
  /** getProtocol(): 'TLSv1.3'. */
  readonly protocol: string;
  /** The ALPN protocol chosen, '' for none. */
  readonly alpnProtocol: string;
  /** getCipher(). */
  readonly cipher: { readonly name: string; readonly standardName: string; readonly version: string };
  readonly peerCertificate: PeerCertificate | null;
}

/** What a QUERY asks: getaddrinfo (dns.lookup) or one DNS record type (dns.resolve*). */
export type DnsRecordType = 'lookup' | 'A' | 'AAAA' | 'CNAME' | 'MX' | 'NS' | 'PTR' | 'SRV' | 'TXT';
/** Wire codes of DnsRecordType: DNS RRTYPE numbers, 0 for getaddrinfo. */
export const RRTYPE_CODE: { readonly [K in DnsRecordType]: number } = {
  lookup: 0, A: 1, NS: 2, CNAME: 5, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33,
};
const RRTYPE_OF_CODE = new Map<number, DnsRecordType>(
  Object.entries(RRTYPE_CODE).map(([name, code]) => [code, name as DnsRecordType]),
);
/** Client → gateway: opens a short-lived stream asking the gateway's resolver. */
export interface QueryFrame {
  readonly type: 'query';
  readonly streamId: number;
  readonly rrtype: DnsRecordType;
  readonly name: string;
  /** lookup only: 0, 4 or 6. */
  readonly family: 0 | Family;
  /** lookup only: QueryHint bits. */
  readonly hints: number;
}
/** An address answer (lookup, A, AAAA); ttl in seconds (0 for lookup). */
export interface AddressRecord { readonly address: string; readonly family: Family; readonly ttl: number }
export interface MxRecord { readonly priority: number; readonly exchange: string }
export interface SrvRecord { readonly priority: number; readonly weight: number; readonly port: number; readonly name: string }
/** The records of an ANSWER, typed by what was asked. */
export type DnsAnswer =
  | { readonly rrtype: 'lookup' | 'A' | 'AAAA'; readonly records: readonly AddressRecord[] }
  | { readonly rrtype: 'MX'; readonly records: readonly MxRecord[] }
  | { readonly rrtype: 'SRV'; readonly records: readonly SrvRecord[] }
  | { readonly rrtype: 'TXT'; readonly records: ReadonlyArray<readonly string[]> }
  | { readonly rrtype: 'CNAME' | 'NS' | 'PTR'; readonly records: readonly string[] };
/** Gateway → client: the answer to a QUERY; the stream is finished. */
export interface AnswerFrame { readonly type: 'answer'; readonly streamId: number; readonly answer: DnsAnswer }

/** Every frame of the protocol. */
export type Frame =
  | HelloFrame | WelcomeFrame | ResumeFrame | AckFrame | PingFrame | PongFrame | GoAwayFrame
  | OpenFrame | ResolvedFrame | OpenedFrame | DataFrame | EndFrame | ResetFrame | WindowFrame
  | ListenFrame | ListeningFrame | AcceptFrame
  | StartTlsFrame | SecuredFrame | QueryFrame | AnswerFrame;

/** The `type` names of frames. */
export type FrameName = Frame['type'];

/** Frames that belong to the session (stream id 0). */
export const SESSION_FRAMES: ReadonlySet<FrameName> = new Set(['hello', 'welcome', 'resume', 'ack', 'ping', 'pong', 'goaway']);

const TYPE_BYTE: { readonly [K in FrameName]: FrameTypeByte } = {
  hello: FrameType.Hello,
  welcome: FrameType.Welcome,
  resume: FrameType.Resume,
  ack: FrameType.Ack,
  ping: FrameType.Ping,
  pong: FrameType.Pong,
  goaway: FrameType.GoAway,
  open: FrameType.Open,
  resolved: FrameType.Resolved,
  opened: FrameType.Opened,
  data: FrameType.Data,
  end: FrameType.End,
  reset: FrameType.Reset,
  window: FrameType.Window,
  listen: FrameType.Listen,
  listening: FrameType.Listening,
  accept: FrameType.Accept,
  starttls: FrameType.StartTls,
  secured: FrameType.Secured,
  query: FrameType.Query,
  answer: FrameType.Answer,
};

/** Type bytes of the session frames; every other type (including any added later) is reliable. */
const SESSION_TYPE_BYTES: ReadonlySet<number> = new Set([...SESSION_FRAMES].map((name) => TYPE_BYTE[name]));

/**
 * Whether an encoded frame is reliable: counted, acknowledged and replayed on resume.
 * Every stream frame is; session frames (HELLO … GOAWAY) are not. @see PROTOCOL.md#resume
 */
export function isReliableMessage(message: Uint8Array): boolean {
  return !SESSION_TYPE_BYTES.has(message[0] as number);
}

const NAME_OF_TYPE = new Map<number, FrameName>(
  Object.entries(TYPE_BYTE).map(([name, byte]) => [byte, name as FrameName]),
);

/** The type of an encoded frame, read from its first byte without decoding it (undefined: no such type). */
export function messageType(message: Uint8Array): FrameName | undefined {
  return NAME_OF_TYPE.get(message[0] as number);
}

// shared/ compiles without DOM or Node types; both environments have these globals.
interface Utf8Codecs {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label: 'utf-8', options: { fatal: boolean; ignoreBOM: boolean }) => { decode(bytes: Uint8Array): string };
}
const utf8Encoder = new (globalThis as unknown as Utf8Codecs).TextEncoder();
const utf8Decoder = new (globalThis as unknown as Utf8Codecs).TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const TWO_32 = 2 ** 32;

function frameError(message: string): ProtocolError {
  return new ProtocolError(SockwayErrorCode.Frame, message);
}

function checkInteger(value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw frameError(`value ${value} is not an integer in ${min}..${max}`);
}

/** Appends fields to a growable byte array; control frames only (DATA has a fast path). */
class Writer {
  #bytes = new Uint8Array(64);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

  #reserve(n: number): void {
    if (this.length + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + n));
    grown.set(this.#bytes);
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  // Out-of-range values are refused, never wrapped: the peer would decode something else.
  u8(value: number): this { checkInteger(value, 0, 0xff); this.#reserve(1); this.#view.setUint8(this.length, value); this.length += 1; return this; }
  u16(value: number): this { checkInteger(value, 0, 0xffff); this.#reserve(2); this.#view.setUint16(this.length, value); this.length += 2; return this; }
  u32(value: number): this { checkInteger(value, 0, 0xffff_ffff); this.#reserve(4); this.#view.setUint32(this.length, value); this.length += 4; return this; }
  i32(value: number): this { checkInteger(value, -0x8000_0000, 0x7fff_ffff); this.#reserve(4); this.#view.setInt32(this.length, value); this.length += 4; return this; }
  u64(value: number): this { checkInteger(value, 0, MAX_CREDIT_OFFSET); return this.u32(Math.floor(value / TWO_32)).u32(value % TWO_32); }

  bytes(value: Uint8Array, expectedLength: number, field: string): this {
    if (value.length !== expectedLength) throw frameError(`${field} must be ${expectedLength} bytes, got ${value.length}`);
    this.#reserve(value.length);
    this.#bytes.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** Length-prefixed UTF-8: u8 length for names, u16 for messages. */
  string(value: string, lengthBytes: 1 | 2, field: string): this {
    const encoded = utf8Encoder.encode(value);
    const max = lengthBytes === 1 ? 0xff : 0xffff;
    if (encoded.length > max) throw frameError(`${field} is ${encoded.length} bytes, more than ${max}`);
    if (lengthBytes === 1) this.u8(encoded.length); else this.u16(encoded.length);
    this.#reserve(encoded.length);
    this.#bytes.set(encoded, this.length);
    this.length += encoded.length;
    return this;
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.length);
  }
}

/** Reads fields in order; every read is bounds-checked and fails with SOCKWAY_ERR_FRAME. */
class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #name: FrameName;
  offset: number;

  constructor(bytes: Uint8Array, name: FrameName) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#name = name;
    this.offset = HEADER_LENGTH;
  }

  #need(n: number): void {
    if (this.offset + n > this.#bytes.length) {
      throw frameError(`truncated ${this.#name.toUpperCase()} frame: needs ${this.offset + n} bytes, has ${this.#bytes.length}`);
    }
  }

  u8(): number { this.#need(1); return this.#view.getUint8(this.offset++); }
  u16(): number { this.#need(2); const v = this.#view.getUint16(this.offset); this.offset += 2; return v; }
  u32(): number { this.#need(4); const v = this.#view.getUint32(this.offset); this.offset += 4; return v; }
  i32(): number { this.#need(4); const v = this.#view.getInt32(this.offset); this.offset += 4; return v; }

  u64(field: string): number {
    const high = this.u32();
    const low = this.u32();
    const value = high * TWO_32 + low;
    if (value > MAX_CREDIT_OFFSET) throw frameError(`${field} ${high}:${low} exceeds 2^53-1`);
    return value;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const value = this.#bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }

  string(lengthBytes: 1 | 2, field: string): string {
    const length = lengthBytes === 1 ? this.u8() : this.u16();
    this.#need(length);
    const view = this.#bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    try {
      return utf8Decoder.decode(view);
    } catch {
      throw frameError(`${field} of ${this.#name.toUpperCase()} is not valid UTF-8`);
    }
  }

  family(field: string, allowAny: boolean): 0 | Family {
    const value = this.u8();
    if (value === 4 || value === 6 || (allowAny && value === 0)) return value;
    throw frameError(`${field} of ${this.#name.toUpperCase()} is ${value}, expected ${allowAny ? '0, ' : ''}4 or 6`);
  }

  end(): void {
    if (this.offset !== this.#bytes.length) {
      throw frameError(`${this.#bytes.length - this.offset} trailing bytes after ${this.#name.toUpperCase()} frame`);
    }
  }
}

function writeLimits(w: Writer, limits: Limits): void {
  w.u32(limits.maxPayload).u32(limits.streamWindow).u32(limits.maxStreams).u32(limits.idleTimeout);
}

function readLimits(r: Reader): Limits {
  return { maxPayload: r.u32(), streamWindow: r.u32(), maxStreams: r.u32(), idleTimeout: r.u32() };
}

function writeEndpoint(w: Writer, endpoint: Endpoint): void {
  w.u8(endpoint.family).u16(endpoint.port).string(endpoint.address, 1, 'address');
}

function readEndpoint(r: Reader, field: string): Endpoint {
  const family = r.family(`${field} family`, false) as Family;
  const port = r.u16();
  const address = r.string(1, `${field} address`);
  return { address, port, family };
}

function writeWireError(w: Writer, error: WireError): void {
  w.i32(error.errno).i32(error.port)
    .string(error.code, 1, 'code').string(error.syscall, 1, 'syscall')
    .string(error.address, 1, 'address').string(error.hostname, 1, 'hostname')
    .string(error.message, 2, 'message');
}

function readWireError(r: Reader): WireError {
  const errno = r.i32();
  const port = r.i32();
  if (port < -1 || port > 0xffff) throw frameError(`error port ${port} out of range`);
  const code = r.string(1, 'code');
  if (code.length === 0) throw frameError('error code is empty');
  return wireError({
    errno,
    port,
    code,
    syscall: r.string(1, 'syscall'),
    address: r.string(1, 'address'),
    hostname: r.string(1, 'hostname'),
    message: r.string(2, 'message'),
  });
}

function checkTlsVersion(value: string, field: string): TlsVersion | '' {
  if (!TLS_VERSIONS.has(value)) throw frameError(`${field} ${JSON.stringify(value.slice(0, 20))} is not a TLS version`);
  return value as TlsVersion | '';
}

function writeTlsOptions(w: Writer, tls: TlsOptions): void {
  checkTlsVersion(tls.minVersion, 'minVersion');
  checkTlsVersion(tls.maxVersion, 'maxVersion');
  w.u8((tls.rejectUnauthorized ? StartTlsFlag.RejectUnauthorized : 0) | (tls.checkIdentity ? StartTlsFlag.CheckIdentity : 0))
    .string(tls.servername, 1, 'servername').string(tls.hostname, 1, 'hostname')
    .string(tls.minVersion, 1, 'minVersion').string(tls.maxVersion, 1, 'maxVersion')
    .u8(tls.alpnProtocols.length);
  for (const protocol of tls.alpnProtocols) {
    if (protocol.length === 0) throw frameError('empty ALPN protocol name');
    w.string(protocol, 1, 'ALPN protocol');
  }
  w.string(tls.ciphers, 2, 'ciphers').string(tls.ca, 2, 'ca').string(tls.cert, 2, 'cert').string(tls.key, 2, 'key')
    .string(tls.passphrase, 1, 'passphrase');
}

function readTlsOptions(r: Reader): TlsOptions {
  const flags = r.u8();
  if ((flags & ~(StartTlsFlag.RejectUnauthorized | StartTlsFlag.CheckIdentity)) !== 0) throw frameError(`unknown STARTTLS flags 0x${flags.toString(16)}`);
  const servername = r.string(1, 'servername');
  const hostname = r.string(1, 'hostname');
  const minVersion = checkTlsVersion(r.string(1, 'minVersion'), 'minVersion');
  const maxVersion = checkTlsVersion(r.string(1, 'maxVersion'), 'maxVersion');
  const count = r.u8();
  const alpnProtocols: string[] = [];
  for (let i = 0; i < count; i++) {
    const protocol = r.string(1, 'ALPN protocol');
    if (protocol.length === 0) throw frameError('empty ALPN protocol name');
    alpnProtocols.push(protocol);
  }
  return {
    servername, hostname,
    rejectUnauthorized: (flags & StartTlsFlag.RejectUnauthorized) !== 0,
    checkIdentity: (flags & StartTlsFlag.CheckIdentity) !== 0,
    minVersion, maxVersion, alpnProtocols,
    ciphers: r.string(2, 'ciphers'), ca: r.string(2, 'ca'), cert: r.string(2, 'cert'), key: r.string(2, 'key'),
    passphrase: r.string(1, 'passphrase'),
  };
}

function writeNames(w: Writer, names: ReadonlyArray<readonly [string, string]>): void {
  w.u8(names.length);
  for (const [name, value] of names) w.string(name, 1, 'certificate field name').string(value, 2, 'certificate field value');
}

function readNames(r: Reader): Array<readonly [string, string]> {
  const count = r.u8();
  const names: Array<readonly [string, string]> = [];
  for (let i = 0; i < count; i++) names.push([r.string(1, 'certificate field name'), r.string(2, 'certificate field value')]);
  return names;
}

function writeSecured(w: Writer, frame: SecuredFrame): void {
  const cert = frame.peerCertificate;
  w.u8((frame.authorized ? 0x01 : 0) | (cert === null ? 0 : 0x02))
    .string(frame.authorizationError, 1, 'authorizationError')
    .string(frame.protocol, 1, 'protocol').string(frame.alpnProtocol, 1, 'alpnProtocol')
    .string(frame.cipher.name, 1, 'cipher name').string(frame.cipher.standardName, 1, 'cipher standardName')
    .string(frame.cipher.version, 1, 'cipher version');
  if (cert === null) return;
  writeNames(w, cert.subject);
  writeNames(w, cert.issuer);
  w.string(cert.validFrom, 1, 'valid_from').string(cert.validTo, 1, 'valid_to').string(cert.serialNumber, 1, 'serialNumber')
    .string(cert.fingerprint, 1, 'fingerprint').string(cert.fingerprint256, 1, 'fingerprint256')
    .string(cert.fingerprint512, 1, 'fingerprint512').string(cert.subjectAltName, 2, 'subjectaltname')
    .u16(cert.raw.length).bytes(cert.raw, cert.raw.length, 'raw');
}

function readSecured(r: Reader, streamId: number): SecuredFrame {
  const flags = r.u8();
  if ((flags & ~0x03) !== 0) throw frameError(`unknown SECURED flags 0x${flags.toString(16)}`);
  const authorized = (flags & 0x01) !== 0;
  const authorizationError = r.string(1, 'authorizationError');
  if (authorized === (authorizationError !== '')) throw frameError('SECURED authorizationError must be set exactly when not authorized');
  const protocol = r.string(1, 'protocol');
  const alpnProtocol = r.string(1, 'alpnProtocol');
  const cipher = { name: r.string(1, 'cipher name'), standardName: r.string(1, 'cipher standardName'), version: r.string(1, 'cipher version') };
  let peerCertificate: PeerCertificate | null = null;
  if ((flags & 0x02) !== 0) {
    peerCertificate = {
      subject: readNames(r), issuer: readNames(r),
      validFrom: r.string(1, 'valid_from'), validTo: r.string(1, 'valid_to'), serialNumber: r.string(1, 'serialNumber'),
      fingerprint: r.string(1, 'fingerprint'), fingerprint256: r.string(1, 'fingerprint256'),
      fingerprint512: r.string(1, 'fingerprint512'), subjectAltName: r.string(2, 'subjectaltname'),
      raw: r.bytes(r.u16()),
    };
  }
  return { type: 'secured', streamId, authorized, authorizationError, protocol, alpnProtocol, cipher, peerCertificate };
}

function writeAnswer(w: Writer, answer: DnsAnswer): void {
  w.u16(RRTYPE_CODE[answer.rrtype]).u16(answer.records.length);
  switch (answer.rrtype) {
    case 'lookup':
    case 'A':
    case 'AAAA':
      for (const record of answer.records) {
        if ((answer.rrtype === 'A' && record.family !== 4) || (answer.rrtype === 'AAAA' && record.family !== 6)) {
          throw frameError(`${answer.rrtype} record of family ${record.family}`);
        }
        w.u8(record.family).u32(record.ttl).string(record.address, 1, 'address');
      }
      break;
    case 'MX':
      for (const record of answer.records) w.u16(record.priority).string(record.exchange, 1, 'exchange');
      break;
    case 'SRV':
      for (const record of answer.records) w.u16(record.priority).u16(record.weight).u16(record.port).string(record.name, 1, 'name');
      break;
    case 'TXT':
      for (const record of answer.records) {
        w.u8(record.length);
        for (const chunk of record) w.string(chunk, 2, 'TXT chunk');
      }
      break;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      for (const record of answer.records) w.string(record, 1, 'name');
      break;
    default:
      assertNever(answer);
  }
}

function readAnswer(r: Reader): DnsAnswer {
  const code = r.u16();
  const rrtype = RRTYPE_OF_CODE.get(code);
  if (rrtype === undefined) throw frameError(`unknown ANSWER rrtype ${code}`);
  const count = r.u16();
  const times = <T>(read: () => T): T[] => {
    const records: T[] = [];
    for (let i = 0; i < count; i++) records.push(read());
    return records;
  };
  switch (rrtype) {
    case 'lookup':
    case 'A':
    case 'AAAA':
      return {
        rrtype,
        records: times(() => {
          const family = r.family('family', false) as Family;
          if ((rrtype === 'A' && family !== 4) || (rrtype === 'AAAA' && family !== 6)) throw frameError(`${rrtype} record of family ${family}`);
          const ttl = r.u32();
          return { address: r.string(1, 'address'), family, ttl };
        }),
      };
    case 'MX':
      return { rrtype, records: times(() => ({ priority: r.u16(), exchange: r.string(1, 'exchange') })) };
    case 'SRV':
      return { rrtype, records: times(() => ({ priority: r.u16(), weight: r.u16(), port: r.u16(), name: r.string(1, 'name') })) };
    case 'TXT':
      return {
        rrtype,
        records: times(() => {
          const chunks: string[] = [];
          for (let n = r.u8(); n > 0; n--) chunks.push(r.string(2, 'TXT chunk'));
          return chunks;
        }),
      };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { rrtype, records: times(() => r.string(1, 'name')) };
    default:
      return assertNever(rrtype);
  }
}

/** Allocates frame memory; Node callers pass Buffer.allocUnsafe (no zero fill). */
export type Allocate = (length: number) => Uint8Array;

const zeroedAllocate: Allocate = (length) => new Uint8Array(length);

/** Encodes a DATA frame: header + payload in one allocation (the hot path). */
export function encodeData(streamId: number, data: Uint8Array, allocate: Allocate = zeroedAllocate): Uint8Array {
  const bytes = allocate(HEADER_LENGTH + data.length);
  writeDataHeader(bytes, streamId);
  bytes.set(data, HEADER_LENGTH);
  return bytes;
}

/** Writes a DATA header into the first HEADER_LENGTH bytes of `frame`. */
export function writeDataHeader(frame: Uint8Array, streamId: number): void {
  frame[0] = FrameType.Data;
  frame[1] = streamId >>> 24;
  frame[2] = (streamId >>> 16) & 0xff;
  frame[3] = (streamId >>> 8) & 0xff;
  frame[4] = streamId & 0xff;
}

/** Encodes any frame into the bytes of one WebSocket message. */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.type === 'data') return encodeData(frame.streamId, frame.data);
  const w = new Writer().u8(TYPE_BYTE[frame.type]).u32(frame.streamId);
  switch (frame.type) {
    case 'hello':
      w.u8(frame.minVersion).u8(frame.maxVersion);
      writeLimits(w, frame.limits);
      break;
    case 'welcome':
      w.u8(frame.version);
      writeLimits(w, frame.limits);
      w.bytes(frame.sessionId, SESSION_ID_LENGTH, 'sessionId').bytes(frame.resumeToken, SESSION_ID_LENGTH, 'resumeToken');
      break;
    case 'resume':
      w.bytes(frame.sessionId, SESSION_ID_LENGTH, 'sessionId').bytes(frame.resumeToken, SESSION_ID_LENGTH, 'resumeToken').u64(frame.received);
      break;
    case 'ack':
      w.u64(frame.received);
      break;
    case 'ping':
    case 'pong':
      w.bytes(frame.payload, PING_PAYLOAD_LENGTH, 'payload');
      break;
    case 'goaway':
      w.u32(frame.lastStreamId);
      writeWireError(w, frame.error);
      break;
    case 'open':
      w.u16(frame.port).u8(frame.family)
        .u8((frame.noDelay ? 0x01 : 0) | (frame.keepAlive ? 0x02 : 0))
        .u32(frame.keepAliveInitialDelay).u16(frame.localPort)
        .string(frame.host, 1, 'host').string(frame.localAddress, 1, 'localAddress');
      break;
    case 'resolved':
      w.u8(frame.family).string(frame.address, 1, 'address');
      break;
    case 'opened':
      writeEndpoint(w, frame.local);
      writeEndpoint(w, frame.remote);
      break;
    case 'end':
      break;
    case 'reset':
      writeWireError(w, frame.error);
      break;
    case 'window':
      w.u64(frame.limit);
      break;
    case 'listen':
      w.u16(frame.port).u8((frame.ipv6Only ? 0x01 : 0) | (frame.exclusive ? 0x02 : 0)).u32(frame.backlog).string(frame.host, 1, 'host');
      break;
    case 'listening':
      writeEndpoint(w, frame.local);
      break;
    case 'accept':
      w.u32(frame.listenerId);
      writeEndpoint(w, frame.local);
      writeEndpoint(w, frame.remote);
      break;
    case 'starttls':
      writeTlsOptions(w, frame.tls);
      break;
    case 'secured':
      writeSecured(w, frame);
      break;
    case 'query':
      if (frame.name.length === 0) throw frameError('QUERY name is empty');
      if (frame.rrtype !== 'lookup' && (frame.family !== 0 || frame.hints !== 0)) throw frameError(`QUERY ${frame.rrtype} takes no family or hints`);
      w.u16(RRTYPE_CODE[frame.rrtype]).u8(frame.family).u8(frame.hints).string(frame.name, 1, 'name');
      break;
    case 'answer':
      writeAnswer(w, frame.answer);
      break;
    default:
      return assertNever(frame);
  }
  const limit = LARGE_CONTROL_FRAMES.has(TYPE_BYTE[frame.type]) ? MAX_FRAME_LENGTH : MAX_CONTROL_FRAME;
  if (w.length > limit) throw frameError(`${frame.type.toUpperCase()} frame of ${w.length} bytes exceeds ${limit}`);
  if (frame.type === 'open' && frame.host.length === 0) throw frameError('OPEN host is empty');
  if ((frame.type === 'reset' || frame.type === 'goaway') && frame.error.code.length === 0) throw frameError('error code is empty');
  return w.finish();
}

/**
 * Decodes one message into a fully valid frame, or throws a ProtocolError with
 * code SOCKWAY_ERR_FRAME. DATA payloads are views into `bytes` (no copy).
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < HEADER_LENGTH) throw frameError(`frame of ${bytes.length} bytes is shorter than the ${HEADER_LENGTH}-byte header`);
  if (bytes.length > MAX_FRAME_LENGTH) throw frameError(`frame of ${bytes.length} bytes exceeds ${MAX_FRAME_LENGTH}`);
  const typeByte = bytes[0] as number;
  const type = NAME_OF_TYPE.get(typeByte);
  if (type === undefined) throw frameError(`unknown frame type 0x${typeByte.toString(16).padStart(2, '0')}`);
  if (type !== 'data' && bytes.length > MAX_CONTROL_FRAME && !LARGE_CONTROL_FRAMES.has(typeByte)) throw frameError(`${type.toUpperCase()} frame of ${bytes.length} bytes exceeds ${MAX_CONTROL_FRAME}`);
  const streamId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (SESSION_FRAMES.has(type) !== (streamId === 0)) {
    throw frameError(`${type.toUpperCase()} frame on stream ${streamId}: ${streamId === 0 ? 'needs a stream id' : 'belongs to stream 0'}`);
  }
  const frame = decodeBody(new Reader(bytes, type), type, streamId, bytes);
  return frame;
}

function decodeBody(r: Reader, type: FrameName, streamId: number, bytes: Uint8Array): Frame {
  let frame: Frame;
  switch (type) {
    case 'hello':
      frame = { type, streamId: 0, minVersion: r.u8(), maxVersion: r.u8(), limits: readLimits(r) };
      break;
    case 'welcome':
      frame = { type, streamId: 0, version: r.u8(), limits: readLimits(r), sessionId: r.bytes(SESSION_ID_LENGTH), resumeToken: r.bytes(SESSION_ID_LENGTH) };
      break;
    case 'resume':
      frame = { type, streamId: 0, sessionId: r.bytes(SESSION_ID_LENGTH), resumeToken: r.bytes(SESSION_ID_LENGTH), received: r.u64('received') };
      break;
    case 'ack':
      frame = { type, streamId: 0, received: r.u64('received') };
      break;
    case 'ping':
    case 'pong':
      frame = { type, streamId: 0, payload: r.bytes(PING_PAYLOAD_LENGTH) };
      break;
    case 'goaway':
      frame = { type, streamId: 0, lastStreamId: r.u32(), error: readWireError(r) };
      break;
    case 'open': {
      const port = r.u16();
      const family = r.family('family', true);
      const flags = r.u8();
      if ((flags & ~0x03) !== 0) throw frameError(`unknown OPEN flags 0x${flags.toString(16)}`);
      const keepAliveInitialDelay = r.u32();
      const localPort = r.u16();
      const host = r.string(1, 'host');
      if (host.length === 0) throw frameError('OPEN host is empty');
      frame = {
        type, streamId, host, port, family, localAddress: r.string(1, 'localAddress'), localPort,
        noDelay: (flags & 0x01) !== 0, keepAlive: (flags & 0x02) !== 0, keepAliveInitialDelay,
      };
      break;
    }
    case 'resolved': {
      const family = r.family('family', false) as Family;
      frame = { type, streamId, family, address: r.string(1, 'address') };
      break;
    }
    case 'opened':
      frame = { type, streamId, local: readEndpoint(r, 'local'), remote: readEndpoint(r, 'remote') };
      break;
    case 'data':
      if (bytes.length === HEADER_LENGTH) throw frameError(`empty DATA frame on stream ${streamId}`);
      frame = { type, streamId, data: bytes.subarray(HEADER_LENGTH) };
      r.offset = bytes.length;
      break;
    case 'end':
      frame = { type, streamId };
      break;
    case 'reset':
      frame = { type, streamId, error: readWireError(r) };
      break;
    case 'window':
      frame = { type, streamId, limit: r.u64('limit') };
      break;
    case 'listen': {
      const port = r.u16();
      const flags = r.u8();
      if ((flags & ~0x03) !== 0) throw frameError(`unknown LISTEN flags 0x${flags.toString(16)}`);
      frame = { type, streamId, port, ipv6Only: (flags & 0x01) !== 0, exclusive: (flags & 0x02) !== 0, backlog: r.u32(), host: r.string(1, 'host') };
      break;
    }
    case 'listening':
      frame = { type, streamId, local: readEndpoint(r, 'local') };
      break;
    case 'accept':
      frame = { type, streamId, listenerId: r.u32(), local: readEndpoint(r, 'local'), remote: readEndpoint(r, 'remote') };
      break;
    case 'starttls':
      frame = { type, streamId, tls: readTlsOptions(r) };
      break;
    case 'secured':
      frame = readSecured(r, streamId);
      break;
    case 'query': {
      const code = r.u16();
      const rrtype = RRTYPE_OF_CODE.get(code);
      if (rrtype === undefined) throw frameError(`unknown QUERY rrtype ${code}`);
      const family = r.family('family', true);
      const hints = r.u8();
      if ((hints & ~(QueryHint.AddrConfig | QueryHint.V4Mapped | QueryHint.All)) !== 0) throw frameError(`unknown QUERY hints 0x${hints.toString(16)}`);
      if (rrtype !== 'lookup' && (family !== 0 || hints !== 0)) throw frameError(`QUERY ${rrtype} takes no family or hints`);
      const name = r.string(1, 'name');
      if (name.length === 0) throw frameError('QUERY name is empty');
      frame = { type, streamId, rrtype, name, family, hints };
      break;
    }
    case 'answer':
      frame = { type, streamId, answer: readAnswer(r) };
      break;
    default:
      return assertNever(type);
  }
  r.end();
  return frame;
}

/** A one-line summary of a frame for logs and test titles. */
export function formatFrame(frame: Frame): string {
  const head = `${frame.type.toUpperCase()}#${frame.streamId}`;
  switch (frame.type) {
    case 'hello': return `${head} v${frame.minVersion}-${frame.maxVersion} ${formatLimits(frame.limits)}`;
    case 'welcome': return `${head} v${frame.version} ${formatLimits(frame.limits)}`;
    case 'resume': return `${head} received=${frame.received}`;
    case 'ack': return `${head} received=${frame.received}`;
    case 'ping': case 'pong': return `${head} ${hex(frame.payload)}`;
    case 'goaway': return `${head} last=${frame.lastStreamId} ${frame.error.code}`;
    case 'open': return `${head} ${frame.host}:${frame.port}${frame.family ? ` family=${frame.family}` : ''}`;
    case 'resolved': return `${head} ${frame.address}`;
    case 'opened': return `${head} ${formatEndpoint(frame.local)} -> ${formatEndpoint(frame.remote)}`;
    case 'data': return `${head} ${frame.data.length}B`;
    case 'end': return head;
    case 'reset': return `${head} ${frame.error.code}${frame.error.syscall ? ` ${frame.error.syscall}` : ''}`;
    case 'window': return `${head} limit=${frame.limit}`;
    case 'listen': return `${head} ${frame.host}:${frame.port} backlog=${frame.backlog}`;
    case 'listening': return `${head} ${formatEndpoint(frame.local)}`;
    case 'accept': return `${head} listener=${frame.listenerId} ${formatEndpoint(frame.remote)}`;
    case 'starttls': return `${head} servername=${frame.tls.servername || '-'} host=${frame.tls.hostname}${frame.tls.rejectUnauthorized ? '' : ' insecure'}`;
    case 'secured': return `${head} ${frame.protocol}${frame.authorized ? ' authorized' : ` unauthorized ${frame.authorizationError}`}${frame.alpnProtocol ? ` alpn=${frame.alpnProtocol}` : ''}`;
    case 'query': return `${head} ${frame.rrtype} ${frame.name}`;
    case 'answer': return `${head} ${frame.answer.rrtype} ${frame.answer.records.length} records`;
    default: return assertNever(frame);
  }
}

function formatLimits(limits: Limits): string {
  return `payload=${limits.maxPayload} window=${limits.streamWindow} streams=${limits.maxStreams} idle=${limits.idleTimeout}`;
}

function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.family === 6 ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Exhaustiveness check for switches over unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
