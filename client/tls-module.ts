/**
 * Node's `tls` client surface over the tunnel. The gateway originates TLS to the
 * destination (node:tls.connect there, STARTTLS on the wire): the page sends and
 * receives cleartext, so the gateway sees it. @see PROTOCOL.md#starttls
 *
 *   tls.connect(port, host, opts)   OPEN + STARTTLS pipelined → OPENED ('connect') → SECURED ('secureConnect')
 *   tls.connect({ socket, ... })    the plain socket's stream moves to a TLSSocket → STARTTLS → SECURED
 */
import { Buffer } from 'buffer';
import { type Endpoint, type PeerCertificate, type SecuredFrame, type TlsOptions, type TlsVersion, encodeFrame } from '../shared/frame.ts';
import { MAX_FRAME_LENGTH } from '../shared/protocol.ts';
import { isIP } from './ip.ts';
import type { NetModule } from './net.ts';
import { type NetConnectOptions, normalizeArgs } from './normalize-args.ts';
import { errFeatureUnavailable, errInvalidArgType, errSocketClosed } from './node-errors.ts';
import { CONNECT_DEFAULTS, Socket } from './socket.ts';
import type { StreamHandle } from './stream-handle.ts';
import { TUNNEL } from './tunnel-core.ts';

type Pem = string | Uint8Array;
/** The part of node:tls ConnectionOptions the gateway honours (plus net.connect's). */
export interface ConnectionOptions {
  host?: string;
  port?: number | string;
  socket?: unknown;
  servername?: string;
  ca?: Pem | Pem[];
  cert?: Pem | Pem[];
  key?: Pem | Pem[] | Array<{ pem: Pem; passphrase?: string }>;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  ALPNProtocols?: string[] | Uint8Array;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  ciphers?: string;
  checkServerIdentity?: (hostname: string, cert: DetailedPeerCertificate) => Error | undefined;
  secureContext?: SecureContext;
  timeout?: number;
  [option: string]: unknown;
}

/** Node's getPeerCertificate() subset (null-prototype subject/issuer, as Node). */
export interface DetailedPeerCertificate {
  subject: Record<string, string | string[]>;
  issuer: Record<string, string | string[]>;
  subjectaltname?: string;
  valid_from: string;
  valid_to: string;
  serialNumber: string;
  fingerprint: string;
  fingerprint256: string;
  fingerprint512: string;
  raw: Buffer;
}

const SECURE_OPTIONS: unique symbol = Symbol('sockway.secureContextOptions');
/** createSecureContext()'s result: opaque, carrying the options for connect(). */
export interface SecureContext {
  readonly context: object;
  readonly [SECURE_OPTIONS]: ConnectionOptions;
}

/** An ERR_TLS_* style coded Error. */
function codedError(code: string, message: string, Base: ErrorConstructor = Error): Error & { code: string } {
  const error = new Base(message) as Error & { code: string };
  error.code = code;
  return error;
}

/** PEM text of a PEM string, a PEM buffer or a DER buffer (wrapped as `label`). */
function pemOf(value: unknown, label: string, name: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((one) => pemOf(one, label, name)).filter((pem) => pem !== '').join('\n');
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const text = buffer.toString('latin1');
    if (text.includes('-----BEGIN')) return buffer.toString('utf8');
    const base64 = buffer.toString('base64').replace(/.{64}/g, '$&\n');
    return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
  }
  if (typeof value === 'object' && 'pem' in value) return pemOf((value as { pem: unknown }).pem, label, name);
  throw errInvalidArgType(`options.${name}`, ['string', 'Buffer', 'TypedArray', 'DataView'], value);
}

/** ALPNProtocols as names: an array of strings/buffers, or Node's length-prefixed wire buffer. */
function alpnOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((one) => (typeof one === 'string' ? one : Buffer.from(one as Uint8Array).toString('latin1')));
  if (value instanceof Uint8Array) {
    const names: string[] = [];
    for (let i = 0; i < value.length;) {
      const length = value[i] as number;
      names.push(Buffer.from(value.subarray(i + 1, i + 1 + length)).toString('latin1'));
      i += 1 + length;
    }
    return names;
  }
  throw errInvalidArgType('options.ALPNProtocols', ['Array', 'Buffer', 'TypedArray', 'DataView'], value);
}

