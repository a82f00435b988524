/**
 * STARTTLS at the gateway: the STARTTLS frame's options as a secure context (built, and
 * refused, before the socket changes hands) and node:tls.connect() options, and the
 * finished handshake as a SECURED frame. The bridge (tcp-bridge.ts) owns the socket swap.
 * @see PROTOCOL.md#starttls
 */
import { createPrivateKey } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { PeerCertificate, SecuredFrame, TlsOptions } from '../shared/frame.ts';
import { type KeyRefusal, checkKeyCost, checkKeyDerivation } from './tls-key-check.ts';

/** A STARTTLS the gateway refuses before node:tls sees it (tls-key-check.ts): `code` is the RESET's. */
export class TlsRefusal extends Error {
  override readonly name = 'TlsRefusal';
  readonly code: KeyRefusal['code'];

  constructor(refusal: KeyRefusal) {
    super(refusal.message);
    this.code = refusal.code;
  }
}

/**
 * The secure context of a STARTTLS: everything in the page's options that node:tls could
 * refuse (cipher list, PEM text, key, passphrase) is parsed here, so a refusal throws
 * (Node's error, or a TlsRefusal) while the plain socket is still the bridge's. The key is
 * checked (tls-key-check.ts), decrypted once, checked again, and handed on unencrypted, so
 * OpenSSL never derives a key the gateway did not bound, and never twice.
 */
export function secureContextOf(options: TlsOptions): tls.SecureContext {
  let key: string | undefined;
  if (options.key !== '') {
    const derivation = checkKeyDerivation(options.key);
    if (derivation !== null) throw new TlsRefusal(derivation);
    // node:tls passes an absent passphrase to OpenSSL as an empty one; so does this.
    const object = createPrivateKey({ key: options.key, format: 'pem', passphrase: options.passphrase });
    const cost = checkKeyCost(object);
    if (cost !== null) throw new TlsRefusal(cost);
    key = object.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  return tls.createSecureContext({
    ...(options.minVersion === '' ? {} : { minVersion: options.minVersion }),
    ...(options.maxVersion === '' ? {} : { maxVersion: options.maxVersion }),
    ...(options.ciphers === '' ? {} : { ciphers: options.ciphers }),
    ...(options.ca === '' ? {} : { ca: options.ca }),
    ...(options.cert === '' ? {} : { cert: options.cert }),
    ...(key === undefined ? {} : { key }),
  });
}

/** node:tls.connect() options wrapping `socket` as the page asked, with its prebuilt secure context. */
export function tlsConnectOptions(socket: net.Socket, options: TlsOptions, secureContext: tls.SecureContext): tls.ConnectionOptions & { allowHalfOpen: boolean } {
  return {
    socket,
    secureContext,
    // The page half-closes TLS streams as it does TCP ones.
    allowHalfOpen: true,
    rejectUnauthorized: options.rejectUnauthorized,
    // The page's hostname, as Node's tls.connect() picks it (servername || host || 'localhost');
    // or none when the page runs its own checkServerIdentity on the SECURED certificate.
    checkServerIdentity: (_host, cert) => (options.checkIdentity ? tls.checkServerIdentity(options.hostname, cert) : undefined),
    // RFC 6066: SNI carries host names only.
    ...(options.servername !== '' && net.isIP(options.servername) === 0 ? { servername: options.servername } : {}),
    ...(options.alpnProtocols.length > 0 ? { ALPNProtocols: [...options.alpnProtocols] } : {}),
  };
}

const str8 = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 255) : '');
/** Largest DER certificate sent along (the whole SECURED frame must fit MAX_FRAME_LENGTH). */
const MAX_RAW = 48 * 1024;

function names(object: unknown): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  if (typeof object !== 'object' || object === null) return out;
  for (const [name, value] of Object.entries(object as Record<string, unknown>)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string' && out.length < 255) out.push([str8(name), one.slice(0, 4096)]);
    }
  }
  return out;
}

/** The travelling subset of getPeerCertificate(); null when the peer sent none. */
export function peerCertificateOf(socket: tls.TLSSocket): PeerCertificate | null {
  const cert = socket.getPeerCertificate(false) as Partial<tls.PeerCertificate> | null;
  if (cert === null || Object.keys(cert).length === 0) return null;
  const raw = cert.raw instanceof Uint8Array && cert.raw.length <= MAX_RAW ? new Uint8Array(cert.raw) : new Uint8Array(0);
  return {
    subject: names(cert.subject),
    issuer: names(cert.issuer),
    validFrom: str8(cert.valid_from),
    validTo: str8(cert.valid_to),
    serialNumber: str8(cert.serialNumber),
    fingerprint: str8(cert.fingerprint),
    fingerprint256: str8(cert.fingerprint256),
    fingerprint512: str8((cert as { fingerprint512?: unknown }).fingerprint512),
    subjectAltName: typeof cert.subjectaltname === 'string' ? cert.subjectaltname.slice(0, 8192) : '',
    raw,
  };
}

/** What SECURED reports of a finished handshake. */
export function securedOf(socket: tls.TLSSocket): Omit<SecuredFrame, 'type' | 'streamId'> {
  const cipher = socket.getCipher() as Partial<tls.CipherNameAndProtocol> | null;
  const authorized = socket.authorized === true;
  const reason = (socket as { authorizationError?: unknown }).authorizationError;
  return {
    authorized,
    authorizationError: authorized ? '' : str8(reason instanceof Error ? (reason as { code?: unknown }).code ?? reason.message : reason) || 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    protocol: str8(socket.getProtocol()),
    alpnProtocol: str8(socket.alpnProtocol),
    cipher: { name: str8(cipher?.name), standardName: str8(cipher?.standardName), version: str8(cipher?.version) },
    peerCertificate: peerCertificateOf(socket),
  };
}
