/**
 * The ws-relay contender's server: the plain one-WebSocket-per-connection relay
 * (what sockway replaces). Each WebSocket gets its own TCP connection to the
 * fixed target, piped both ways with backpressure:
 * - ws → tcp: `ws.pause()` when `tcp.write()` returns false, `resume()` on 'drain';
 * - tcp → ws: `tcp.pause()` when `bufferedAmount` reaches 1 MiB, resume from a send
 *   callback once it is down to 256 KiB. Resuming at the pausing mark toggles the
 *   TCP read side on nearly every message and measured ~0.5× the download
 *   throughput here, which would make this baseline look worse than it need be.
 * Usage: ws-relay-server.ts <targetHost> <targetPort>
 */
import net from 'node:net';
import { WebSocketServer, type RawData } from 'ws';
import { reportReady } from '../lib/processes.ts';
import { WS_HIGH_WATER_MARK } from '../lib/ws-byte-stream.ts';

/** Resume reading TCP once ws holds no more than this. */
const WS_LOW_WATER_MARK = WS_HIGH_WATER_MARK / 4;

const targetHost = process.argv[2] ?? '127.0.0.1';
const targetPort = Number(process.argv[3]);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  reportReady(address.port);
});

wss.on('connection', (ws) => {
  const tcp = net.connect({ host: targetHost, port: targetPort, noDelay: true });
  tcp.setNoDelay(true);

  ws.on('message', (data: RawData) => {
    if (!tcp.write(data as Buffer)) ws.pause();
  });
  tcp.on('drain', () => ws.resume());

  const onSent = (err?: Error): void => {
    if (!err && tcp.isPaused() && ws.bufferedAmount <= WS_LOW_WATER_MARK) tcp.resume();
  };
  tcp.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true }, onSent);
    if (ws.bufferedAmount >= WS_HIGH_WATER_MARK) tcp.pause();
  });

  tcp.on('end', () => ws.close(1000));
  tcp.on('error', () => ws.close(1011));
  tcp.on('close', () => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
  ws.on('close', () => tcp.destroy());
  ws.on('error', () => tcp.destroy());
});
