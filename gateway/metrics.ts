/**
 * The gateway's Prometheus metrics (prom-client), in a Registry of its own: several
 * gateways in one process never share a series. Most values are read when Prometheus
 * scrapes (collect()) from what the gateway already counts (gateway.stats(), the resume
 * registry, the memory and socket budgets, the DNS slots); what nothing else counts is
 * recorded where it is decided, one call each: a session's admission or refusal
 * (admission.ts, resume-registry.ts, connection.ts), an OPEN's outcome and its bytes
 * (tcp-bridge.ts), a WebSocket's close code: plain numbers, which the registry's counters
 * read at scrape. prom-client itself is loaded only with the registry, when metrics are
 * first served (dependencies.ts says why); the latency histograms count from then on.
 *
 * Labels are bounded enumerations: no host, address or session id ever becomes a label.
 * Node's process metrics (prom-client's defaults: CPU, memory, event-loop lag, GC) join
 * the registry when it is first used, so a gateway that never serves metrics runs no
 * event-loop monitor.
 */
import type { Histogram, Registry } from 'prom-client';
import { SockwayErrorCode, type WireError } from '../shared/errors.ts';
import { promClient } from './dependencies.ts';

/** How an OPEN ended up (or a listener's accepted connection, `accepted`). */
export const OPEN_OUTCOMES = ['connected', 'accepted', 'refused', 'denied', 'dns_failed', 'timed_out', 'rejected', 'reset', 'failed'] as const;
export type OpenOutcome = (typeof OPEN_OUTCOMES)[number];

/** The outcome of an OPEN that never connected, from the error it ended with; `byPage`: the page's own RESET. */
export function openOutcome(error: WireError | null, byPage: boolean): OpenOutcome {
  if (error === null || byPage) return 'reset';
  if (error.syscall === 'getaddrinfo') return 'dns_failed';
  switch (error.code) {
    case 'ECONNREFUSED': return 'refused';
    case 'ETIMEDOUT': return 'timed_out';
    case SockwayErrorCode.Denied: return 'denied';
    case SockwayErrorCode.Limit:
    case SockwayErrorCode.RateLimit:
    case SockwayErrorCode.Unauthorized: return 'rejected';
    case SockwayErrorCode.GoingAway:
    case SockwayErrorCode.GatewayClosed:
    case SockwayErrorCode.Closed: return 'reset';
    default: return 'failed';
  }
}

