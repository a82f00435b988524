/**
 * Node's `onread` socket option: received bytes are copied into the user's buffer
 * and handed to its callback instead of being pushed onto the readable stream.
 */
import type { Socket } from './socket.ts';
import type { StreamHandle } from './stream-handle.ts';

/** The `onread` option: a buffer (or a function making one) and the callback it is read into. */
export type OnRead = { buffer: Uint8Array | (() => Uint8Array); callback: (nread: number, buffer: Uint8Array) => boolean | void };

export class OnReadSink {
  readonly #onread: OnRead;
  /** Node's kBuffer: the onread buffer in use (from a buffer function, the latest it made). */
  #buffer: Uint8Array | null = null;

  constructor(onread: OnRead) {
    this.#onread = onread;
    if (typeof onread.buffer !== 'function') this.#buffer = onread.buffer;
  }

  /** A fresh handle: a buffer function makes the buffer for it (Node's initSocketHandle). */
  renew(): void {
    const onread = this.#onread;
    if (typeof onread.buffer === 'function') {
      const buffer = onread.buffer();
      if (buffer instanceof Uint8Array) this.#buffer = buffer;
    }
  }

  /** Each read fills the user's buffer once; a callback returning false stops reading. Returns the bytes taken. */
  deliver(socket: Socket, handle: StreamHandle, data: Uint8Array): number {
    const onread = this.#onread;
    let offset = 0;
    while (offset < data.length && handle.reading && !socket.destroyed) {
      const target = this.#buffer;
      if (target === null || target.length === 0) break;
      const n = Math.min(target.length, data.length - offset);
      target.set(data.subarray(offset, offset + n), 0);
      offset += n;
      handle.bytesRead += n;
      const more = onread.callback.call(socket, n, target) !== false;
      if (typeof onread.buffer === 'function') {
        const next = onread.buffer();
        if (next instanceof Uint8Array) this.#buffer = next;
      }
      if (!more) handle.readStop();
    }
    return offset;
  }
}
