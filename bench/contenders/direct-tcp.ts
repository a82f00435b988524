/** direct-tcp: plain `net.connect` from the client to the target. No relay process. */
import net from 'node:net';
import type { Contender } from '../lib/contender.ts';

export const contender: Contender = {
  name: 'direct-tcp',
  description: 'net.connect to the target (client process → target process)',
  async start(target) {
    return {
      open: () =>
        new Promise((resolve, reject) => {
          const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
          socket.once('error', reject);
          socket.once('connect', () => {
            socket.off('error', reject);
            socket.setNoDelay(true);
            resolve(socket);
          });
        }),
      close: async () => {},
    };
  },
};
