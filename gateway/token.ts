/**
 * Capability tokens: what a web application's backend hands its page so that the page
 * may use the gateway, for a while, and only for what the token names.
 *
 *   sockway1.<claims>.<signature>
 *     claims     base64url(JSON): {"aud","exp","iat"?,"sub"?,"connect"?,"listen"?}
 *     signature  base64url(HMAC-SHA-256(secret, "sockway1." + claims)), 43 characters
 *
 * Deliberately not a JWT: there is no algorithm field to trust (no "alg": "none", no
 * key confusion); the `sockway1` prefix is the version and is signed. Every character is
 * in [A-Za-z0-9._-], so a token is a valid WebSocket subprotocol and URL query value.
 * The gateway verifies the signature in constant time before it parses anything, and
 * never logs a token. @see SECURITY.md
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SockwayErrorCode, captureStack, codedError } from '../shared/errors.ts';
import { TOKEN_SUBPROTOCOL_PREFIX } from '../shared/protocol.ts';
import { type Policy, createPolicy, parseRule } from './policy.ts';

/** A signing secret: at least 32 bytes (a string counts its UTF-8 bytes). */
export type TokenSecret = string | Uint8Array;

/** What a verified token grants. */
export interface TokenClaims {
  /** The gateway (or gateways) the token is for. */
  readonly audience: string;
  /** Expiry, in seconds since the epoch (JWT's `exp`). */
  readonly expiresAt: number;
  /** Issue time, in seconds since the epoch, when given. */
  readonly issuedAt?: number;
  /** Who the token was issued to, for the gateway's logs. */
  readonly subject?: string;
  /** HOST:PORT rules the page may connect to (intersected with the gateway's). */
  readonly connect: readonly string[];
  /** HOST:PORT rules the page may listen on (intersected with the gateway's). */
  readonly listen: readonly string[];
}

/** Options of issueToken(). */
export interface IssueTokenOptions {
  readonly secret: TokenSecret;
  /** Default 'sockway'; give each gateway (or group sharing a secret) its own. */
  readonly audience?: string;
  /** Lifetime in seconds. Default 300. */
  readonly expiresIn?: number;
  readonly subject?: string;
  /** HOST:PORT rules to grant for connecting, e.g. ['db.internal:5432']. */
  readonly connect?: readonly string[];
  /** HOST:PORT rules to grant for listening, e.g. ['0.0.0.0:8000-8099']. */
  readonly listen?: readonly string[];
  /** The current time in ms since the epoch (tests). Default Date.now(). */
  readonly now?: number;
}

/** Options of verifyToken(). */
export interface VerifyTokenOptions {
  /** The secret, or several during a rotation (any may have signed the token). */
  readonly secret: TokenSecret | readonly TokenSecret[];
  /** The audience this gateway accepts. Default 'sockway'. */
  readonly audience?: string;
  /** Seconds of clock skew to forgive on expiry. Default 0. */
  readonly clockTolerance?: number;
  /** The current time in ms since the epoch (tests). Default Date.now(). */
  readonly now?: number;
}

/** Why a token was refused. */
export type TokenFailure = 'missing' | 'malformed' | 'signature' | 'claims' | 'expired' | 'audience';

/** A refused token. `code` is always SOCKWAY_ERR_UNAUTHORIZED; `reason` says why. */
export class TokenError extends Error {
  readonly code = SockwayErrorCode.Unauthorized;
  readonly reason: TokenFailure;

  constructor(reason: TokenFailure, message: string) {
    super(message);
    this.name = 'TokenError';
    this.reason = reason;
    captureStack(this, TokenError);
  }
}

export const TOKEN_PREFIX = 'sockway1';
export const DEFAULT_TOKEN_AUDIENCE = 'sockway';
/** Longest token accepted: it travels in an HTTP header. */
export const MAX_TOKEN_LENGTH = 4096;
const MIN_SECRET_BYTES = 32;
const MAX_RULES = 64;
const MAX_TEXT = 256;
const DEFAULT_LIFETIME_S = 300;
const SIGNATURE_CHARS = 43; // 32 bytes of base64url without padding
const TOKEN_SHAPE = /^sockway1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;
const CLAIM_KEYS = new Set(['aud', 'exp', 'iat', 'sub', 'connect', 'listen']);

/**
 * Issues a token for a page. Call it in the web application's backend (never in the
 * page: the secret must not leave the server) and hand the result to createTunnel({ token }).
 * Throws for a short secret, invalid rules or an oversized token.
 */
export function issueToken(options: IssueTokenOptions): string {
  const key = secretBytes(options.secret, 'secret');
  const now = options.now ?? Date.now();
  const expiresIn = options.expiresIn ?? DEFAULT_LIFETIME_S;
  if (!Number.isInteger(expiresIn) || expiresIn < 1) throw codedError('ERR_INVALID_ARG_VALUE', `expiresIn must be a whole number of seconds >= 1, got ${String(expiresIn)}`);
  const audience = checkText(options.audience ?? DEFAULT_TOKEN_AUDIENCE, 'audience');
  const iat = Math.floor(now / 1000);
  const claims: Record<string, unknown> = { aud: audience, exp: iat + expiresIn, iat };
  if (options.subject !== undefined) claims['sub'] = checkText(options.subject, 'subject');
  if (options.connect !== undefined) claims['connect'] = checkRules(options.connect, 'connect');
  if (options.listen !== undefined) claims['listen'] = checkRules(options.listen, 'listen');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const token = `${TOKEN_PREFIX}.${body}.${sign(key, `${TOKEN_PREFIX}.${body}`).toString('base64url')}`;
  if (token.length > MAX_TOKEN_LENGTH) throw codedError('ERR_INVALID_ARG_VALUE', `the token would be ${token.length} characters, more than ${MAX_TOKEN_LENGTH}: grant fewer rules`);
  return token;
}

