/**
 * A session's live streams and the stream id rules (PROTOCOL.md#stream-ids): clients
 * open odd ids, gateways even ones, each side's increasing; an id at or below the last
 * one seen names a finished stream, whose late frames are ignored. And which stream a
 * frame on an open stream goes to, if that side may send it there.
 */
import { ProtocolError, SockwayErrorCode } from './errors.ts';
import type { Frame } from './frame.ts';
import { MAX_STREAM_ID } from './protocol.ts';
import type { SessionStream } from './session-stream.ts';
import type { SessionRole } from './session-types.ts';

/** The frames that travel on a stream once it exists. */
export type StreamFrame = Extract<Frame, { readonly type: 'resolved' | 'opened' | 'data' | 'end' | 'reset' | 'window' | 'listening' | 'starttls' | 'secured' | 'answer' }>;

/** The session failure for a frame the other role sends. */
export function unexpectedFrame(type: string, role: SessionRole): ProtocolError {
  return new ProtocolError(SockwayErrorCode.Protocol, `unexpected ${type.toUpperCase()} on a ${role} session`);
}

export class StreamTable {
  readonly #streams = new Map<number, SessionStream>();
  readonly #role: SessionRole;
  /** id % 2 of the streams this side opens. */
  readonly #ownParity: 0 | 1;
  #nextId: number;
  #lastLocalId = 0;
  #lastPeerId = 0;

  constructor(role: SessionRole) {
    this.#role = role;
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

  /**
   * The stream `frame` is for; null for a late frame of a finished stream; a ProtocolError
   * when the peer may not send it: a frame only the other role sends, an answer (RESOLVED,
   * OPENED, LISTENING, SECURED, ANSWER) on a stream the peer opened, DATA over maxPayload.
   */
  target(frame: StreamFrame, maxPayload: number): SessionStream | ProtocolError | null {
    if (frame.type === 'starttls' && this.#role !== 'gateway') return unexpectedFrame(frame.type, this.#role);
    if ((frame.type === 'secured' || frame.type === 'answer') && this.#role !== 'client') return unexpectedFrame(frame.type, this.#role);
    const stream = this.#streams.get(frame.streamId);
    if (stream === undefined) return this.checkUnknown(frame);
    if ((frame.type === 'resolved' || frame.type === 'opened' || frame.type === 'listening' || frame.type === 'secured' || frame.type === 'answer') && !this.isLocal(frame.streamId)) {
      // Only the side that received OPEN/LISTEN answers it.
      return new ProtocolError(SockwayErrorCode.Protocol, `${frame.type.toUpperCase()} on stream ${frame.streamId}, which the peer opened`);
    }
    if (frame.type === 'data' && frame.data.length > maxPayload) {
      return new ProtocolError(SockwayErrorCode.Protocol, `DATA of ${frame.data.length} bytes exceeds the announced maxPayload ${maxPayload}`);
    }
    return stream;
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
