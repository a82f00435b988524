/**
 * A session's live streams and the stream id rules (PROTOCOL.md#stream-ids): clients
 * open odd ids, gateways even ones, each side's increasing; an id at or below the last
 * one seen names a finished stream, whose late frames are ignored.
 */
import { ProtocolError, SockwayErrorCode } from './errors.ts';
import type { Frame } from './frame.ts';
import { MAX_STREAM_ID } from './protocol.ts';
import type { SessionStream } from './session-stream.ts';
import type { SessionRole } from './session-types.ts';

export class StreamTable {
  readonly #streams = new Map<number, SessionStream>();
  /** id % 2 of the streams this side opens. */
  readonly #ownParity: 0 | 1;
  #nextId: number;
  #lastLocalId = 0;
  #lastPeerId = 0;

  constructor(role: SessionRole) {
    this.#ownParity = role === 'client' ? 1 : 0;
    this.#nextId = role === 'client' ? 1 : 2;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** The id our next stream gets. */
  get nextId(): number {
    return this.#nextId;
  }

  /** Whether ids are left for another stream of ours. */
  get hasIds(): boolean {
    return this.#nextId <= MAX_STREAM_ID;
  }

  /** The highest id the peer opened (GOAWAY's lastStreamId). */
  get lastPeerId(): number {
    return this.#lastPeerId;
  }

  get(id: number): SessionStream | undefined {
    return this.#streams.get(id);
  }

  values(): IterableIterator<SessionStream> {
    return this.#streams.values();
  }

  delete(id: number): void {
    this.#streams.delete(id);
  }

  /** Adds a stream of ours, which took nextId. */
  addLocal(stream: SessionStream): void {
    this.#nextId += 2;
    this.#lastLocalId = stream.id;
    this.#streams.set(stream.id, stream);
  }

  /** Adds a stream the peer opened (its id claimed with claimPeerId). */
  addPeer(stream: SessionStream): void {
    this.#streams.set(stream.id, stream);
  }

  /** The peer opens `frame.streamId`: it must have the peer's parity and exceed the last. */
  claimPeerId(frame: Frame): ProtocolError | null {
    const id = frame.streamId;
    const peerParity = 1 - this.#ownParity;
    if (id % 2 !== peerParity || id <= this.#lastPeerId) {
      return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} with stream id ${id}: ids must be ${peerParity ? 'odd' : 'even'} and increasing (last ${this.#lastPeerId})`);
    }
    this.#lastPeerId = id;
    return null;
  }

  isLocal(id: number): boolean {
    return id % 2 === this.#ownParity;
  }

  /** An id of ours that was issued (the stream may have finished since). */
  wasIssued(id: number): boolean {
    return this.isLocal(id) && id <= this.#lastLocalId;
  }

  /** Live streams the peer opened (what maxStreams bounds). */
  peerCount(): number {
    let count = 0;
    for (const id of this.#streams.keys()) if (!this.isLocal(id)) count++;
    return count;
  }

  /** A frame for no live stream: null for a late arrival (an id issued or seen before), else the error. */
  checkUnknown(frame: Frame): ProtocolError | null {
    const id = frame.streamId;
    const last = this.isLocal(id) ? this.#lastLocalId : this.#lastPeerId;
    if (id <= last) return null;
    return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} for unknown stream ${id}`);
  }

  /** Removes and returns every stream. */
  takeAll(): SessionStream[] {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    return streams;
  }

  /** Our streams above `lastStreamId`: the peer never saw them (GOAWAY). */
  unprocessed(lastStreamId: number): SessionStream[] {
    return [...this.#streams.values()].filter((stream) => this.isLocal(stream.id) && stream.id > lastStreamId);
  }
}
