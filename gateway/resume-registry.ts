/**
 * Sessions a client may resume (PROTOCOL.md#resume): every handshaken session by its id,
 * the grace period of those whose WebSocket dropped, RESUME on a new WebSocket, and
 * ending detached sessions when the memory budget needs what they hold. This is the
 * gateway's only contact with the session's resumption machinery: the token check
 * (constant time, current token or the previous one once, so one token never resumes a
 * session twice) and the replay are Session.resumeWith()'s.
 */
import { createHash } from 'node:crypto';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { ResumeFrame } from '../shared/frame.ts';
import { RESUME_REFUSED, type SessionOptions } from '../shared/session.ts';
import { CloseCode, type MessageTransport } from '../shared/transport.ts';
import { GOING_AWAY } from './admission.ts';
import type { Connection } from './connection.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { GatewayMetrics } from './metrics.ts';
import { type Instance, otherInstanceError, tagOfSession } from './instance.ts';

/** Options of a ResumeRegistry. */
export interface ResumeRegistryOptions {
  /** ms a detached session waits for its client; 0 = no resumption (protocol version 1). */
  readonly gracePeriod: number;
  /** Hard cap on a session's replay buffer in bytes; undefined = the session's default. */
  readonly maxReplayBytes: number | undefined;
  /** What all sessions hold towards pages. */
  readonly memory: MemoryBudget;
  /** The gateway's live connections. */
  readonly connections: () => Iterable<Connection>;
  /** This gateway among several: its session ids carry its tag. */
  readonly instance: Instance;
  readonly closing: () => boolean;
  readonly metrics: Pick<GatewayMetrics, 'sessionRefused'>;
}

/** The resumption counters of gateway.stats(). */
export interface ResumeStats {
  readonly detachedSessions: number;
  readonly replayBytes: number;
  readonly replayPeak: number;
  readonly resumes: number;
  /** Grace timers pending. */
  readonly timers: number;
}

/** The session option names resumption sets. */
type ResumeSessionOptions = Pick<SessionOptions, 'resumable' | 'maxReplayBytes' | 'onDetach' | 'onResume' | 'onResumeRequest' | 'sessionIdPrefix'>;

/** The gateway's resumable sessions. */
export class ResumeRegistry {
  readonly #options: ResumeRegistryOptions;
  /** Handshaken sessions by hex session id, for RESUME. */
  readonly #bySessionId = new Map<string, Connection>();
  /** The same sessions by the route key of the WebSocket that opened them, where it had one. */
  readonly #byRouteKey = new Map<string, Connection>();
  /** Running while a session is detached: they end it when the client does not resume. */
  readonly #graceTimers = new Map<Connection, NodeJS.Timeout>();
  #resumes = 0;
  #replayPeak = 0;
  #relieving = false;

  constructor(options: ResumeRegistryOptions) {
    this.#options = options;
  }

  /** The resumption part of the Session options of `connection`, a new WebSocket's. */
  sessionOptions(connection: Connection): ResumeSessionOptions {
    const { gracePeriod, maxReplayBytes } = this.#options;
    return {
      resumable: gracePeriod > 0,
      sessionIdPrefix: this.#options.instance.tag,
      ...(maxReplayBytes === undefined ? {} : { maxReplayBytes }),
      // The owner is the connection the session belongs to, whichever WebSocket carries it.
      onDetach: (info) => this.#detach(connection, info.code),
      onResume: () => {
        this.#resumes += 1;
      },
      // RESUME on this new WebSocket: it takes over the named session.
      onResumeRequest: (frame, transport) => this.#resume(connection, frame, transport),
    };
  }

  /** The session of `connection` finished its handshake: RESUME may name it from now on. */
  register(connection: Connection): void {
    this.#bySessionId.set(idOf(connection), connection);
    if (connection.routeKey !== undefined) this.#byRouteKey.set(connection.routeKey, connection);
  }

  /** True when `routeKey` names a live session of this gateway: a draining gateway still lets its resumes in. */
  holdsRoute(routeKey: string): boolean {
    return this.#byRouteKey.has(routeKey);
  }

