/**
 * A thin `ByteStream` over one `ws` client WebSocket, used by every
 * WebSocket-based baseline (raw-ws, ws-relay, websockify) so they pay the same
 * client-side cost. Deliberately not a stream.Duplex: the baselines should show
 * the transport, not Node stream machinery.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { ByteStream } from './contender.ts';

/** Stop writing once this many bytes wait in ws (the baseline's 1 MiB mark, protocol-design.md §5). */
export const WS_HIGH_WATER_MARK = 1024 * 1024;

/** Wraps an open WebSocket. Messages become 'data'; the close becomes 'end' then 'close'. */
export class WebSocketByteStream extends EventEmitter implements ByteStream {
  #ws: WebSocket;
  #needDrain = false;

  constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) return;
      // binaryType is 'nodebuffer', but RawData also covers the other types.
      const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      this.emit('data', chunk);
    });
    ws.on('error', (err: Error) => this.emit('error', err));
    ws.on('close', () => {
      this.emit('end');
      this.emit('close');
    });
  }

  write(chunk: Uint8Array): boolean {
    this.#ws.send(chunk, { binary: true }, this.#onSent);
    if (this.#ws.bufferedAmount < WS_HIGH_WATER_MARK) return true;
    this.#needDrain = true;
    return false;
  }

  // The send callback runs once ws has handed the frame to the socket.
  #onSent = (err?: Error): void => {
    if (err !== undefined && err !== null) return; // 'error'/'close' report it
    if (this.#needDrain && this.#ws.bufferedAmount < WS_HIGH_WATER_MARK) {
      this.#needDrain = false;
      this.emit('drain');
    }
  };

  /** A WebSocket has no half-close: this closes it. */
  end(): void {
    this.#ws.close(1000);
  }

  destroy(): void {
    this.#ws.terminate();
  }
}

/** Opens a WebSocket (permessage-deflate off) and resolves with its ByteStream once open. */
export function openWebSocketStream(url: string, protocols: readonly string[] = []): Promise<WebSocketByteStream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [...protocols], { perMessageDeflate: false });
    const fail = (err: Error): void => {
      ws.terminate();
      reject(err);
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`${url}: HTTP ${res.statusCode} instead of an upgrade`)));
    ws.once('open', () => {
      ws.off('error', fail);
      resolve(new WebSocketByteStream(ws));
    });
  });
}
