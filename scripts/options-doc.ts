// Prints what the README and SECURITY.md copy from the options schemas: the gateway's
// `--help` (usage) or limits table (limits), or createTunnel()'s options table (tunnel).
// gateway/options-schema.test.ts and client/tunnel-options.test.ts check they match.
// Usage: node --import tsx scripts/options-doc.ts usage|limits|tunnel
import { USAGE, limitsTable } from '../gateway/options-doc.ts';
import { tunnelOptionsTable } from '../client/tunnel-options.ts';

const [what = 'limits'] = process.argv.slice(2);
process.stdout.write(what === 'usage' ? USAGE : what === 'tunnel' ? tunnelOptionsTable() : limitsTable());
