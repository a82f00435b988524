/**
 * Bounds on the gateway's own server (gateway.listen()) before a connection is a session:
 * the per-client limits apply only once an upgrade's headers are complete, so a client that
 * opens connections and never finishes its request (slowloris) is bounded here, by a cap
 * per peer address on connections still sending their request, a short header deadline,
 * an idle deadline for connections that send nothing, and server.maxConnections.
 * @see SECURITY.md#limits
 */
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { clientKey } from './address.ts';

/**
 * http.createServer() options for a request deadline of `timeout` ms (headersTimeout and
 * requestTimeout). Node checks the deadlines every connectionsCheckingInterval (30 s by
 * default, longer than the deadline itself), so that is made a fraction of it.
 */
export function boundedServerOptions(timeout: number): ServerOptions {
  return {
    headersTimeout: timeout,
    requestTimeout: timeout,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(timeout / 4))),
  };
}

/**
 * Connections per peer (an IPv4 address or an IPv6 block, as clientKey()) from 'connection'
 * until their upgrade request is complete or they close. Past `cap` for one peer, a new
 * connection is destroyed at once: it costs a descriptor for microseconds, not for the
 * header deadline. A connection that sends nothing at all (Node's header deadline only
 * runs once a request has begun) is dropped after `timeout` ms idle.
 */
export class PendingConnections {
  readonly cap: number;
  readonly #timeout: number;
  readonly #byPeer = new Map<string, number>();
  readonly #release = new WeakMap<Duplex, () => void>();
  /** Peers being refused now: logged once per burst. */
  readonly #refusing = new Set<string>();
  readonly #onRefused: (peer: string, pending: number) => void;
  readonly #keyOf: (address: string) => string;

  /** `cap` 0: no per-peer cap (behind a proxy every peer is the proxy). `keyOf`: the peer's client key (default clientKey()). */
  constructor(cap: number, timeout: number, onRefused: (peer: string, pending: number) => void, keyOf: (address: string) => string = (address) => clientKey(address)) {
    this.cap = cap;
    this.#timeout = timeout;
    this.#onRefused = onRefused;
    this.#keyOf = keyOf;
  }

  /** A new connection: counted, or destroyed when its peer is at the cap. */
  add(socket: Socket): void {
    // Destroyed by Node's http server for a timeout when nothing else listens for one.
    socket.setTimeout(this.#timeout);
    if (this.cap === 0) return;
    const peer = this.#keyOf(socket.remoteAddress ?? '');
    const pending = this.#byPeer.get(peer) ?? 0;
    if (pending >= this.cap) {
      if (!this.#refusing.has(peer)) {
        this.#refusing.add(peer);
        this.#onRefused(peer, pending);
      }
      socket.destroy();
      return;
    }
    this.#byPeer.set(peer, pending + 1);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      const left = (this.#byPeer.get(peer) ?? 1) - 1;
      if (left === 0) this.#byPeer.delete(peer);
      else this.#byPeer.set(peer, left);
      if (left < this.cap) this.#refusing.delete(peer);
    };
    this.#release.set(socket, release);
    socket.once('close', release);
  }

  /** The connection's upgrade request is complete: the session limits take over. */
  upgraded(socket: Duplex): void {
    this.#release.get(socket)?.();
  }
}
