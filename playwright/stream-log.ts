/**
 * What a route saw of its streams, from the gateway's log and stats, and the test's waits
 * on it. A wait is checked whenever something happened (a frame passed, the gateway
 * logged), never on a timer; its timeout only ends it, saying what it saw.
 */
import type { GatewayLogEntry, GatewayStreamStats } from '../gateway/index.ts';

/** 'open' (connecting or connected); 'closed' (ended cleanly); 'denied' (the policy); or the error it ended with ('ECONNREFUSED'). */
export type StreamState = string;

/** One stream the page opened. */
export interface StreamRecord {
  /** `host:port` as the page asked for it. */
  readonly destination: string;
  /** Bytes the page sent on the stream and received on it. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly state: StreamState;
}

interface Waiter {
  readonly check: () => boolean;
}

const DEFAULT_TIMEOUT = 10_000;

/** Which log events end a stream, and its state then. */
function endedState(entry: GatewayLogEntry): StreamState | undefined {
  if (entry.event === 'stream-denied' && entry['stream'] !== undefined) return 'denied';
  if (entry.event !== 'stream-closed') return undefined;
  return typeof entry['code'] === 'string' ? entry['code'] : 'closed';
}

export class StreamLog {
  /** Streams by `sessionTag#id`, in the order first seen (Map keeps insertion order). */
  readonly #streams = new Map<string, StreamRecord>();
  readonly #waiters = new Set<Waiter>();
  readonly #eventWaiters = new Set<(entry: GatewayLogEntry) => void>();

  /** A gateway log entry. */
  record(entry: GatewayLogEntry): void {
    const state = endedState(entry);
    if (state !== undefined) {
      this.#streams.set(`${String(entry['sessionTag'])}#${String(entry['stream'])}`, {
        destination: `${String(entry['host'])}:${String(entry['port'])}`,
        // The gateway counts from its side: what it sent is what the page received.
        bytesSent: Number(entry['bytesReceived'] ?? 0),
        bytesReceived: Number(entry['bytesSent'] ?? 0),
        state,
      });
    } else if (entry['stream'] !== undefined && entry['sessionTag'] !== undefined) {
      // Seen now: its place in the order (its numbers come from stats()).
      const id = `${String(entry['sessionTag'])}#${String(entry['stream'])}`;
      if (!this.#streams.has(id)) this.#streams.set(id, { destination: `${String(entry['host'])}:${String(entry['port'])}`, bytesSent: 0, bytesReceived: 0, state: 'open' });
    }
    for (const waiter of this.#eventWaiters) waiter(entry);
    this.check();
  }

  /** Every stream, in the order first seen: ended ones as they ended, open ones with their numbers now. */
  streams(live: readonly GatewayStreamStats[]): StreamRecord[] {
    for (const stream of live) {
      const id = `${stream.sessionTag}#${stream.id}`;
      const seen = this.#streams.get(id);
      if (seen !== undefined && seen.state !== 'open') continue;
      this.#streams.set(id, { destination: `${stream.host}:${stream.port}`, bytesSent: stream.bytesReceived, bytesReceived: stream.bytesSent, state: 'open' });
    }
    return [...this.#streams.values()];
  }

  /** Something happened: settles the waits whose condition now holds. */
  check(): void {
    for (const waiter of this.#waiters) waiter.check();
  }

  /** Resolves with `found()`'s first value other than undefined; rejects after `timeout` ms saying what it saw. */
  waitFor<T>(found: () => T | undefined, what: string, timeout = DEFAULT_TIMEOUT, seen: () => StreamRecord[] = () => []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const value = found();
          if (value === undefined) return false;
          this.#waiters.delete(waiter);
          clearTimeout(timer);
          resolve(value);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`sockway: timed out after ${timeout} ms waiting for ${what}; streams: ${JSON.stringify(seen())}`));
      }, timeout);
      if (!waiter.check()) this.#waiters.add(waiter);
    });
  }

  /** Resolves at the next log entry with this event. */
  waitForEvent(event: string, timeout = DEFAULT_TIMEOUT): Promise<GatewayLogEntry> {
    return new Promise<GatewayLogEntry>((resolve, reject) => {
      const onEntry = (entry: GatewayLogEntry): void => {
        if (entry.event !== event) return;
        this.#eventWaiters.delete(onEntry);
        clearTimeout(timer);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.#eventWaiters.delete(onEntry);
        reject(new Error(`sockway: timed out after ${timeout} ms waiting for the gateway event '${event}'`));
      }, timeout);
      this.#eventWaiters.add(onEntry);
    });
  }
}
