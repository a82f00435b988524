/**
 * websockify: Debian's python websockify (forks one handler process per
 * connection) relaying to the target; the client asks for subprotocol 'binary'.
 */
import type { Contender } from '../lib/contender.ts';
import { freePort, spawnProgram, waitForPort } from '../lib/processes.ts';
import { openWebSocketStream } from '../lib/ws-byte-stream.ts';

export const contender: Contender = {
  name: 'websockify',
  description: 'ws client → websockify (python, process per connection) → target',
  async start(target) {
    const port = await freePort();
    const relay = spawnProgram('websockify', [`127.0.0.1:${port}`, `${target.host}:${target.port}`]);
    relay.child.once('error', () => {}); // ENOENT shows up in waitForPort below
    try {
      await waitForPort('127.0.0.1', port, relay);
    } catch (err) {
      await relay.stop();
      throw new Error(`websockify did not start (apt-get install -y websockify?): ${(err as Error).message}`);
    }
    const url = `ws://127.0.0.1:${port}/`;
    return {
      open: () => openWebSocketStream(url, ['binary']),
      close: () => relay.stop(),
    };
  },
};