  /** The session of `connection` is over. */
  forget(connection: Connection): void {
    const id = idOf(connection);
    if (this.#bySessionId.get(id) === connection) this.#bySessionId.delete(id);
    if (connection.routeKey !== undefined && this.#byRouteKey.get(connection.routeKey) === connection) this.#byRouteKey.delete(connection.routeKey);
    this.#replayPeak = Math.max(this.#replayPeak, connection.session.sessionStats().replayPeak);
    this.#stopGraceTimer(connection);
  }

  /** True while the session of `connection` waits for a new WebSocket (or is resuming). */
  isDetached(connection: Connection): boolean {
    return connection.session.detached;
  }

  stats(): ResumeStats {
    let detachedSessions = 0;
    let replayBytes = 0;
    for (const connection of this.#options.connections()) {
      const reliability = connection.session.sessionStats();
      if (reliability.detached) detachedSessions += 1;
      replayBytes += reliability.replayBytes;
      this.#replayPeak = Math.max(this.#replayPeak, reliability.replayPeak);
    }
    return { detachedSessions, replayBytes, replayPeak: this.#replayPeak, resumes: this.#resumes, timers: this.#graceTimers.size };
  }

  /**
   * The memory budget is used up (a session had to stop reading). Sessions waiting to
   * resume cannot acknowledge anything, so what they hold beyond their reserve is stuck
   * until their client returns: they are ended first, largest first, until there is room.
   * Live sessions come before resumability; the client learns it on RESUME.
   */
  relievePressure(): void {
    if (this.#relieving) return;
    this.#relieving = true;
    // Not from inside the session that asked (its write() is on the stack).
    queueMicrotask(() => {
      this.#relieving = false;
      const memory = this.#options.memory;
      const detached = [...this.#options.connections()]
        .filter((connection) => connection.session.detached && connection.session.state === 'open')
        .map((connection) => ({ connection, held: connection.session.sessionStats().replayBytes + queuedOf(connection) }))
        .filter(({ held }) => held > memory.reserve)
        .sort((a, b) => b.held - a.held);
      for (const { connection, held } of detached) {
        if (memory.hasRoom) break;
        connection.log({ level: 'warn', event: 'memory-pressure', heldBytes: held, budget: memory.limit, action: 'end-detached' });
        connection.session.close(
          wireError({ code: SockwayErrorCode.ResumeFailed, message: 'the gateway needed the memory this session held while it waited to be resumed' }),
          CloseCode.GoingAway,
        );
      }
    });
  }

  /**
   * A RESUME arrived on `fresh`'s new WebSocket. Finds the session it names and lets it
   * check the token and take the WebSocket over (`transport`); `fresh` then hands its
   * WebSocket to that session's connection. Null on success, or why not (answered with GOAWAY).
   */
  #resume(fresh: Connection, frame: ResumeFrame, transport: MessageTransport): WireError | null {
    const { closing, metrics, instance } = this.#options;
    const target = this.#bySessionId.get(Buffer.from(frame.sessionId).toString('hex'));
    const sessionTag = tagOfSession(frame.sessionId);
    if (target === undefined && sessionTag !== instance.tagHex) {
      fresh.log({ level: 'warn', event: 'resume-refused', reason: 'another instance\'s session', sessionInstanceTag: sessionTag, instance: instance.id, instanceTag: instance.tagHex });
      metrics.sessionRefused('resume_failed');
      return otherInstanceError(instance, sessionTag);
    }
    // Draining, a session that was waiting for its client may still be resumed: it then drains.
    if (target === undefined || target === fresh || (closing() && !target.detached)) {
      const reason = closing() ? GOING_AWAY.message : RESUME_REFUSED;
      fresh.log({ level: 'warn', event: 'resume-refused', reason });
      metrics.sessionRefused('resume_failed');
      return wireError({ code: SockwayErrorCode.ResumeFailed, message: reason });
    }
    const refused = target.session.resumeWith(transport, frame);
    if (refused !== null) {
      fresh.log({ level: 'warn', event: 'resume-refused', reason: refused.message });
      metrics.sessionRefused('resume_failed');
      return refused;
    }
    this.#stopGraceTimer(target);
    fresh.handOver(target);
    target.log({ level: 'info', event: 'session-resumed', on: fresh.id });
    // After WELCOME and the replay: the GOAWAY of the drain it missed.
    if (closing()) queueMicrotask(() => target.drain());
    return null;
  }

  /** The WebSocket of a resumable session dropped: keep it for the grace period. */
  #detach(connection: Connection, code: number): void {
    const { gracePeriod } = this.#options;
    connection.log({ level: 'info', event: 'session-detached', code, graceMs: gracePeriod });
    if (this.#options.closing()) {
      connection.session.close(GOING_AWAY, CloseCode.GoingAway);
      return;
    }
    // Close code 1001 from the client is the browser's own as a page or worker goes away
    // (tab closed, navigation): nobody will resume, so its TCP sockets go now, not after the
    // grace period. (A dropped link shows as 1006; the tunnel never sends 1001.)
    if (code === CloseCode.GoingAway) {
      connection.session.close(wireError({ code: SockwayErrorCode.GoingAway, message: 'the client went away (its page or worker closed)' }), CloseCode.GoingAway);
      return;
    }
    if (this.#graceTimers.has(connection)) return;
    const timer = setTimeout(() => {
      this.#graceTimers.delete(connection);
      connection.log({ level: 'info', event: 'session-resume-timeout', graceMs: gracePeriod });
      connection.session.close(
        wireError({ code: SockwayErrorCode.ResumeFailed, message: `the client did not resume the session within ${gracePeriod} ms` }),
        CloseCode.GoingAway,
      );
    }, gracePeriod);
    timer.unref();
    this.#graceTimers.set(connection, timer);
  }

  /** Ends the wait for a detached session's client (it resumed, or the session is over). */
  #stopGraceTimer(connection: Connection): void {
    const timer = this.#graceTimers.get(connection);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#graceTimers.delete(connection);
  }
}

/** The loggable stand-in for a session id: never the id itself, which would let a log reader resume it. */
export function sessionTag(sessionId: Uint8Array): string {
  if (sessionId.length === 0) return '';
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
}

function idOf(connection: Connection): string {
  return Buffer.from(connection.session.sessionId).toString('hex');
}

/** Bytes a session's streams have queued towards its page. */
function queuedOf(connection: Connection): number {
  let queued = 0;
  for (const stream of connection.session.streams()) queued += stream.queuedBytes;
  return queued;
}
