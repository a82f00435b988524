/**
 * The pieces of Socket's write path that are not the socket's state: Node 20's
 * write results and callbacks over readable-stream's, and byte counting.
 */
import { Buffer } from 'buffer';
import { Duplex } from 'readable-stream';

export type WriteCallback = (error?: Error | null) => void;
/** A queued write as readable-stream keeps it (writableBuffer, writev chunks). */
export type QueuedChunk = { chunk: unknown; encoding: string };

/** The readable-stream writable state fields write() looks at. */
interface WritableStateFields {
  length: number;
  highWaterMark: number;
  needDrain: boolean;
  ending: boolean;
  destroyed: boolean;
  errored: Error | null;
}

/** Node 20's callbacks get `null` on success; readable-stream passes nothing. Same wrapper for the same callback. */
const nodeCallbacks = new WeakMap<(...args: never[]) => unknown, WriteCallback>();
export function withNullOnSuccess(callback: unknown): WriteCallback | undefined {
  if (typeof callback !== 'function') return undefined;
  let wrapped = nodeCallbacks.get(callback as WriteCallback);
  if (wrapped === undefined) {
    wrapped = (error?: Error | null) => (callback as WriteCallback)(error ?? null);
    nodeCallbacks.set(callback as WriteCallback, wrapped);
  }
  return wrapped;
}

/**
 * Duplex.write with Node 20's result: decided after the handle took the chunk (a write
 * the tunnel sends at once leaves room), where readable-stream decides before.
 */
export function writeWithNodeResult(stream: Duplex, chunk: unknown, encoding: unknown, callback: unknown): boolean {
  const state = (stream as unknown as { _writableState: WritableStateFields })._writableState;
  const refused = state.ending || state.destroyed;
  const needDrain = state.needDrain;
  const result = Duplex.prototype.write.call(stream, chunk, encoding as BufferEncoding, withNullOnSuccess(callback) as WriteCallback);
  if (refused) return result;
  const room = state.length < state.highWaterMark || state.length === 0;
  if (!room) state.needDrain = true;
  else if (!needDrain) state.needDrain = false;
  return room && !state.errored && !state.destroyed;
}

/** A chunk as bytes (strings encoded, views over the same memory). */
export function toBytes(chunk: unknown, encoding: string): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, (encoding || 'utf8') as BufferEncoding);
  if (chunk instanceof Uint8Array) return chunk;
  const view = chunk as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function byteLength(chunk: unknown, encoding: string): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, (encoding || 'utf8') as BufferEncoding);
  return (chunk as ArrayBufferView).byteLength;
}

/** Bytes of the queued writes plus the write held while connecting (`_pendingData`), as Node counts them. */
export function queuedBytes(buffer: QueuedChunk[], pending: unknown, pendingEncoding: string): number {
  let bytes = 0;
  for (const entry of buffer) bytes += byteLength(entry.chunk, entry.encoding);
  if (Array.isArray(pending)) {
    for (const entry of pending as QueuedChunk[]) bytes += byteLength(entry.chunk, entry.encoding);
  } else if (pending !== null && pending !== undefined) {
    bytes += byteLength(pending, pendingEncoding);
  }
  return bytes;
}
