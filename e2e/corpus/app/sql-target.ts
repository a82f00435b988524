/** A MySQL-protocol server for the corpus pages (the test's MariaDB), and the rows they write. */
import { Buffer } from 'buffer';

export interface SqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The table the page creates and leaves filled, for the test to read from Node. */
  readonly table: string;
}

/** The DDL of the page's table. */
export const createTable = (table: string): string =>
  `CREATE TABLE ${table} (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(100) NOT NULL UNIQUE, amount DECIMAL(10,2), at DATETIME(3), doc JSON, data BLOB)`;

/** All 256 byte values. */
export const allBytes = (): Buffer => Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** The row each page inserts with placeholders: label, amount, at, doc, data. */
export const sampleRow = (): [string, string, Date, string, Buffer] => ['héllo ✓ 🚀', '1234.50', new Date('2024-02-29T12:34:56.789Z'), JSON.stringify({ nested: { list: [1, 'two', null] } }), allBytes()];

/** A row read back, as plain data. */
export function rowData(row: Record<string, unknown>): Record<string, unknown> {
  const data = row['data'];
  const doc = row['doc'];
  const at = row['at'];
  return {
    label: row['label'],
    amount: String(row['amount']),
    at: at instanceof Date ? at.toISOString() : String(at),
    doc: typeof doc === 'string' ? (JSON.parse(doc) as unknown) : doc,
    data: Buffer.isBuffer(data) && data.equals(allBytes()) ? 'all 256 bytes' : String(data),
  };
}
