/** Benchmark settings, all from the environment (read by run.ts and inherited by workers). */

export interface BenchConfig {
  /** Repetitions per contender (BENCH_RUNS). */
  runs: number;
  /** Unrecorded repetitions first, to warm every process up (BENCH_WARMUP_RUNS). */
  warmupRuns: number;
  /** Bytes for the single-stream upload and download tests (BENCH_MIB). */
  bulkBytes: number;
  /** Application write size for bulk tests (BENCH_CHUNK_KIB). */
  chunkBytes: number;
  /** Measured 1-byte round trips per run (BENCH_RTT_ITERS). */
  rttIterations: number;
  /** Unmeasured round trips first (BENCH_RTT_WARMUP). */
  rttWarmup: number;
  /** Concurrent streams in the aggregate test (BENCH_STREAMS). */
  streams: number;
  /** Bytes each of those streams downloads (BENCH_STREAM_MIB). */
  streamBytes: number;
  /** Contenders not to run (BENCH_SKIP, comma list). */
  skip: string[];
  /** One contender's repetition fails after this long (BENCH_CELL_TIMEOUT_S). */
  cellTimeoutMs: number;
}

const MIB = 1024 * 1024;

function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw}: expected a number >= ${min}`);
  return value;
}

/** Reads and checks every BENCH_* variable. */
export function readConfig(): BenchConfig {
  return {
    runs: Math.round(numberFromEnv('BENCH_RUNS', 5, 1)),
    warmupRuns: Math.round(numberFromEnv('BENCH_WARMUP_RUNS', 1, 0)),
    bulkBytes: Math.round(numberFromEnv('BENCH_MIB', 256, 1 / 1024) * MIB),
    chunkBytes: benchChunkBytes(),
    rttIterations: Math.round(numberFromEnv('BENCH_RTT_ITERS', 5000, 1)),
    rttWarmup: Math.round(numberFromEnv('BENCH_RTT_WARMUP', 500, 0)),
    streams: Math.round(numberFromEnv('BENCH_STREAMS', 100, 1)),
    streamBytes: Math.round(numberFromEnv('BENCH_STREAM_MIB', 4, 1 / 1024) * MIB),
    skip: (process.env['BENCH_SKIP'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    cellTimeoutMs: numberFromEnv('BENCH_CELL_TIMEOUT_S', 600, 1) * 1000,
  };
}

/** Write size for bulk tests, shared with the server processes. */
export function benchChunkBytes(): number {
  return Math.round(numberFromEnv('BENCH_CHUNK_KIB', 64, 1 / 1024) * 1024);
}
