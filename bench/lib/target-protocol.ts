/**
 * The bench's own request protocol, spoken by every target (the TCP target in
 * `bench/server.ts` and the raw-ws server). It needs no half-close, so it works
 * unchanged through relays that have none (a WebSocket cannot half-close).
 *
 * The client opens with a 9-byte request: mode (u8) + length (u64 big-endian).
 * - Upload: the client then sends `length` bytes; the target replies ACK (1 byte) once all arrived.
 * - Download: the target sends `length` bytes.
 * - Echo: the target echoes every later byte; `length` is ignored.
 */

/** Request modes, the first byte of a request. */
export const RequestMode = {
  Upload: 0x55, // 'U'
  Download: 0x44, // 'D'
  Echo: 0x45, // 'E'
} as const;
export type RequestModeValue = (typeof RequestMode)[keyof typeof RequestMode];

/** Request header length in bytes. */
export const REQUEST_LENGTH = 9;
/** The byte an upload sink sends once it has counted every byte. */
export const ACK = 0x06;

/** Encodes a request header. */
export function encodeRequest(mode: RequestModeValue, length: number): Uint8Array {
  const bytes = new Uint8Array(REQUEST_LENGTH);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, mode);
  view.setBigUint64(1, BigInt(length));
  return bytes;
}

/** What a target session needs from its transport (a TCP socket or a WebSocket). */
export interface TargetPeer {
  /** Sends bytes; `false` means call `onDrain` before sending more. */
  write(chunk: Uint8Array): boolean;
  /** Calls `listener` once the peer can take more bytes. */
  onceDrain(listener: () => void): void;
}

/** Server side of one bench connection: feed it every received chunk. */
export class TargetSession {
  #peer: TargetPeer;
  #chunk: Uint8Array;
  #header = new Uint8Array(REQUEST_LENGTH);
  #headerFilled = 0;
  #mode: RequestModeValue | undefined;
  #remaining = 0;
  #stopped = false;

  constructor(peer: TargetPeer, chunk: Uint8Array) {
    this.#peer = peer;
    this.#chunk = chunk;
  }

  /** Stops a running download (the connection closed). */
  stop(): void {
    this.#stopped = true;
  }

  /** Handles bytes received from the client. */
  push(data: Uint8Array): void {
    let payload = data;
    if (this.#mode === undefined) {
      const take = Math.min(REQUEST_LENGTH - this.#headerFilled, data.byteLength);
      this.#header.set(data.subarray(0, take), this.#headerFilled);
      this.#headerFilled += take;
      if (this.#headerFilled < REQUEST_LENGTH) return;
      this.#start();
      payload = data.subarray(take);
    }
    if (payload.byteLength === 0) return;
    switch (this.#mode) {
      case RequestMode.Upload:
        this.#remaining -= payload.byteLength;
        if (this.#remaining === 0) this.#peer.write(Uint8Array.of(ACK));
        if (this.#remaining < 0) throw new Error(`upload overran its length by ${-this.#remaining} bytes`);
        return;
      case RequestMode.Echo:
        this.#peer.write(payload);
        return;
      case RequestMode.Download:
        throw new Error('client sent bytes after a download request');
      case undefined:
        return;
      default: {
        const unreachable: never = this.#mode;
        throw new Error(`unknown mode ${String(unreachable)}`);
      }
    }
  }

  #start(): void {
    const view = new DataView(this.#header.buffer);
    const mode = view.getUint8(0);
    const length = Number(view.getBigUint64(1));
    if (mode !== RequestMode.Upload && mode !== RequestMode.Download && mode !== RequestMode.Echo) {
      throw new Error(`unknown request mode 0x${mode.toString(16)}`);
    }
    this.#mode = mode;
    this.#remaining = length;
    if (mode === RequestMode.Upload && length === 0) this.#peer.write(Uint8Array.of(ACK));
    if (mode === RequestMode.Download) this.#pump();
  }

  /** Writes download chunks until the peer pushes back, then waits for drain. */
  #pump = (): void => {
    while (this.#remaining > 0 && !this.#stopped) {
      const n = Math.min(this.#chunk.byteLength, this.#remaining);
      this.#remaining -= n;
      const ok = this.#peer.write(n === this.#chunk.byteLength ? this.#chunk : this.#chunk.subarray(0, n));
      if (!ok) {
        this.#peer.onceDrain(this.#pump);
        return;
      }
    }
  };
}
