/**
 * Preloaded into every gateway the load test starts (`node --expose-gc --import probe.mjs
 * main.mjs …`): answers the parent's `{ type: 'probe' }` IPC message with the process's
 * memory after two full collections and its CPU time so far. The gateway's own code is
 * untouched; it only shares the IPC channel its CLI already uses for 'ready'.
 */

/** Parent → gateway. */
export interface ProbeRequest {
  readonly type: 'probe';
  /** Collect garbage first (steady-state figures). */
  readonly gc: boolean;
}

/** Gateway → parent. */
export interface ProbeReply {
  readonly type: 'probe';
  /** Resident set size, bytes. */
  readonly rss: number;
  readonly heapUsed: number;
  /** ArrayBuffers and Buffers outside the V8 heap. */
  readonly external: number;
  /** CPU time of the whole process since it started, microseconds (user + system). */
  readonly cpuMicros: number;
  /** Whether the collections ran (global.gc needs --expose-gc). */
  readonly collected: boolean;
}

const collect = (globalThis as { gc?: () => void }).gc;

process.on('message', (message: unknown) => {
  const request = message as Partial<ProbeRequest> | null;
  if (request?.type !== 'probe') return;
  const collected = request.gc === true && collect !== undefined;
  if (collected) {
    // Twice: the first run's finalizers free more for the second.
    collect();
    collect();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const reply: ProbeReply = { type: 'probe', rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, cpuMicros: cpu.user + cpu.system, collected };
  process.send?.(reply);
});
