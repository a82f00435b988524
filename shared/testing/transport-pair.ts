/**
 * An in-memory MessageTransport pair for session tests. Messages are delivered
 * asynchronously (a microtask per message, as a WebSocket delivers events), so
 * re-entrancy bugs show. Manual mode (`autoFlush: false`) holds messages until
 * flush(); tap records every decoded frame in both directions.
 */
import { decodeFrame, type Frame } from '../frame.ts';
import type { MessageTransport, TransportCloseInfo, TransportSink } from '../transport.ts';

/** A frame seen on the pair, with its direction. */
export interface TappedFrame {
  readonly from: 'a' | 'b';
  readonly frame: Frame;
}

/** Options of createTransportPair(). */
export interface TransportPairOptions {
  /** Deliver messages on their own (default true); false = only on flush(). */
  readonly autoFlush?: boolean;
  /** Whether side `a` starts open (default true); false = call open() later, like a connecting WebSocket. */
  readonly startOpen?: boolean;
}

class MemoryTransport implements MessageTransport {
  readonly name: 'a' | 'b';
  sink: TransportSink | null = null;
  peer: MemoryTransport | null = null;
  isOpen: boolean;
  closed = false;
  /** Bytes sent by this side not yet delivered to the peer. */
  bufferedAmount = 0;
  #drainRequested = false;
  readonly #pair: TransportPair;

  constructor(name: 'a' | 'b', isOpen: boolean, pair: TransportPair) {
    this.name = name;
    this.isOpen = isOpen;
    this.#pair = pair;
  }

  attach(sink: TransportSink): void {
    this.sink = sink;
  }

  send(message: Uint8Array): void {
    if (!this.isOpen || this.closed) throw new Error(`transport ${this.name} is not open`);
    const copy = message.slice();
    this.bufferedAmount += copy.length;
    try {
      this.#pair.tap.push({ from: this.name, frame: decodeFrame(copy) });
    } catch {
      this.#pair.malformed.push({ from: this.name, bytes: copy });
    }
    this.#pair.enqueue(() => {
      this.bufferedAmount -= copy.length;
      if (this.#drainRequested && this.bufferedAmount === 0) {
        this.#drainRequested = false;
        this.sink?.onDrain();
      }
      if (!this.peer?.closed) this.peer?.sink?.onMessage(copy);
    });
  }

  requestDrain(): void {
    if (this.bufferedAmount === 0) queueMicrotask(() => this.sink?.onDrain());
    else this.#drainRequested = true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // Messages already sent are delivered first, as a WebSocket close handshake does.
    this.#pair.enqueue(() => this.#pair.closeBoth({ code, reason, wasOpen: true }));
  }

  deliverClose(info: TransportCloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.sink?.onClose({ ...info, wasOpen: info.wasOpen && wasOpen });
  }
}

/** Both ends plus the controls tests use. */
export class TransportPair {
  readonly a: MemoryTransport;
  readonly b: MemoryTransport;
  readonly tap: TappedFrame[] = [];
  /** Messages that did not decode (sent by tests playing a hostile peer). */
  readonly malformed: Array<{ from: 'a' | 'b'; bytes: Uint8Array }> = [];
  readonly #autoFlush: boolean;
  readonly #pending: Array<() => void> = [];
  #scheduled = false;

  constructor(options: TransportPairOptions = {}) {
    this.#autoFlush = options.autoFlush ?? true;
    this.a = new MemoryTransport('a', options.startOpen ?? true, this);
    this.b = new MemoryTransport('b', true, this);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  /** @internal */
  enqueue(task: () => void): void {
    this.#pending.push(task);
    if (this.#autoFlush) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const task = this.#pending.shift();
      task?.();
      if (this.#pending.length > 0) this.#schedule();
    });
  }

  /** Manual mode: delivers every pending message (and what they cause), then resolves. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const task = this.#pending.shift() as () => void;
      task();
      await Promise.resolve();
    }
  }

  /** Number of undelivered messages. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Opens side a (simulates the WebSocket's open event). */
  open(): void {
    this.a.isOpen = true;
    this.a.sink?.onOpen();
  }

  /** The connection dies now: undelivered messages are lost, both sides see code 1006. */
  drop(): void {
    this.#pending.length = 0;
    this.a.bufferedAmount = 0;
    this.b.bufferedAmount = 0;
    this.closeBoth({ code: 1006, reason: '', wasOpen: true });
  }

  /** Closes both sides with `code` after pending messages are delivered. */
  closeWith(code: number, reason = ''): void {
    this.enqueue(() => this.closeBoth({ code, reason, wasOpen: true }));
  }

  /** @internal */
  closeBoth(info: TransportCloseInfo): void {
    this.a.deliverClose(info);
    this.b.deliverClose(info);
  }

  /** Frames tapped so far, formatted "a>OPEN#1" style names, for order assertions. */
  frames(filter?: (t: TappedFrame) => boolean): string[] {
    return this.tap.filter(filter ?? (() => true)).map((t) => `${t.from}>${t.frame.type}#${t.frame.streamId}`);
  }
}

/** Creates a connected in-memory transport pair: `a` is the client end, `b` the gateway end. */
export function createTransportPair(options?: TransportPairOptions): TransportPair {
  return new TransportPair(options);
}
