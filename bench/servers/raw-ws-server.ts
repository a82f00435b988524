/**
 * The raw-ws contender's server: a `ws` server that is itself the target
 * (sink/source/echo over binary messages), i.e. the transport's own limit with
 * no relay hop. Usage: raw-ws-server.ts <chunkBytes>
 */
import { WebSocketServer, type RawData } from 'ws';
import { TargetSession } from '../lib/target-protocol.ts';
import { reportReady } from '../lib/processes.ts';
import { WS_HIGH_WATER_MARK } from '../lib/ws-byte-stream.ts';

const chunkBytes = Number(process.argv[2] ?? 65536);
const chunk = new Uint8Array(chunkBytes).fill(0x61);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  reportReady(address.port);
});

wss.on('connection', (ws) => {
  let drainListener: (() => void) | undefined;
  const onSent = (err?: Error): void => {
    if (err || drainListener === undefined || ws.bufferedAmount >= WS_HIGH_WATER_MARK) return;
    const listener = drainListener;
    drainListener = undefined;
    listener();
  };
  const session = new TargetSession(
    {
      write(bytes) {
        ws.send(bytes, { binary: true }, onSent);
        return ws.bufferedAmount < WS_HIGH_WATER_MARK;
      },
      onceDrain(listener) {
        drainListener = listener;
      },
    },
    chunk,
  );
  ws.on('message', (data: RawData) => {
    try {
      session.push(data as Buffer); // binaryType 'nodebuffer', unfragmented
    } catch (err) {
      console.error('raw-ws target:', err);
      ws.terminate();
    }
  });
  ws.on('close', () => session.stop());
  ws.on('error', () => {});
});
