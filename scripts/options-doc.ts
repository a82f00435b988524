// Prints what the README and SECURITY.md copy from the gateway's options schema:
// `--help` (usage) or the limits table (limits). gateway/options-doc.test.ts checks they match.
// Usage: node --import tsx scripts/options-doc.ts usage|limits
import { USAGE, limitsTable } from '../gateway/options-doc.ts';

const [what = 'limits'] = process.argv.slice(2);
process.stdout.write(what === 'usage' ? USAGE : limitsTable());
