/**
 * 'sockway/tls': a drop-in `tls` client module over the tunnel set by configure({ url })
 * from 'sockway'. Bundlers alias `tls` / `node:tls` here. TLS runs at the gateway: it
 * sees the plaintext (use `wss://`). tls.createServer throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
 */
import net from './net-entry.ts';
import { createTls } from './tls-module.ts';

const tls = createTls(net);

export const {
  TLSSocket,
  connect,
  createSecureContext,
  checkServerIdentity,
  createServer,
  Server,
  getCiphers,
  rootCertificates,
  DEFAULT_MIN_VERSION,
  DEFAULT_MAX_VERSION,
  DEFAULT_ECDH_CURVE,
  DEFAULT_CIPHERS,
  CLIENT_RENEG_LIMIT,
  CLIENT_RENEG_WINDOW,
} = tls;
export type { ConnectionOptions, DetailedPeerCertificate, SecureContext, TlsModule } from './tls-module.ts';
export default tls;
