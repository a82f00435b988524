// Prints what the documents copy from the options schemas: the gateway's `--help` (usage)
// and metrics table (metrics) for docs/gateway.md, its limits table (limits) for
// docs/gateway.md and SECURITY.md, or createTunnel()'s options table (tunnel) for docs/client.md. gateway/options-schema.test.ts, gateway/metrics.test.ts and
// client/tunnel-options.test.ts check they match.
// Usage: node --import tsx scripts/options-doc.ts usage|limits|metrics|tunnel
import { USAGE, limitsTable } from '../gateway/options-doc.ts';
import { metricsTable } from '../gateway/metrics.ts';
import { tunnelOptionsTable } from '../client/tunnel-options.ts';

const TABLES: Record<string, () => string> = { usage: () => USAGE, limits: limitsTable, metrics: metricsTable, tunnel: tunnelOptionsTable };
const [what = 'limits'] = process.argv.slice(2);
const table = TABLES[what];
if (table === undefined) throw new Error(`unknown table ${what}; one of ${Object.keys(TABLES).join(', ')}`);
process.stdout.write(table());
