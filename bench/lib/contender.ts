/**
 * The contract every benchmark contender implements: a way for a Node client
 * process to get a bidirectional byte stream to a target TCP server.
 * A contender is one small module in `bench/contenders/` exporting `contender`.
 */

/** The TCP server a contender must reach (the bench target, see `bench/server.ts`). */
export interface Target {
  host: string;
  port: number;
}

/**
 * The least a client stream must offer the benchmark. A Node `net.Socket`, a
 * `stream.Duplex` and a readable-stream `Duplex` all satisfy it structurally.
 */
export interface ByteStream {
  /** Queues bytes; `false` means wait for `'drain'` before writing more. */
  write(chunk: Uint8Array): boolean;
  /** Half-closes the sending side (may close the whole stream where there is no half-close). */
  end(): unknown;
  /** Tears the stream down at once. */
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** A started contender: its server-side pieces (relay, gateway) are up. */
export interface ContenderInstance {
  /** Opens one stream to the target; resolves once bytes can be written. */
  open(): Promise<ByteStream>;
  /** Stops whatever `start` started. Streams are already destroyed by then. */
  close(): Promise<void>;
}

/** One way to reach the target, e.g. plain TCP or a WebSocket relay. */
export interface Contender {
  name: string;
  /** One line for the report: what is measured and through which processes. */
  description: string;
  /**
   * Starts the server-side pieces in their own processes (never in the client
   * process, so each side gets its own core) and returns the client handle.
   */
  start(target: Target): Promise<ContenderInstance>;
}
