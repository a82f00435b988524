/**
 * Where a TCP bridge's socket reads land (Node's `onread`), and how each read becomes a DATA
 * payload. Small reads go to one buffer shared by every bridge and are copied out; a bridge
 * moving bulk data reads into buffers of its own, each handed over in place: the DATA
 * header goes into the room in front of it, so the payload is never copied.
 */
import { HEADER_LENGTH, MAX_PAYLOAD_LIMIT } from '../shared/protocol.ts';

/** Bytes per TCP read, the largest DATA payload a client may announce. */
const READ_SIZE = MAX_PAYLOAD_LIMIT;
/** Reads below this are copied out and the bridge goes back to the shared buffer. */
const SMALL_READ = 4096;

/** A read buffer with HEADER_LENGTH bytes of room in front of it (allocUnsafe: no zero fill). */
function newReadBuffer(): Buffer {
  return Buffer.allocUnsafe(HEADER_LENGTH + READ_SIZE).subarray(HEADER_LENGTH);
}

/**
 * The read buffer of every bridge not moving bulk data. What lands in it is copied out in
 * the read's own callback (libuv reads and calls back synchronously, one socket at a time),
 * so it is free again before any other socket reads: an idle or chatty stream holds no
 * READ_SIZE buffer of its own (10,000 streams that had moved data held 640 MB in theirs).
 */
const sharedReadBuffer = newReadBuffer();

/** One bridge's reads. */
export class TcpReads {
  /** The bridge's own buffer for the next read while it moves bulk data; null: the shared one. */
  #own: Buffer | null = null;
  /** The last payload take() returned has HEADER_LENGTH bytes of room in front, for its DATA header. */
  framable = false;

  /** The buffer the next read lands in (onread.buffer: Node asks after every read). */
  next(): Buffer {
    return this.#own ?? sharedReadBuffer;
  }

  /**
   * The payload of a read of `nread` bytes into `buffer`, valid after the callback returns.
   * A small read is copied and the next read goes to the shared buffer; a large one makes
   * the bridge a bulk reader, handed over in place (copied once first when it landed in the
   * shared buffer), with a fresh buffer of its own for the next read.
   */
  take(nread: number, buffer: Uint8Array): Uint8Array {
    const payload = buffer.subarray(0, nread);
    if (nread < SMALL_READ) {
      this.#own = null;
      this.framable = false;
      return Buffer.from(payload);
    }
    this.#own = newReadBuffer();
    this.framable = true;
    if (buffer !== sharedReadBuffer) return payload;
    const copy = newReadBuffer();
    copy.set(payload);
    return copy.subarray(0, nread);
  }
}
