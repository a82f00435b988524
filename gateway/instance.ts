/**
 * One gateway among several behind a load balancer (docs/deployment.md): its instance id,
 * the tag its session ids start with (so a RESUME that reaches the wrong instance is told
 * so, not "unknown session"), and the route key a client puts in its WebSocket URLs
 * (ROUTE_PARAMETER), by which a draining instance still recognises its own sessions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { MAX_SESSION_ID_PREFIX } from '../shared/handshake.ts';
import { ROUTE_PARAMETER } from '../shared/protocol.ts';

/** What an instance id may be: a host or pod name, or any short token. */
export const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A route key as clients send it (the reference client: 16 hex digits); longer ones are ignored. */
const ROUTE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** This gateway instance. */
export interface Instance {
  /** The operator's name for it (--instance-id), or a random one. */
  readonly id: string;
  /** The first bytes of every session id it creates: SHA-256 of the id, cut to MAX_SESSION_ID_PREFIX. */
  readonly tag: Uint8Array;
  /** `tag` in hex, as logs and refusals show it. */
  readonly tagHex: string;
}

/** The instance named `id`, or one with a random name. */
export function createInstance(id: string = randomBytes(6).toString('hex')): Instance {
  const tag = new Uint8Array(createHash('sha256').update(`sockway-instance:${id}`).digest().subarray(0, MAX_SESSION_ID_PREFIX));
  return { id, tag, tagHex: Buffer.from(tag).toString('hex') };
}

/** The instance tag a session id carries (its first bytes), in hex. */
export function tagOfSession(sessionId: Uint8Array): string {
  return Buffer.from(sessionId.subarray(0, MAX_SESSION_ID_PREFIX)).toString('hex');
}

/** The route key of an upgrade request's URL (ROUTE_PARAMETER), if it has a well-formed one. */
export function routeKeyOf(url: string | undefined): string | undefined {
  const query = url?.indexOf('?') ?? -1;
  if (url === undefined || query === -1) return undefined;
  const key = new URLSearchParams(url.slice(query + 1)).get(ROUTE_PARAMETER);
  return key !== null && ROUTE_KEY.test(key) ? key : undefined;
}

/**
 * The refusal of a RESUME naming a session another instance created. It says only what
 * the id the client sent says (its tag), never whether that session is alive, so it tells
 * a prober nothing the unknown-session refusal hides.
 */
export function otherInstanceError(own: Instance, sessionTag: string): WireError {
  return wireError({
    code: SockwayErrorCode.ResumeFailed,
    message: `the session is not on this gateway instance: it was opened on the instance tagged ${sessionTag}, this is ${own.tagHex}. `
      + `The load balancer sent its resume to another instance (route every WebSocket of a session by the ${ROUTE_PARAMETER} query parameter, `
      + 'see docs/deployment.md), or that instance has stopped or restarted',
  });
}
