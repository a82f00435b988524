/**
 * A real WebSocket pair on 127.0.0.1 for session tests: `a` is a `ws` client
 * (WsClientTransport), `b` the gateway's own adapter (WsTransport) on the accepted
 * socket. Like the in-memory pair it taps every frame sent and formats them with
 * frames(); settle() waits until every sent message has been delivered and the
 * sessions stopped answering, so tests assert on a quiet pair, not on elapsed time.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeFrame } from '../../shared/frame.ts';
import { MAX_FRAME_LENGTH } from '../../shared/protocol.ts';
import type { TappedFrame } from '../../shared/testing/transport-pair.ts';
import type { MessageTransport, TransportSink } from '../../shared/transport.ts';
import { WsTransport } from '../ws-transport.ts';
import { WsClientTransport } from './ws-client-transport.ts';

/** Quiet turns of the event loop (everything delivered, nothing new sent) that count as settled. */
const QUIET_TURNS = 3;
const SETTLE_LIMIT_MS = 5_000;

/** Records what one side sends and how many messages it received. */
class TappedTransport implements MessageTransport {
  readonly #inner: MessageTransport;
  readonly #side: 'a' | 'b';
  readonly #tap: TappedFrame[];
  sent = 0;
  received = 0;
  /** The WebSocket closed: what was in flight is lost, as on a real link. */
  closed = false;

  constructor(inner: MessageTransport, side: 'a' | 'b', tap: TappedFrame[]) {
    this.#inner = inner;
    this.#side = side;
    this.#tap = tap;
  }

  get isOpen(): boolean { return this.#inner.isOpen; }
  get bufferedAmount(): number { return this.#inner.bufferedAmount; }

  attach(sink: TransportSink): void {
    this.#inner.attach({
      onOpen: () => sink.onOpen(),
      onMessage: (message) => {
        this.received++;
        sink.onMessage(message);
      },
      onClose: (info) => {
        this.closed = true;
        sink.onClose(info);
      },
      onDrain: () => sink.onDrain(),
    });
  }

  send(message: Uint8Array): void {
    if (!this.#inner.isOpen) return;
    this.sent++;
    try {
      this.#tap.push({ from: this.#side, frame: decodeFrame(message) });
    } catch {
      // A test playing a hostile peer sent bytes that do not decode: counted, not tapped.
    }
    this.#inner.send(message);
  }

  requestDrain(): void { this.#inner.requestDrain(); }
  close(code: number, reason: string): void { this.#inner.close(code, reason); }
}

/** Both ends of a WebSocket on 127.0.0.1, tapped. */
export interface WsTransportPair {
  /** The client end. */
  readonly a: MessageTransport;
  /** The gateway end. */
  readonly b: MessageTransport;
  readonly tap: TappedFrame[];
  /** Frames tapped so far, "a>open#1" style, as the in-memory pair formats them. */
  frames(filter?: (t: TappedFrame) => boolean): string[];
  /** Resolves once every message sent either way was delivered (or the WebSocket closed) and nothing new happened for a few turns. */
  settle(): Promise<void>;
  /** The connection dies now: the client's TCP socket is destroyed, both sides see 1006. */
  drop(): void;
  /** Closes the WebSocket and the server. */
  close(): Promise<void>;
}

/** Opens a WebSocket server on 127.0.0.1:0 and a client to it; resolves once both ends are open. */
export async function createWsTransportPair(): Promise<WsTransportPair> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_FRAME_LENGTH, perMessageDeflate: false });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const client = new WsClientTransport(new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false }));
  await once(client.ws, 'open');
  const [socket] = await accepted;
  const tap: TappedFrame[] = [];
  const a = new TappedTransport(client, 'a', tap);
  const b = new TappedTransport(new WsTransport(socket), 'b', tap);
  const total = (): number => a.sent + b.sent + a.received + b.received;
  return {
    a,
    b,
    tap,
    frames: (filter) => tap.filter(filter ?? (() => true)).map((t) => `${t.from}>${t.frame.type}#${t.frame.streamId}`),
    async settle() {
      const deadline = Date.now() + SETTLE_LIMIT_MS;
      let quiet = 0;
      let last = -1;
      while (quiet < QUIET_TURNS) {
        if (Date.now() > deadline) throw new Error(`ws pair did not settle: a sent ${a.sent}, b received ${b.received}; b sent ${b.sent}, a received ${a.received}`);
        await new Promise((resolve) => setImmediate(resolve));
        const delivered = (a.closed && b.closed) || (a.sent === b.received && b.sent === a.received);
        quiet = delivered && total() === last ? quiet + 1 : 0;
        last = total();
      }
    },
    drop() {
      client.ws.terminate();
    },
    async close() {
      client.ws.terminate();
      socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
