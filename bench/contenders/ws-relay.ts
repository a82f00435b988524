/**
 * ws-relay: the plain one-WebSocket-per-connection relay written on `ws`
 * (bench/servers/ws-relay-server.ts), in its own process.
 */
import type { Contender } from '../lib/contender.ts';
import { forkServer, REPO_ROOT } from '../lib/processes.ts';
import { openWebSocketStream } from '../lib/ws-byte-stream.ts';

export const contender: Contender = {
  name: 'ws-relay',
  description: 'ws client → ws relay process (1 WebSocket + 1 TCP per stream) → target',
  async start(target) {
    const relay = await forkServer(`${REPO_ROOT}bench/servers/ws-relay-server.ts`, [
      target.host,
      String(target.port),
    ]);
    const url = `ws://127.0.0.1:${relay.port}/`;
    return {
      open: () => openWebSocketStream(url),
      close: () => relay.stop(),
    };
  },
};
