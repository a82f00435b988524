/**
 * The gateway's file-descriptor budget: how many of the process's descriptors (soft
 * RLIMIT_NOFILE) may go to HTTP connections (pending upgrades and WebSockets) and to TCP
 * sockets for streams and listeners, and the ledger that keeps one client from taking
 * them all. Without it a flood (half-sent upgrades, OPENs to a blackholed destination)
 * ends in EMFILE for everyone; with it the flood gets SOCKWAY_ERR_LIMIT and the rest of
 * the descriptors stay free for other clients. @see SECURITY.md#limits
 *
 *   fd limit L ─┬─ headroom      max(64, L/10)   never handed out: stdio, epoll, DNS, files, slack
 *               ├─ connections   L/5             server.maxConnections (gateway.listen())
 *               └─ TCP sockets   the rest, 0.7 L streams and listeners, all clients
 *                    ├─ per client   max(64, 1/16 of it)
 *                    └─ reserve      its last 1/8: only for clients holding < 16 (a new session's first OPENs)
 */
import { readFileSync } from 'node:fs';

/** The soft descriptor limit assumed where /proc/self/limits cannot be read (not Linux). */
export const FALLBACK_FD_LIMIT = 1024;

/** Clients holding fewer TCP sockets than this may use the reserve. */
export const LIGHT_CLIENT_SOCKETS = 16;

/** Caps derived from a descriptor limit (fdCaps()). */
export interface FdCaps {
  /** HTTP connections at once on the gateway's own server: pending upgrades and WebSockets. */
  readonly maxConnections: number;
  /** TCP sockets (streams, listeners) at once, all clients together. */
  readonly maxTcpSockets: number;
  /** TCP sockets at once per client (clientKey: an IPv4 address or an IPv6 /56, ipv6ClientPrefix). */
  readonly maxTcpSocketsPerClient: number;
}

/**
 * The process's soft RLIMIT_NOFILE, from /proc/self/limits ("Max open files"). Node
 * raises the soft limit to the hard one at startup, so this is what the gateway has.
 * FALLBACK_FD_LIMIT when it cannot be read; `unlimited` counts as 2^20.
 */
export function softFdLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number {
  try {
    const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(read());
    if (match === null) return FALLBACK_FD_LIMIT;
    if (match[1] === 'unlimited') return 1 << 20;
    const limit = Number(match[1]);
    return Number.isSafeInteger(limit) && limit > 0 ? limit : FALLBACK_FD_LIMIT;
  } catch {
    return FALLBACK_FD_LIMIT;
  }
}

/** The default caps for a descriptor limit (the formula in the module comment). */
export function fdCaps(fdLimit: number): FdCaps {
  const headroom = Math.max(64, Math.floor(fdLimit / 10));
  const maxConnections = Math.max(16, Math.floor(fdLimit / 5));
  const maxTcpSockets = Math.max(16, fdLimit - headroom - maxConnections);
  return { maxConnections, maxTcpSockets, maxTcpSocketsPerClient: Math.max(64, Math.floor(maxTcpSockets / 16)) };
}

/** The outcome of FdBudget.take(): a lease to release once the socket is gone, or which cap refused it. */
export type FdTake =
  | { readonly ok: true; readonly release: () => void }
  | { readonly ok: false; readonly full: 'gateway' | 'client' };

/**
 * Counts the TCP sockets the gateway holds, in total and per client. A socket is taken
 * before it is dialed (or bound) and released when its bridge is done; the last eighth of
 * the total is kept for clients holding fewer than LIGHT_CLIENT_SOCKETS, so heavy clients
 * that filled the rest do not keep a new session from opening its first streams.
 */
export class FdBudget {
  readonly max: number;
  readonly perClient: number;
  /** Sockets at the top of `max` only light clients may take. */
  readonly reserve: number;
  #total = 0;
  readonly #byClient = new Map<string, number>();

  constructor(max: number, perClient: number) {
    this.max = max;
    this.perClient = perClient;
    this.reserve = Math.floor(max / 8);
  }

  /** Sockets held now, all clients together. */
  get total(): number {
    return this.#total;
  }

  /** Sockets `key` holds now. */
  held(key: string): number {
    return this.#byClient.get(key) ?? 0;
  }

  /** One more socket for `key`, if the caps allow it. */
  take(key: string): FdTake {
    const own = this.held(key);
    if (own >= this.perClient) return { ok: false, full: 'client' };
    if (this.#total >= this.max) return { ok: false, full: 'gateway' };
    if (this.#total >= this.max - this.reserve && own >= LIGHT_CLIENT_SOCKETS) return { ok: false, full: 'gateway' };
    return { ok: true, release: this.charge(key) };
  }

  /**
   * Counts a socket that exists already (a listener accepted it) whatever the caps say,
   * so that it weighs on its client's later OPENs. Returns its release (idempotent).
   */
  charge(key: string): () => void {
    this.#total += 1;
    this.#byClient.set(key, this.held(key) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#total -= 1;
      const left = this.held(key) - 1;
      if (left <= 0) this.#byClient.delete(key);
      else this.#byClient.set(key, left);
    };
  }
}
