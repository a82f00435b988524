/**
 * sockway: N virtual TCP streams multiplexed over ONE WebSocket to the sockway
 * gateway (gateway/main.ts, the CLI, in its own process). Every open() reuses
 * the same tunnel, so the 100-stream test runs 100 streams on one WebSocket.
 */
import WebSocket from 'ws';
import { createTunnel } from '../../client/index.ts';
import type { WebSocketConstructor } from '../../client/websocket-transport.ts';
import type { ByteStream, Contender } from '../lib/contender.ts';
import { forkServer, REPO_ROOT } from '../lib/processes.ts';

export const contender: Contender = {
  name: 'sockway',
  description: 'sockway client → 1 WebSocket → sockway gateway process → target (N streams share it)',
  async start(target) {
    const gateway = await forkServer(`${REPO_ROOT}gateway/main.ts`, [
      '--port', '0', '--host', '127.0.0.1', '--allow', `${target.host}:${target.port}`, '--quiet',
    ]);
    const tunnel = createTunnel({ url: `ws://127.0.0.1:${gateway.port}/`, WebSocket: WebSocket as unknown as WebSocketConstructor });
    return {
      open: () => new Promise<ByteStream>((resolve, reject) => {
        const socket = tunnel.net.connect({ host: target.host, port: target.port, noDelay: true });
        socket.once('error', reject);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
      }),
      close: async () => {
        tunnel.close();
        await gateway.stop();
      },
    };
  },
};