const VERSIONS = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
function versionOf(value: unknown, name: string): TlsVersion | '' {
  if (value === undefined) return '';
  if (typeof value !== 'string' || !VERSIONS.has(value)) {
    throw codedError('ERR_TLS_INVALID_PROTOCOL_VERSION', `${String(value)} is not a valid ${name} TLS protocol version`, TypeError);
  }
  return value as TlsVersion;
}

/** The STARTTLS options for `options`; `hostname` is what the certificate must name. */
export function tlsOptionsOf(options: ConnectionOptions, hostname: string): TlsOptions {
  const context = options.secureContext?.[SECURE_OPTIONS] ?? {};
  const merged: ConnectionOptions = { ...context, ...options };
  if (merged['pfx'] !== undefined) throw errFeatureUnavailable('tls pfx (pass cert and key as PEM)');
  const keyPassphrase = Array.isArray(merged.key) && typeof merged.key[0] === 'object' && merged.key[0] !== null && 'passphrase' in merged.key[0]
    ? String((merged.key[0] as { passphrase?: unknown }).passphrase ?? '')
    : '';
  const tls: TlsOptions = {
    servername: typeof merged.servername === 'string' ? merged.servername : '',
    hostname,
    rejectUnauthorized: merged.rejectUnauthorized !== false,
    checkIdentity: typeof options.checkServerIdentity !== 'function',
    minVersion: versionOf(merged.minVersion, 'minimum'),
    maxVersion: versionOf(merged.maxVersion, 'maximum'),
    alpnProtocols: alpnOf(merged.ALPNProtocols),
    ciphers: typeof merged.ciphers === 'string' ? merged.ciphers : '',
    ca: pemOf(merged.ca, 'CERTIFICATE', 'ca'),
    cert: pemOf(merged.cert, 'CERTIFICATE', 'cert'),
    key: pemOf(merged.key, 'PRIVATE KEY', 'key'),
    passphrase: typeof merged.passphrase === 'string' ? merged.passphrase : keyPassphrase,
  };
  try {
    // Checked now, so connect() throws instead of the session failing later.
    encodeFrame({ type: 'starttls', streamId: 1, tls });
  } catch (error) {
    throw codedError('ERR_OUT_OF_RANGE', `The TLS options do not fit one STARTTLS frame of ${MAX_FRAME_LENGTH} bytes (ca, cert and key are sent to the gateway as PEM): ${(error as Error).message}`, RangeError);
  }
  return tls;
}

