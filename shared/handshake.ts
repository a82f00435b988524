/**
 * The checks of the handshake (PROTOCOL.md#handshake): which version HELLO and WELCOME
 * settle on, whether the peer's limits are valid, and the gateway's fresh session id.
 */
import { type WireError, ProtocolError, SockwayErrorCode, wireError } from './errors.ts';
import { type Limits, MIN_PROTOCOL_VERSION, SESSION_ID_LENGTH, resolveLimits } from './protocol.ts';

/** Gateway: the version a HELLO offering `minVersion`..`maxVersion` gets, or why none (GOAWAY). */
export function negotiateVersion(minVersion: number, maxVersion: number, ourMax: number): number | WireError {
  const version = Math.min(maxVersion, ourMax);
  if (version >= Math.max(minVersion, MIN_PROTOCOL_VERSION)) return version;
  return wireError({
    code: SockwayErrorCode.Version,
    message: `no common protocol version: client speaks ${minVersion}-${maxVersion}, gateway ${MIN_PROTOCOL_VERSION}-${ourMax}`,
  });
}

/** Client: WELCOME's version must be one this side offered. */
export function checkChosenVersion(version: number, ourMax: number): ProtocolError | null {
  if (version >= MIN_PROTOCOL_VERSION && version <= ourMax) return null;
  return new ProtocolError(SockwayErrorCode.Version, `gateway chose protocol version ${version}, client speaks ${MIN_PROTOCOL_VERSION}-${ourMax}`);
}

/** The limits the peer announced, validated. */
export function checkPeerLimits(limits: Limits): Limits | ProtocolError {
  try {
    return resolveLimits(limits);
  } catch (error) {
    return new ProtocolError(SockwayErrorCode.Protocol, `peer announced invalid limits: ${(error as Error).message}`);
  }
}

/** Web Crypto randomness, present in browsers and Node >= 19. */
export function defaultRandomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes);
  return bytes;
}

/** The longest session id prefix a gateway may choose: the rest, at least 96 bits, is random. */
export const MAX_SESSION_ID_PREFIX = 4;

/**
 * Gateway: a new session's id and first resume token (WELCOME), in that order. The id
 * starts with `prefix` (the instance tag of a gateway behind a load balancer,
 * PROTOCOL.md#resume); the token is random whole.
 */
export function newSessionSecrets(random: (length: number) => Uint8Array, prefix: Uint8Array = new Uint8Array(0)): { sessionId: Uint8Array; resumeToken: Uint8Array } {
  const sessionId = random(SESSION_ID_LENGTH);
  sessionId.set(prefix.subarray(0, MAX_SESSION_ID_PREFIX));
  return { sessionId, resumeToken: random(SESSION_ID_LENGTH) };
}
