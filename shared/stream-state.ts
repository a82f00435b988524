/**
 * Lifecycle of one stream, hashicorp/yamux's half-close model. Flow control is
 * kept out of it on purpose. @see PROTOCOL.md#stream-lifecycle
 *
 *   opening --opened--> open --send-end--> local-closed --recv-end--> closed
 *                         \--recv-end--> remote-closed --send-end--> closed
 *   opening --answered--> closed          (a QUERY stream's ANSWER ends it at once)
 *   any state but closed/reset --reset--> reset
 */
import { ProtocolError, SockwayErrorCode } from './errors.ts';

/** Where a stream is in its life. */
export type StreamState = 'opening' | 'open' | 'local-closed' | 'remote-closed' | 'closed' | 'reset';

/** What can happen to a stream. */
export type StreamEvent = 'opened' | 'send-end' | 'recv-end' | 'answered' | 'reset';

const TRANSITIONS: { readonly [S in StreamState]: { readonly [E in StreamEvent]?: StreamState } } = {
  opening: { opened: 'open', answered: 'closed', reset: 'reset' },
  open: { 'send-end': 'local-closed', 'recv-end': 'remote-closed', reset: 'reset' },
  'local-closed': { 'recv-end': 'closed', reset: 'reset' },
  'remote-closed': { 'send-end': 'closed', reset: 'reset' },
  closed: {},
  reset: {},
};

/** The state after `event`, or a ProtocolError when the event is illegal in `state`. */
export function transition(state: StreamState, event: StreamEvent): StreamState | ProtocolError {
  return TRANSITIONS[state][event] ??
    new ProtocolError(SockwayErrorCode.Protocol, `stream event ${event} is illegal in state ${state}`);
}

/** True when DATA and END may still be sent. */
export function canSend(state: StreamState): boolean {
  return state === 'open' || state === 'remote-closed';
}

/** True when DATA and END may still arrive. */
export function canReceive(state: StreamState): boolean {
  return state === 'open' || state === 'local-closed';
}

/** True when the stream is finished and can be forgotten. */
export function isTerminal(state: StreamState): boolean {
  return state === 'closed' || state === 'reset';
}