function nameObject(names: ReadonlyArray<readonly [string, string]>): Record<string, string | string[]> {
  const object = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of names) {
    const previous = object[name];
    object[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return object;
}

function certificateOf(cert: PeerCertificate): DetailedPeerCertificate {
  return {
    subject: nameObject(cert.subject),
    issuer: nameObject(cert.issuer),
    ...(cert.subjectAltName === '' ? {} : { subjectaltname: cert.subjectAltName }),
    valid_from: cert.validFrom,
    valid_to: cert.validTo,
    serialNumber: cert.serialNumber,
    fingerprint: cert.fingerprint,
    fingerprint256: cert.fingerprint256,
    fingerprint512: cert.fingerprint512,
    raw: Buffer.from(cert.raw),
  };
}

function endpointOf(name: { address?: string; family?: string; port?: number }): Endpoint | null {
  if (name.address === undefined || name.port === undefined) return null;
  return { address: name.address, port: name.port, family: name.family === 'IPv6' ? 6 : 4 };
}

/**
 * A TLS client socket whose TLS runs at the gateway. Node's TLSSocket surface for
 * clients: encrypted, authorized, authorizationError, alpnProtocol, getPeerCertificate(),
 * getProtocol(), getCipher(), 'secureConnect'. Server-side TLS is not supported.
 */
export class TLSSocket extends Socket {
  /** Always true: documented by Node to tell TLS sockets apart. */
  readonly encrypted = true;
  authorized = false;
  authorizationError: string | null = null;
  /** The ALPN protocol chosen; false for none, null before the handshake. */
  alpnProtocol: string | false | null = null;
  /** The plain socket this one upgraded (tls.connect({ socket })), destroyed with it. */
  #parentSocket: Socket | null = null;
  #secured: SecuredFrame | null = null;
  #options: ConnectionOptions = {};
  #hostname = 'localhost';
  /** Pipelined behind OPEN when this socket connects itself. */
  #request: TlsOptions | null = null;

  constructor(socket?: unknown, options?: ConnectionOptions) {
    const own = (options ?? {}) as ConnectionOptions & { allowHalfOpen?: boolean };
    super({ allowHalfOpen: Boolean(own.allowHalfOpen) });
    this.#options = own;
    if (socket !== undefined && socket !== null) this._wrap(socket, own);
  }

  /** @internal connect(): the TLS options, and the host the certificate must name. */
  _setTlsOptions(options: ConnectionOptions, hostname: string): void {
    this.#options = options;
    this.#hostname = hostname;
    this.#request = tlsOptionsOf(options, hostname);
  }

  /** @internal StreamHandle.attach(): STARTTLS rides behind each OPEN of this socket. */
  _tlsRequest(): TlsOptions | null {
    return this.#request;
  }

  /**
   * @internal Takes over a connected sockway socket's stream (Node wraps its handle):
   * the plain socket reads and writes no more, and closes with this one.
   */
  _wrap(socket: unknown, options: ConnectionOptions): void {
    if (!(socket instanceof Socket)) {
      throw errInvalidArgType('options.socket', 'sockway net.Socket', socket);
    }
    const hostname = typeof options.servername === 'string' && options.servername !== ''
      ? options.servername
      : typeof options.host === 'string' && options.host !== '' ? options.host : socket._host ?? 'localhost';
    this.#options = options;
    this.#hostname = hostname;
    const tls = tlsOptionsOf(options, hostname);
    this.#parentSocket = socket;
    socket.once('close', () => {
      if (!this.destroyed) this.destroy();
    });
    const adopt = (): void => {
      if (this.destroyed) return;
      const handle = socket._handle;
      const local = endpointOf(socket._getsockname());
      const remote = endpointOf(socket._getpeername());
      if (handle === null || !handle.connected || local === null || remote === null) {
        this.destroy(errSocketClosed());
        return;
      }
      const stream = handle.detach();
      if (stream === null) {
        this.destroy(errSocketClosed());
        return;
      }
      const own = this._acceptStream(stream, local, remote, false);
      this.read(0);
      stream.setHandler(own);
      own.startTls(tls);
    };
    // Plaintext the socket still holds goes out first (STARTTLS follows it on the wire).
    const afterWrites = (): void => {
      if (socket.writableLength > 0) socket.write(Buffer.alloc(0), () => adopt());
      else adopt();
    };
    if (socket.connecting) socket.once('connect', afterWrites);
    else afterWrites();
  }

  /** @internal StreamHandle: SECURED. Node's onConnectSecure. */
  _onSecured(handle: StreamHandle, frame: SecuredFrame): void {
    if (handle !== this._handle || this.destroyed) return;
    this.#secured = frame;
    this.authorized = frame.authorized;
    this.authorizationError = frame.authorized ? null : frame.authorizationError;
    this.alpnProtocol = frame.alpnProtocol === '' ? false : frame.alpnProtocol;
    const check = this.#options.checkServerIdentity;
    if (typeof check === 'function') {
      // The gateway left the identity to us: Node runs it only on a chain it verified.
      const error = frame.authorized ? check(this.#hostname, this.getPeerCertificate() as DetailedPeerCertificate) : undefined;
      if (error) {
        this.authorized = false;
        this.authorizationError = (error as { code?: string }).code ?? error.message;
        if (this.#options.rejectUnauthorized !== false) {
          this.destroy(error);
          return;
        }
      }
    }
    this.emit('secure');
    this.emit('secureConnect');
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    super._destroy(error, callback);
    // Node closes the wrapped socket with the TLS socket.
    const parent = this.#parentSocket;
    this.#parentSocket = null;
    if (parent !== null && !parent.destroyed) parent.destroy();
  }

  /** The peer's certificate subset; {} without one; null once destroyed, as Node. */
  getPeerCertificate(_detailed?: boolean): DetailedPeerCertificate | Record<string, never> | null {
    if (this.destroyed && this.#secured === null) return null;
    const cert = this.#secured?.peerCertificate ?? null;
    return cert === null ? {} : certificateOf(cert);
  }

  /** 'TLSv1.3', …; null before the handshake. */
  getProtocol(): string | null {
    return this.#secured?.protocol ?? null;
  }

  getCipher(): { name: string; standardName: string; version: string } | undefined {
    return this.#secured === null ? undefined : { ...this.#secured.cipher };
  }

  /** Sessions stay at the gateway. */
  getSession(): undefined { return undefined; }
  getTLSTicket(): undefined { return undefined; }
  isSessionReused(): boolean { return false; }
  getFinished(): undefined { return undefined; }
  getPeerFinished(): undefined { return undefined; }
  getCertificate(): null { return null; }
  getEphemeralKeyInfo(): Record<string, never> { return {}; }
  getSharedSigalgs(): string[] { return []; }
  setMaxSendFragment(_size: number): boolean { return true; }
  disableRenegotiation(): void {}
  enableTrace(): void {}

  setServername(name: string): void {
    if (typeof name !== 'string') throw errInvalidArgType('name', 'string', name);
    if (this.#request !== null) this.#request = { ...this.#request, servername: name };
  }

  renegotiate(_options: unknown, callback?: (error: Error | null) => void): boolean {
    const error = codedError('ERR_TLS_RENEGOTIATION_DISABLED', 'TLS session renegotiation disabled for this socket');
    if (typeof callback === 'function') queueMicrotask(() => callback(error));
    return false;
  }

  exportKeyingMaterial(): never {
    throw errFeatureUnavailable('exportKeyingMaterial (TLS runs at the sockway gateway)');
  }
}

/** Node's `tls` client surface, for one net module's tunnel. */
export interface TlsModule {
  readonly TLSSocket: typeof TLSSocket;
  connect(options: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
  connect(port: number, host?: string, options?: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
  connect(port: number, options?: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
  createSecureContext(options?: ConnectionOptions): SecureContext;
  checkServerIdentity(hostname: string, cert: DetailedPeerCertificate): Error | undefined;
  /** Throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM: pages cannot terminate TLS. */
  createServer(...args: unknown[]): never;
  readonly Server: () => never;
  getCiphers(): string[];
  readonly rootCertificates: readonly string[];
  readonly DEFAULT_MIN_VERSION: TlsVersion;
  readonly DEFAULT_MAX_VERSION: TlsVersion;
  readonly DEFAULT_ECDH_CURVE: string;
  readonly DEFAULT_CIPHERS: string;
  readonly CLIENT_RENEG_LIMIT: number;
  readonly CLIENT_RENEG_WINDOW: number;
}

/** Creates the tls module whose sockets travel through `net`'s tunnel. */
export function createTls(net: NetModule): TlsModule {
  const source = net.Socket as unknown as { [TUNNEL]: unknown; [CONNECT_DEFAULTS]: unknown };
  // The tunnel and connect defaults are found through the constructor, as for net.Socket.
  class TunnelTLSSocket extends TLSSocket {}
  Object.assign(TunnelTLSSocket, { [TUNNEL]: source[TUNNEL], [CONNECT_DEFAULTS]: source[CONNECT_DEFAULTS] });

  function connect(...args: unknown[]): TLSSocket {
    // Node's normalizeConnectArgs: net's normalization, then the options object merged in.
    const [normalized, callback] = normalizeArgs(args) as unknown as [ConnectionOptions, ((...a: unknown[]) => void) | null];
    const options: ConnectionOptions = { ...normalized };
    if (args[1] !== null && typeof args[1] === 'object') Object.assign(options, args[1]);
    else if (args[2] !== null && typeof args[2] === 'object') Object.assign(options, args[2]);
    const socket = new TunnelTLSSocket(undefined, options);
    if (callback !== null) socket.once('secureConnect', callback);
    if (options.socket !== undefined && options.socket !== null) {
      socket._wrap(options.socket, options);
      return socket;
    }
    const host = typeof options.host === 'string' && options.host !== '' ? options.host : 'localhost';
    const hostname = typeof options.servername === 'string' && options.servername !== '' ? options.servername : host;
    socket._setTlsOptions(options, hostname);
    if (typeof options.timeout === 'number' && options.timeout > 0) socket.setTimeout(options.timeout);
    const { socket: _socket, secureContext: _context, ...netOptions } = options;
    // A missing port (and path) is connect()'s ERR_MISSING_ARGS, as in Node.
    socket.connect({ ...netOptions, host } as NetConnectOptions);
    return socket;
  }

  const unsupportedServer = (): never => {
    throw errFeatureUnavailable('tls.createServer (a page cannot terminate TLS; sockway originates TLS at the gateway)');
  };

  return {
    TLSSocket: TunnelTLSSocket,
    connect: connect as TlsModule['connect'],
    createSecureContext: (options: ConnectionOptions = {}) => ({ context: {}, [SECURE_OPTIONS]: { ...options } }),
    checkServerIdentity,
    createServer: unsupportedServer,
    Server: unsupportedServer,
    getCiphers: () => ['aes128-gcm-sha256', 'aes256-gcm-sha384', 'chacha20-poly1305', 'tls_aes_128_gcm_sha256', 'tls_aes_256_gcm_sha384', 'tls_chacha20_poly1305_sha256'],
    rootCertificates: Object.freeze([]),
    DEFAULT_MIN_VERSION: 'TLSv1.2',
    DEFAULT_MAX_VERSION: 'TLSv1.3',
    DEFAULT_ECDH_CURVE: 'auto',
    DEFAULT_CIPHERS: 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384',
    CLIENT_RENEG_LIMIT: 3,
    CLIENT_RENEG_WINDOW: 600,
  };
}

/**
 * Node's tls.checkServerIdentity(): DNS and IP subjectAltNames, one leading `*` label
 * for wildcards, the subject CN only when there is no DNS name. Errors are Node's.
 */
export function checkServerIdentity(hostname: string, cert: DetailedPeerCertificate): Error | undefined {
  const subject = cert.subject;
  const altNames = cert.subjectaltname ?? '';
  const dnsNames: string[] = [];
  const ips: string[] = [];
  const host = hostname.toLowerCase().replace(/\.$/, '');
  for (const name of altNames.split(', ')) {
    if (name.startsWith('DNS:')) dnsNames.push(name.slice(4).toLowerCase());
    else if (name.startsWith('IP Address:')) ips.push(name.slice(11).toLowerCase());
  }
  let valid = false;
  let reason = 'Unknown reason';
  if (isIP(hostname) !== 0) {
    valid = ips.includes(host);
    if (!valid) reason = `IP: ${hostname} is not in the cert's list: ${ips.join(', ')}`;
  } else if (dnsNames.length > 0 || subject?.['CN'] !== undefined) {
    const matches = (pattern: string): boolean => {
      if (pattern === host) return true;
      const [first, ...rest] = pattern.split('.');
      const [hostFirst, ...hostRest] = host.split('.');
      return first === '*' && rest.length >= 2 && hostRest.join('.') === rest.join('.') && hostFirst !== undefined && hostFirst !== '';
    };
    if (dnsNames.length > 0) {
      valid = dnsNames.some(matches);
      if (!valid) reason = `Host: ${hostname}. is not in the cert's altnames: ${altNames}`;
    } else {
      const cn = subject['CN'] as string | string[];
      valid = Array.isArray(cn) ? cn.some((one) => matches(one.toLowerCase())) : matches(cn.toLowerCase());
      if (!valid) reason = `Host: ${hostname}. is not cert's CN: ${String(cn)}`;
    }
  } else {
    reason = 'Cert does not contain a DNS name';
  }
  if (valid) return undefined;
  const error = codedError('ERR_TLS_CERT_ALTNAME_INVALID', `Hostname/IP does not match certificate's altnames: ${reason}`) as unknown as Error & { reason: string; host: string; cert: DetailedPeerCertificate };
  error.reason = reason;
  error.host = hostname;
  error.cert = cert;
  return error;
}

