/**
 * The frames of a routed session as readable lines, for a failed test's report:
 *
 *   +0.041s page→gw  OPEN#1 db.internal:5432
 *   +0.043s gw→page  OPENED#1 127.0.0.1:51234 -> 127.0.0.1:5432
 *   +0.044s page→gw  DATA#1 5B "hello"
 *
 * The newest `capacity` lines are kept; DATA shows its first bytes, printable ones as text.
 */
import { decodeFrame, formatFrame } from '../shared/frame.ts';

export type Direction = 'page→gw' | 'gw→page';

/** Bytes of a DATA frame shown. */
const PREVIEW_BYTES = 32;

export class FrameTrace {
  readonly #capacity: number;
  readonly #started = performance.now();
  /** A ring: the next line goes at #count % capacity. */
  readonly #lines: string[] = [];
  #count = 0;

  constructor(capacity = 2000) {
    this.#capacity = capacity;
  }

  /** Records one WebSocket message, or an event on the link (a close, a drop). */
  record(direction: Direction, message: Uint8Array | string): void {
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(3);
    this.#lines[this.#count % this.#capacity] = `+${seconds}s ${direction}  ${typeof message === 'string' ? message : describe(message)}`;
    this.#count += 1;
  }

  /** The lines, oldest first, after a line saying how many older ones were dropped. */
  text(): string {
    const dropped = this.#count - this.#lines.length;
    const start = this.#count % this.#lines.length || 0;
    const lines = dropped > 0 ? [`(${dropped} earlier lines dropped)`, ...this.#lines.slice(start), ...this.#lines.slice(0, start)] : this.#lines;
    return `${lines.join('\n')}\n`;
  }
}

function describe(message: Uint8Array): string {
  try {
    const frame = decodeFrame(message);
    const line = formatFrame(frame);
    return frame.type === 'data' ? `${line} ${preview(frame.data)}` : line;
  } catch (error) {
    return `undecodable ${message.length}B (${(error as Error).message})`;
  }
}

/** The first bytes as a quoted string: printable ASCII as is, the rest escaped. */
function preview(data: Uint8Array): string {
  let text = '';
  for (const byte of data.subarray(0, PREVIEW_BYTES)) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else if (byte === 0x0a) text += '\\n';
    else if (byte === 0x0d) text += '\\r';
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `"${text}"${data.length > PREVIEW_BYTES ? '…' : ''}`;
}
