/**
 * Test data for the resume fault-injection tests (Node and Chromium): one random 64 KiB
 * block per process, with chunk `n` of stream `seed` stamped in its first 8 bytes, so a
 * lost, doubled or swapped chunk is named by the check, not only seen in a hash.
 */
import { randomBytes } from 'node:crypto';

/** Bytes per chunk. */
export const CHUNK = 64 * 1024;
const BASE = randomBytes(CHUNK);

/** Chunk `n` of stream `seed`: the random block stamped with (seed, n). */
export function chunk(seed: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(CHUNK);
  BASE.copy(out);
  out.writeUInt32BE(seed, 0);
  out.writeUInt32BE(n, 4);
  return out;
}
