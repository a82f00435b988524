/** Turns per-run results into the Markdown table, the ratio lines and the JSON record. */
import type { RunResult } from './measure.ts';
import { summarize, type Summary } from './stats.ts';

/**
 * Measured figures, in table order. `higherIsBetter` only documents direction.
 * `inTable: false` ones go to the JSON only: completion-time spread of streams
 * started together is mostly start-order noise (even 100 plain TCP connections show 5–20×).
 */
export const METRICS = [
  { key: 'upMBps', label: 'upload MB/s', unit: 'MB/s', higherIsBetter: true, inTable: true },
  { key: 'downMBps', label: 'download MB/s', unit: 'MB/s', higherIsBetter: true, inTable: true },
  { key: 'rttMedianUs', label: 'RTT median µs', unit: 'µs', higherIsBetter: false, inTable: true },
  { key: 'rttP99Us', label: 'RTT p99 µs', unit: 'µs', higherIsBetter: false, inTable: true },
  { key: 'multiMBps', label: 'N-stream aggregate MB/s', unit: 'MB/s', higherIsBetter: true, inTable: true },
  { key: 'multiSpread', label: 'N-stream slowest/fastest', unit: '×', higherIsBetter: false, inTable: false },
] as const satisfies ReadonlyArray<{
  key: keyof RunResult;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  inTable: boolean;
}>;

export type MetricKey = (typeof METRICS)[number]['key'];
export type ContenderSummary = Record<MetricKey, Summary>;

export function summarizeRuns(runs: readonly RunResult[]): ContenderSummary {
  const out = {} as ContenderSummary;
  for (const metric of METRICS) out[metric.key] = summarize(runs.map((run) => run[metric.key]));
  return out;
}

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === '×') return value.toFixed(2);
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** A ratio of medians, a / b; undefined when either side did not run. */
export function ratio(
  results: Readonly<Record<string, ContenderSummary>>,
  a: string,
  b: string,
  metric: MetricKey,
): number | undefined {
  const x = results[a]?.[metric].median;
  const y = results[b]?.[metric].median;
  if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y === 0) return undefined;
  return x / y;
}

const formatRatio = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(2)}×`);

/** The ratio lines the issue asks for, plus two reference lines for the baselines. */
export const RATIO_LINES = [
  { a: 'sockway', b: 'websockify', metrics: ['upMBps', 'downMBps', 'multiMBps'] },
  { a: 'sockway', b: 'raw-ws', metrics: ['upMBps', 'downMBps', 'multiMBps'] },
  { a: 'sockway', b: 'ws-relay', metrics: ['rttMedianUs', 'rttP99Us'] },
  { a: 'ws-relay', b: 'websockify', metrics: ['upMBps', 'downMBps', 'multiMBps', 'rttMedianUs'] },
  { a: 'ws-relay', b: 'raw-ws', metrics: ['upMBps', 'downMBps', 'multiMBps', 'rttMedianUs'] },
] as const satisfies ReadonlyArray<{ a: string; b: string; metrics: readonly MetricKey[] }>;

const SHORT: Record<MetricKey, string> = {
  upMBps: 'up',
  downMBps: 'down',
  rttMedianUs: 'RTT median',
  rttP99Us: 'RTT p99',
  multiMBps: 'N-stream',
  multiSpread: 'N-stream spread',
};

export function ratioRecord(results: Readonly<Record<string, ContenderSummary>>): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const line of RATIO_LINES) {
    const entry: Record<string, number | null> = {};
    for (const metric of line.metrics) entry[metric] = ratio(results, line.a, line.b, metric) ?? null;
    out[`${line.a}/${line.b}`] = entry;
  }
  return out;
}

/** The Markdown report: one table, then ratio lines. */
export function formatReport(
  names: readonly string[],
  results: Readonly<Record<string, ContenderSummary>>,
  streams: number,
): string {
  const lines: string[] = [];
  lines.push(`| metric (median, min–max) | ${names.join(' | ')} |`);
  lines.push(`|---|${names.map(() => '---:').join('|')}|`);
  for (const metric of METRICS) {
    if (!metric.inTable) continue;
    const label = metric.label.replace('N-stream', `${streams}-stream`);
    const cells = names.map((name) => {
      const s = results[name]?.[metric.key];
      if (s === undefined) return 'skipped';
      return `**${formatValue(s.median, metric.unit)}** (${formatValue(s.min, metric.unit)}–${formatValue(s.max, metric.unit)})`;
    });
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push('Ratios of medians (throughput: higher is better; RTT: lower is better):');
  for (const line of RATIO_LINES) {
    const rtt = line.metrics.every((m) => m.startsWith('rtt'));
    const title = rtt ? `${line.a} RTT / ${line.b} RTT` : `${line.a} / ${line.b}`;
    const parts = line.metrics.map(
      (metric) => `${SHORT[metric].replace('N-stream', `${streams}-stream`)} ${formatRatio(ratio(results, line.a, line.b, metric))}`,
    );
    lines.push(`- ${title}: ${parts.join(', ')}`);
  }
  return lines.join('\n');
}
