/**
 * The bench target: one TCP server speaking the request protocol of
 * `lib/target-protocol.ts` (upload sink, download source, echo).
 * Forked once per bench run by `run.ts`. Usage: server.ts <chunkBytes>
 */
import net from 'node:net';
import { TargetSession } from './lib/target-protocol.ts';
import { reportReady } from './lib/processes.ts';

const chunkBytes = Number(process.argv[2] ?? 65536);
const chunk = new Uint8Array(chunkBytes).fill(0x61);

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.setNoDelay(true);
  const session = new TargetSession(
    {
      write: (bytes) => socket.write(bytes),
      onceDrain: (listener) => socket.once('drain', listener),
    },
    chunk,
  );
  socket.on('data', (data: Buffer) => {
    try {
      session.push(data);
    } catch (err) {
      console.error('bench target:', err);
      socket.destroy();
    }
  });
  socket.on('close', () => session.stop());
  socket.on('error', () => {}); // clients destroy their streams when done
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  reportReady(address.port);
});
