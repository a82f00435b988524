// Prints what the README and SECURITY.md copy from the gateway's options schema:
// `--help` (usage), the limits table (limits) or the metrics table (metrics).
// gateway/options-schema.test.ts and gateway/metrics.test.ts check they match.
// Usage: node --import tsx scripts/options-doc.ts usage|limits|metrics
import { USAGE, limitsTable } from '../gateway/options-doc.ts';
import { metricsTable } from '../gateway/metrics.ts';

const [what = 'limits'] = process.argv.slice(2);
process.stdout.write(what === 'usage' ? USAGE : what === 'metrics' ? metricsTable() : limitsTable());
