/**
 * What a Socket needs from its tunnel, and the symbol by which a net module's
 * Socket class finds its tunnel (a static property, so subclasses inherit it).
 */
import type { WireError } from '../shared/errors.ts';
import type { ListenFrame, OpenFrame, QueryFrame } from '../shared/frame.ts';
import type { SessionStream, StreamHandler } from '../shared/session.ts';

/** Static property of bound Socket classes returning their tunnel. */
export const TUNNEL: unique symbol = Symbol('sockway.tunnel');

/** The tunnel services a socket uses. */
export interface TunnelCore {
  /** Opens a stream on the current session (creating the WebSocket if needed). */
  openStream(open: Omit<OpenFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | WireError;
  /** Opens a listener stream (LISTEN) on the current session, as openStream() does for OPEN. */
  openListener(listen: Omit<ListenFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | WireError;
  /** Asks the gateway's resolver (QUERY) on the current session. */
  openQuery(query: Omit<QueryFrame, 'type' | 'streamId'>, handler: StreamHandler): SessionStream | WireError;
  /** Counts `socket` as active; `ref` says whether it keeps a Node process alive. */
  retain(socket: object, ref: boolean): void;
  /** The socket is gone. */
  release(socket: object): void;
}
