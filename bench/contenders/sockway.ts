/**
 * sockway: N virtual TCP streams multiplexed over ONE WebSocket to the sockway
 * gateway. Placeholder until the client and gateway exist.
 *
 * To plug it in, replace `start` with something like:
 *
 *   async start(target) {
 *     // 1. Gateway in its own process, allowing only target.host:target.port.
 *     //    gateway/main.ts should call reportReady(port) from ../lib/processes.ts
 *     //    (or use spawnProgram + waitForPort with a free port).
 *     const gateway = await forkServer(`${REPO_ROOT}gateway/main.ts`, [...]);
 *     // 2. Node 20 has no global WebSocket: give the client `ws` (binaryType
 *     //    'arraybuffer' is set by the client itself), then configure it.
 *     globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;
 *     configure({ gatewayUrl: `ws://127.0.0.1:${gateway.port}/` });
 *     return {
 *       // Every open() must reuse the same WebSocket: that is what is measured.
 *       open: () => new Promise((resolve, reject) => {
 *         const socket = connect({ host: target.host, port: target.port });
 *         socket.setNoDelay(true);
 *         socket.once('error', reject);
 *         socket.once('connect', () => { socket.off('error', reject); resolve(socket); });
 *       }),
 *       close: async () => { ...close the session...; await gateway.stop(); },
 *     };
 *   }
 *
 * The client Socket (a readable-stream Duplex) satisfies ByteStream as is.
 */
import type { Contender } from '../lib/contender.ts';

export const contender: Contender = {
  name: 'sockway',
  description: 'sockway client → 1 WebSocket → sockway gateway process → target (N streams share it)',
  async start() {
    throw new Error('sockway contender not ready (set BENCH_SKIP=sockway until bench/contenders/sockway.ts is written)');
  },
};
