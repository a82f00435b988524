/**
 * Fair session admission: when the gateway holds its maximum of sessions, a client that
 * holds fewer than the biggest holder still gets in; the biggest holder's longest-idle
 * session without streams or listeners makes room. So idle sessions from a few clients
 * cannot lock everyone else out, and nothing in flight is lost to make room.
 */

/** A session as fair admission sees it. */
export interface EvictionCandidate {
  /** The client it counts against (address.ts clientKey). */
  readonly clientKey: string;
  /** It has no streams or listeners: ending it loses nothing in flight. */
  readonly evictable: boolean;
  /** ms since the epoch since which it has had no stream or listener. */
  readonly idleSince: number;
}

/**
 * The session to end so that a client holding `held` sessions can open one more, or
 * undefined when none may be: only clients holding at least two more than the newcomer
 * give one up (so the newcomer never ends up holding more than them: no ping-pong), the
 * biggest holders first, and of theirs the one idle the longest.
 */
export function pickEviction<T extends EvictionCandidate>(sessions: Iterable<T>, held: number): T | undefined {
  const byClient = new Map<string, { count: number; oldest: T | undefined }>();
  for (const session of sessions) {
    const entry = byClient.get(session.clientKey) ?? { count: 0, oldest: undefined };
    entry.count += 1;
    if (session.evictable && (entry.oldest === undefined || session.idleSince < entry.oldest.idleSince)) entry.oldest = session;
    byClient.set(session.clientKey, entry);
  }
  let victim: { count: number; oldest: T | undefined } | undefined;
  for (const entry of byClient.values()) {
    if (entry.oldest === undefined || entry.count < held + 2) continue;
    if (victim === undefined || entry.count > victim.count || (entry.count === victim.count && entry.oldest.idleSince < (victim.oldest as T).idleSince)) {
      victim = entry;
    }
  }
  return victim?.oldest;
}
