/**
 * Who may open a session: the WebSocket upgrade's Origin (cross-site WebSocket
 * hijacking), the client's address (per-client limits; X-Forwarded-For only from a
 * trusted proxy), and the authentication hook that turns a request into a per-session
 * policy (built in: capability tokens, token.ts).
 */
import type { IncomingMessage } from 'node:http';
import { codedError } from '../shared/errors.ts';
import { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../shared/protocol.ts';
import { parseResolvedAddress } from './address.ts';
import type { PolicyCheck, PolicyOptions } from './policy.ts';
import { type TokenSecret, TokenError, tokenPolicy, verifyToken } from './token.ts';

/** What the authenticate hook is given about a WebSocket upgrade. */
export interface AuthRequest {
  /** The HTTP upgrade request (headers, url with its query, socket). */
  readonly request: IncomingMessage;
  /** The client's address: the socket's peer, or X-Forwarded-For's entry from a trusted proxy. */
  readonly clientAddress: string;
  /** The Origin header, if any (already checked against allowOrigins). */
  readonly origin: string | undefined;
  /** The credential offered as subprotocol `sockway.token.<token>` or query `?token=`, if any. */
  readonly token: string | undefined;
}

/** The authenticate hook's answer. */
export type AuthDecision =
  | {
      readonly accept: false;
      /** Sent to the page in the GOAWAY (so keep it free of secrets) and logged. Default 'authentication required'. */
      readonly reason?: string;
    }
  | {
      readonly accept: true;
      /** The session's own policy; the effective policy is its intersection with the gateway's. Default: the gateway's alone. */
      readonly policy?: PolicyCheck | PolicyOptions;
      /** Who this is, for the gateway's logs. */
      readonly subject?: string;
      /** ms since the epoch after which the session opens no new streams (and closes once it has none). */
      readonly expiresAt?: number;
    };

/** Decides whether an upgrade may become a session, and with which policy. May be async; a throw refuses. */
export type Authenticate = (request: AuthRequest) => AuthDecision | Promise<AuthDecision>;

/** Options of tokenAuthenticator(). */
export interface TokenAuthenticatorOptions {
  /** The secret (or secrets, during a rotation) tokens are signed with. */
  readonly secret: TokenSecret | readonly TokenSecret[];
  /** The audience this gateway accepts. Default 'sockway'. */
  readonly audience?: string;
  /** Seconds of clock skew to forgive on expiry. Default 0. */
  readonly clockTolerance?: number;
}

/** The built-in authenticate hook: a valid capability token is required; it grants its rules until it expires. */
export function tokenAuthenticator(options: TokenAuthenticatorOptions): Authenticate {
  // Fail at startup, not on the first request, for a bad secret.
  verifyTokenSecrets(options.secret);
  return ({ token }) => {
    try {
      const claims = verifyToken(token, {
        secret: options.secret,
        ...(options.audience === undefined ? {} : { audience: options.audience }),
        ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
      });
      return {
        accept: true,
        policy: tokenPolicy(claims),
        expiresAt: claims.expiresAt * 1000,
        ...(claims.subject === undefined ? {} : { subject: claims.subject }),
      };
    } catch (error) {
      if (error instanceof TokenError) return { accept: false, reason: error.message };
      throw error;
    }
  };
}

function verifyTokenSecrets(secret: TokenAuthenticatorOptions['secret']): void {
  try {
    verifyToken('', { secret });
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
  }
}

// ---- Origin ----

/**
 * Compiles an Origin allowlist: exact origins (`https://app.example.com`, default ports
 * dropped, case-insensitive), subdomain wildcards (`https://*.example.com`), `null`
 * (sandboxed frames, file:), or `*`. A request without Origin is not from a browser
 * page (browsers always send it on WebSocket upgrades) and is let through; the token
 * is what authenticates it. Throws ERR_INVALID_ARG_VALUE for a malformed entry.
 */
export function originMatcher(allowed: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (allowed === undefined) return () => true;
  if (!Array.isArray(allowed)) throw codedError('ERR_INVALID_ARG_VALUE', 'allowOrigins must be an array of origins');
  const exact = new Set<string>();
  const wildcards: { readonly scheme: string; readonly suffix: string; readonly port: string }[] = [];
  let any = false;
  for (const entry of allowed) {
    if (entry === '*') {
      any = true;
      continue;
    }
    if (entry === 'null') {
      exact.add('null');
      continue;
    }
    const wildcard = /^([a-z][a-z0-9+.-]*):\/\/\*\.([^/:]+)(?::(\d+))?$/i.exec(entry);
    if (wildcard !== null) {
      const [, scheme = '', host = '', port = ''] = wildcard;
      const probe = canonicalOrigin(`${scheme}://x.${host}${port === '' ? '' : `:${port}`}`);
      if (probe === undefined) throw codedError('ERR_INVALID_ARG_VALUE', `allowOrigins: ${JSON.stringify(entry)} is not a valid origin pattern`);
      const url = new URL(probe);
      wildcards.push({ scheme: url.protocol, suffix: `.${url.hostname.slice(2)}`, port: url.port });
      continue;
    }
    const origin = canonicalOrigin(entry);
    if (origin === undefined) throw codedError('ERR_INVALID_ARG_VALUE', `allowOrigins: ${JSON.stringify(entry)} is not an origin (scheme://host[:port])`);
    exact.add(origin);
  }
  return (origin) => {
    if (origin === undefined || any) return true;
    if (origin === 'null') return exact.has('null');
    const canonical = canonicalOrigin(origin);
    if (canonical === undefined) return false;
    if (exact.has(canonical)) return true;
    const url = new URL(canonical);
    return wildcards.some((w) => url.protocol === w.scheme && url.port === w.port && url.hostname.endsWith(w.suffix));
  };
}

/** `scheme://host[:port]` lower-cased without a default port; undefined for anything with a path, query or credentials. */
function canonicalOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '' && !/[?#]/.test(text);
    return url.origin === 'null' || !bare ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

// ---- client address ----

/**
 * The client's address. With `trustProxy` = N > 0 the gateway sits behind N proxies that
 * each append to X-Forwarded-For, so the client is the Nth entry from the right; fewer
 * entries (or an unparsable one) fall back to the socket's peer.
 */
export function clientAddressOf(request: IncomingMessage, trustProxy: number): string {
  const peer = request.socket.remoteAddress ?? '';
  if (trustProxy <= 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : header;
  if (typeof text !== 'string') return peer;
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const candidate = entries[entries.length - trustProxy];
  return candidate !== undefined && parseResolvedAddress(candidate) !== undefined ? candidate : peer;
}

// ---- subprotocols ----

/**
 * ws's handleProtocols: select `sockway` when offered, else the first offered protocol
 * that is not a credential (browsers fail a handshake that selects none of several
 * offered); a credential is never echoed back.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const protocol of protocols) if (!protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return protocol;
  return false;
}
