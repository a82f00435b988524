// Prints docs/real-clients.md's table of client libraries tested in Chromium (e2e/corpus/libraries.ts).
// Usage: node --import tsx scripts/corpus-table.ts
import { corpusTable } from '../e2e/corpus/table.ts';

process.stdout.write(corpusTable());