/**
 * Verifies a token: shape, then the signature (constant time, before anything in the
 * token is parsed), then the claims, expiry and audience. Returns the claims or throws
 * a TokenError whose `reason` says which check failed.
 */
export function verifyToken(token: unknown, options: VerifyTokenOptions): TokenClaims {
  const secrets = (Array.isArray(options.secret) ? options.secret : [options.secret]) as readonly TokenSecret[];
  if (secrets.length === 0) throw codedError('ERR_INVALID_ARG_VALUE', 'verifyToken needs at least one secret');
  const keys = secrets.map((secret) => secretBytes(secret, 'secret'));
  if (typeof token !== 'string' || token === '') throw new TokenError('missing', 'no token');
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('malformed', 'the token is too long');
  const shape = TOKEN_SHAPE.exec(token);
  if (shape === null) throw new TokenError('malformed', 'the token is not a sockway1 token');
  const [, body = '', signatureText = ''] = shape;
  const given = Buffer.from(signatureText, 'base64url');
  if (given.length !== 32 || signatureText.length !== SIGNATURE_CHARS || given.toString('base64url') !== signatureText) {
    throw new TokenError('malformed', 'the token signature is not canonical base64url');
  }
  let valid = false;
  for (const key of keys) {
    // No early exit: every secret costs the same whichever matched.
    if (timingSafeEqual(sign(key, `${TOKEN_PREFIX}.${body}`), given)) valid = true;
  }
  if (!valid) throw new TokenError('signature', 'the token signature is invalid');

  const claims = parseClaims(body);
  const now = options.now ?? Date.now();
  const tolerance = options.clockTolerance ?? 0;
  if (now >= (claims.expiresAt + tolerance) * 1000) throw new TokenError('expired', 'the token has expired');
  if (claims.audience !== (options.audience ?? DEFAULT_TOKEN_AUDIENCE)) {
    throw new TokenError('audience', 'the token is for another gateway (audience mismatch)');
  }
  return claims;
}

/** The policy a token grants: its connect and listen rules, deny by default. */
export function tokenPolicy(claims: TokenClaims): Policy {
  return createPolicy({ allow: claims.connect, listen: { allow: claims.listen } });
}

/**
 * The credential a WebSocket upgrade carries: the offered subprotocol
 * `sockway.token.<token>`, else the `token` query parameter. Undefined if none.
 */
export function credentialOf(request: IncomingMessage): string | undefined {
  const offered = request.headers['sec-websocket-protocol'];
  if (typeof offered === 'string') {
    for (const protocol of offered.split(',')) {
      const name = protocol.trim();
      if (name.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return name.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    }
  }
  const url = request.url ?? '';
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  const value = new URLSearchParams(url.slice(query + 1)).get('token');
  return value === null || value === '' ? undefined : value;
}

function parseClaims(body: string): TokenClaims {
  let raw: unknown;
  try {
    const text = Buffer.from(body, 'base64url');
    if (text.toString('base64url') !== body) throw new Error('not canonical');
    raw = JSON.parse(text.toString('utf8'));
  } catch {
    throw new TokenError('claims', 'the token claims are not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TokenError('claims', 'the token claims are not an object');
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!CLAIM_KEYS.has(key)) throw new TokenError('claims', `the token has an unknown claim ${JSON.stringify(key.slice(0, 32))}`);
  }
  const { aud, exp, iat, sub, connect, listen } = record;
  if (typeof aud !== 'string' || aud === '' || aud.length > MAX_TEXT) throw new TokenError('claims', 'the token audience is missing or invalid');
  if (!isSeconds(exp)) throw new TokenError('claims', 'the token expiry is missing or invalid');
  if (iat !== undefined && !isSeconds(iat)) throw new TokenError('claims', 'the token issue time is invalid');
  if (sub !== undefined && (typeof sub !== 'string' || sub.length > MAX_TEXT)) throw new TokenError('claims', 'the token subject is invalid');
  return {
    audience: aud,
    expiresAt: exp,
    ...(iat === undefined ? {} : { issuedAt: iat as number }),
    ...(sub === undefined ? {} : { subject: sub }),
    connect: claimRules(connect, 'connect'),
    listen: claimRules(listen, 'listen'),
  };
}

function claimRules(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_RULES) throw new TokenError('claims', `the token's ${name} rules are invalid`);
  for (const rule of value) {
    try {
      if (typeof rule !== 'string') throw new Error('not a string');
      parseRule(rule);
    } catch {
      throw new TokenError('claims', `the token has an invalid ${name} rule`);
    }
  }
  return Object.freeze([...(value as string[])]);
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 253_402_300_799; // year 9999
}

function sign(key: Uint8Array, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function secretBytes(secret: TokenSecret, name: string): Uint8Array {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? secret : undefined;
  if (bytes === undefined || bytes.length < MIN_SECRET_BYTES) {
    throw codedError('ERR_INVALID_ARG_VALUE', `${name} must be at least ${MIN_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return bytes;
}

function checkText(value: unknown, name: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value === '' || value.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(value)) {
    throw codedError('ERR_INVALID_ARG_VALUE', `${name} must be a non-empty string of at most ${MAX_TEXT} characters without control characters`);
  }
  return value;
}

function checkRules(rules: readonly string[], name: string): string[] {
  if (!Array.isArray(rules) || rules.length > MAX_RULES) throw codedError('ERR_INVALID_ARG_VALUE', `${name} must be an array of at most ${MAX_RULES} HOST:PORT rules`);
  return rules.map((rule) => parseRule(rule).text);
}
