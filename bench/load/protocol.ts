/** What the load test's orchestrator (run-load.ts) and its client processes (client.ts) say over IPC. */

/** A client process's share of the run, JSON in argv[2]. */
export interface ClientInit {
  /** The gateway's (or the balancer's) WebSocket URL. */
  readonly url: string;
  /** Sessions (tunnels, one WebSocket each) this process opens. */
  readonly sessions: number;
  /** Streams per session. */
  readonly streams: number;
  /** The echo server every stream connects to. */
  readonly target: { readonly host: string; readonly port: number };
  /** Opens (sessions, then streams) in flight at once in this process. */
  readonly inFlight: number;
  /** Bytes each stream sends and gets echoed back in the traffic phase. */
  readonly streamBytes: number;
  /** This process's number, so route keys and byte patterns differ between processes. */
  readonly index: number;
}

/**
 * The phases, in order: open every session (its first stream: a session is set up by its
 * first OPEN), open the remaining streams, echo streamBytes on every stream, close.
 */
export type Phase = 'sessions' | 'streams' | 'traffic' | 'close';

export type ClientRequest = { readonly type: 'phase'; readonly phase: Phase };

/** What one phase did in one client process. */
export interface PhaseReport {
  readonly phase: Phase;
  /** Wall time of the phase in this process, ms. */
  readonly ms: number;
  /** sessions: session set-up (WebSocket, handshake, first OPEN → connect); streams: OPEN → connect; ms each. */
  readonly latenciesMs: readonly number[];
  /** Payload bytes this process sent plus received (traffic). */
  readonly bytes: number;
  /** Errors in this phase (socket errors, short or wrong echoes, dropped WebSockets), and the first few. */
  readonly errorCount: number;
  readonly errors: readonly string[];
}

export type ClientReply =
  | { readonly type: 'ready' }
  | { readonly type: 'phase'; readonly report: PhaseReport }
  | { readonly type: 'failure'; readonly message: string };