/** Why a session was refused. */
export const REFUSAL_REASONS = ['origin', 'unauthorized', 'gateway_limit', 'client_limit', 'draining', 'resume_failed'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** WebSocket close codes counted by their number; any other is `other`. */
export const CLOSE_CODES = ['1000', '1001', '1002', '1003', '1005', '1006', '1008', '1009', '1011', '1012', '1013', 'other'] as const;

/** What the bridges record (tcp-bridge.ts); optional there, so a bridge runs without metrics. */
export interface StreamMetrics {
  /** The OPEN's outcome, once per stream; `seconds`: from OPEN to connected. */
  streamOpened(outcome: OpenOutcome, seconds?: number): void;
  /** A stream is done: the bytes it relayed from and to its page. */
  streamClosed(bytesIn: number, bytesOut: number): void;
  /** A stream stopped reading its TCP socket: its page's credit ran out. */
  creditStall(): void;
}

/** The gateway's state as scrape-time metrics read it (gateway.ts builds it). */
export interface MetricsSnapshot {
  readonly sessions: number;
  readonly detachedSessions: number;
  readonly streams: number;
  readonly listeners: number;
  readonly tcpSockets: number;
  /** Bytes relayed so far by the streams still open, from and to their pages. */
  readonly liveBytesIn: number;
  readonly liveBytesOut: number;
  readonly replayBytes: number;
  readonly resumes: number;
  readonly heldBytes: number;
  readonly memoryBudget: number;
  /** Resolutions sent to DNS servers so far (OPEN's names and the pages' queries), and those running now. */
  readonly dnsQueries: number;
  readonly dnsInFlight: number;
}

/** Histogram buckets, seconds: loopback handshakes take about a millisecond, a slow DNS name several seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Read = (snapshot: MetricsSnapshot) => number;

/** One metric: its name, type, labels and help (docs/gateway.md's table, metricsTable(), lists them all). */
export interface MetricDoc {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** The label and its values, or ''. */
  readonly labels: string;
  readonly help: string;
  /** Read at scrape from the snapshot; absent: recorded as it happens. */
  readonly read?: Read;
}

/** Every metric sockway defines (Node's process metrics are prom-client's own). */
export const METRIC_DOCS: readonly MetricDoc[] = [
  { name: 'sockway_sessions_open', type: 'gauge', labels: '', help: 'Sessions, attached or waiting to be resumed', read: (s) => s.sessions },
  { name: 'sockway_sessions_detached', type: 'gauge', labels: '', help: 'Sessions whose WebSocket dropped, waiting for their client to resume them', read: (s) => s.detachedSessions },
  { name: 'sockway_sessions_total', type: 'counter', labels: '', help: 'Sessions opened (handshake completed)' },
  { name: 'sockway_sessions_resumed_total', type: 'counter', labels: '', help: 'Sessions resumed on a new WebSocket', read: (s) => s.resumes },
  { name: 'sockway_sessions_refused_total', type: 'counter', labels: `reason: ${REFUSAL_REASONS.join(', ')}`, help: 'Sessions refused, by reason (a refused RESUME is `resume_failed`)' },
  { name: 'sockway_streams_open', type: 'gauge', labels: '', help: 'TCP streams (dialing, connected or accepted) open now', read: (s) => s.streams },
  { name: 'sockway_streams_opened_total', type: 'counter', labels: `outcome: ${OPEN_OUTCOMES.join(', ')}`, help: 'OPENs by outcome (`rejected`: a limit, the open rate, an expired token or draining; `reset`: cancelled before it connected; `accepted`: a listener\'s connection)' },
  { name: 'sockway_bytes_relayed_total', type: 'counter', labels: 'direction: in (from pages), out (to pages)', help: 'Bytes relayed between pages and TCP destinations' },
  { name: 'sockway_credit_stalls_total', type: 'counter', labels: '', help: 'Times a stream stopped reading its TCP socket because its page\'s credit ran out' },
  { name: 'sockway_listeners_open', type: 'gauge', labels: '', help: 'Listening sockets held for pages (net.Server)', read: (s) => s.listeners },
  { name: 'sockway_tcp_sockets', type: 'gauge', labels: '', help: 'TCP sockets the gateway holds for streams', read: (s) => s.tcpSockets },
  { name: 'sockway_replay_bytes', type: 'gauge', labels: '', help: 'Bytes in all sessions\' replay buffers (sent, not yet acknowledged by the page)', read: (s) => s.replayBytes },
  { name: 'sockway_held_bytes', type: 'gauge', labels: '', help: 'Bytes all sessions hold towards pages (queues and replay buffers)', read: (s) => s.heldBytes },
  { name: 'sockway_memory_budget_bytes', type: 'gauge', labels: '', help: 'The budget for what sessions hold towards pages', read: (s) => s.memoryBudget },
  { name: 'sockway_dns_queries_total', type: 'counter', labels: '', help: 'Name resolutions sent to DNS servers (OPEN\'s names and the pages\' dns queries)', read: (s) => s.dnsQueries },
  { name: 'sockway_dns_queries_in_flight', type: 'gauge', labels: '', help: 'Name resolutions running now', read: (s) => s.dnsInFlight },
  { name: 'sockway_websocket_closes_total', type: 'counter', labels: `code: ${CLOSE_CODES.join(', ')}`, help: 'Session WebSockets closed, by close code (1006: dropped without a close frame)' },
  { name: 'sockway_handshake_duration_seconds', type: 'histogram', labels: '', help: 'From the WebSocket\'s open to the session\'s WELCOME' },
  { name: 'sockway_connect_duration_seconds', type: 'histogram', labels: '', help: 'From OPEN to the TCP connection (dial slot, DNS and connect)' },
];

/** METRIC_DOCS as the Markdown table in docs/gateway.md. */
export function metricsTable(): string {
  const lines = [
    '| Metric | Type | Labels | Meaning |',
    '|---|---|---|---|',
    ...METRIC_DOCS.map((doc) => `| \`${doc.name}\` | ${doc.type} | ${doc.labels || '—'} | ${doc.help} |`),
  ];
  return `${lines.join('\n')}\n`;
}

const help = (name: string): string => METRIC_DOCS.find((doc) => doc.name === name)?.help ?? name;

/** One gateway's metrics: the recorders the gateway's parts call, and the registry Prometheus reads. */
export class GatewayMetrics implements StreamMetrics {
  readonly #snapshot: () => MetricsSnapshot;
  #cached: MetricsSnapshot | null = null;
  #registry: Registry | null = null;
  // Plain numbers, read at scrape.
  #bytesIn = 0;
  #bytesOut = 0;
  #creditStalls = 0;
  #sessionsTotal = 0;
  readonly #refused = new Map<RefusalReason, number>(REFUSAL_REASONS.map((reason) => [reason, 0]));
  readonly #opened = new Map<OpenOutcome, number>(OPEN_OUTCOMES.map((outcome) => [outcome, 0]));
  readonly #closes = new Map<(typeof CLOSE_CODES)[number], number>(CLOSE_CODES.map((code) => [code, 0]));
  /** The latency histograms, from the registry's creation on. */
  #handshake: Histogram | null = null;
  #connect: Histogram | null = null;

  constructor(snapshot: () => MetricsSnapshot) {
    this.#snapshot = snapshot;
  }

  // ---- recorders ----

  /** A session completed its handshake, `seconds` after its WebSocket opened. */
  sessionOpened(seconds: number): void {
    this.#sessionsTotal += 1;
    this.#handshake?.observe(seconds);
  }

  sessionRefused(reason: RefusalReason): void {
    this.#refused.set(reason, (this.#refused.get(reason) ?? 0) + 1);
  }

  /** A session's WebSocket closed with `code`. */
  webSocketClosed(code: number): void {
    const label = String(code);
    const counted = (CLOSE_CODES as readonly string[]).includes(label) ? label as (typeof CLOSE_CODES)[number] : 'other';
    this.#closes.set(counted, (this.#closes.get(counted) ?? 0) + 1);
  }

  streamOpened(outcome: OpenOutcome, seconds?: number): void {
    this.#opened.set(outcome, (this.#opened.get(outcome) ?? 0) + 1);
    if (seconds !== undefined) this.#connect?.observe(seconds);
  }

  streamClosed(bytesIn: number, bytesOut: number): void {
    this.#bytesIn += bytesIn;
    this.#bytesOut += bytesOut;
  }

  creditStall(): void {
    this.#creditStalls += 1;
  }

  // ---- the registry ----

  /** Metrics will be served: the registry, and with it the latency histograms, start now. */
  start(): void {
    this.#registry ??= this.#createRegistry();
  }

  /** The registry (created on first use, with Node's process metrics). */
  get registry(): Registry {
    this.#registry ??= this.#createRegistry();
    return this.#registry;
  }

  #createRegistry(): Registry {
    const prom = promClient();
    const registry = new prom.Registry();
    const { Counter: CounterClass, Gauge: GaugeClass, Histogram: HistogramClass } = prom;
    const metrics = this;
    for (const { name, type, help: text, read } of METRIC_DOCS) {
      if (read === undefined) continue;
      // A counter read at scrape is the total so far, set as it is (it only grows).
      registry.registerMetric(type === 'gauge'
        ? new GaugeClass({ name, help: text, registers: [], collect() { this.set(read(metrics.#read())); } })
        : new CounterClass({ name, help: text, registers: [], collect() { this.reset(); this.inc(read(metrics.#read())); } }));
    }
    registry.registerMetric(new CounterClass({ name: 'sockway_credit_stalls_total', help: help('sockway_credit_stalls_total'), registers: [], collect() { this.reset(); this.inc(metrics.#creditStalls); } }));
    registry.registerMetric(new CounterClass({
      name: 'sockway_bytes_relayed_total',
      help: help('sockway_bytes_relayed_total'),
      labelNames: ['direction'],
      registers: [],
      collect() {
        const snapshot = metrics.#read();
        this.reset();
        this.inc({ direction: 'in' }, metrics.#bytesIn + snapshot.liveBytesIn);
        this.inc({ direction: 'out' }, metrics.#bytesOut + snapshot.liveBytesOut);
      },
    }));
    registry.registerMetric(new CounterClass({ name: 'sockway_sessions_total', help: help('sockway_sessions_total'), registers: [], collect() { this.reset(); this.inc(metrics.#sessionsTotal); } }));
    const labelled: readonly [string, string, ReadonlyMap<string, number>][] = [
      ['sockway_sessions_refused_total', 'reason', this.#refused],
      ['sockway_streams_opened_total', 'outcome', this.#opened],
      ['sockway_websocket_closes_total', 'code', this.#closes],
    ];
    for (const [name, label, counts] of labelled) {
      // Every label value is there from the start (at 0): a rate over a series that appears later misses its first increase.
      registry.registerMetric(new CounterClass({
        name,
        help: help(name),
        labelNames: [label],
        registers: [],
        collect() {
          this.reset();
          for (const [value, count] of counts) this.inc({ [label]: value }, count);
        },
      }));
    }
    this.#handshake = new HistogramClass({ name: 'sockway_handshake_duration_seconds', help: help('sockway_handshake_duration_seconds'), buckets: BUCKETS, registers: [registry] });
    this.#connect = new HistogramClass({ name: 'sockway_connect_duration_seconds', help: help('sockway_connect_duration_seconds'), buckets: BUCKETS, registers: [registry] });
    prom.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
    return registry;
  }

  /** The snapshot of this scrape: every collect() of one scrape runs in the same turn, so it is taken once. */
  #read(): MetricsSnapshot {
    if (this.#cached === null) {
      this.#cached = this.#snapshot();
      queueMicrotask(() => {
        this.#cached = null;
      });
    }
    return this.#cached;
  }
}
