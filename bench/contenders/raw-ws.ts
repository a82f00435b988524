/**
 * raw-ws: one `ws` WebSocket to a ws server that is itself the sink/source/echo
 * (bench/servers/raw-ws-server.ts). The transport's own limit, with no relay hop
 * and no TCP target: it ignores `target`.
 */
import type { Contender } from '../lib/contender.ts';
import { forkServer, REPO_ROOT } from '../lib/processes.ts';
import { openWebSocketStream } from '../lib/ws-byte-stream.ts';
import { benchChunkBytes } from '../lib/config.ts';

export const contender: Contender = {
  name: 'raw-ws',
  description: 'ws client → ws server acting as the target (no relay, no TCP hop)',
  async start() {
    const server = await forkServer(`${REPO_ROOT}bench/servers/raw-ws-server.ts`, [
      String(benchChunkBytes()),
    ]);
    const url = `ws://127.0.0.1:${server.port}/`;
    return {
      open: () => openWebSocketStream(url),
      close: () => server.stop(),
    };
  },
};
