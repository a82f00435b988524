/**
 * The gateway's structured log: the entry type, and a bridge's view of it. Each of a
 * bridge's lines names its stream and destination, and an exception in one of its event
 * handlers (our bug) is logged and fails that bridge only, never the process.
 */
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';

/** Log levels, least severe first (`--log-level` keeps its own and those after it). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when a line of `level` passes a `threshold` filter. */
export function logsAt(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/**
 * One structured log line; `event` names what happened, the rest is context. Lines about a
 * session carry `session` (the WebSocket connection's number) and, from its handshake on,
 * `sessionTag`; lines about a stream also its `stream` id.
 */
export interface GatewayLogEntry {
  readonly level: LogLevel;
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A bridge's log: `fields` go out with its stream id, host and port. */
export type BridgeLog = (level: GatewayLogEntry['level'], event: string, fields: Record<string, unknown>) => void;

export function bridgeLog(sink: ((entry: GatewayLogEntry) => void) | undefined, stream: number, host: string, port: number): BridgeLog {
  return (level, event, fields) => sink?.({ level, event, stream, host, port, ...fields });
}

/** Runs a bridge's event handler; an exception is logged and `fail` ends the bridge with SOCKWAY_ERR_INTERNAL. */
export function guarded(log: BridgeLog, where: string, body: () => void, fail: (error: WireError) => void): void {
  try {
    body();
  } catch (error) {
    log('error', 'internal-error', { where, error: error instanceof Error ? error.stack ?? error.message : String(error) });
    try {
      fail(wireError({ code: SockwayErrorCode.Internal, message: 'the gateway failed internally' }));
    } catch {
      // Nothing sane is left to do for this bridge.
    }
  }
}
