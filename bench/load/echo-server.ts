/**
 * The load test's destination: a TCP echo server in a process of its own (forked by
 * run-load.ts), so that echoing ten thousand streams costs neither the gateway nor the
 * clients CPU. Each connection ends when the client ends (no half-open).
 */
import net from 'node:net';
import { reportReady } from '../lib/processes.ts';

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {}); // a client that resets is the client's error to report, not ours
  socket.pipe(socket);
});
// The default backlog (511) is shorter than a burst of opens through a gateway.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  reportReady(address.port);
});
