/**
 * The gateway's TCP socket to a destination, with the faults a test sets on it
 * (SockwayRoute.fault()). The gateway's own bridge relays it as any socket: a fault looks
 * to the page exactly as the real event would, with Node's error fields.
 *
 *   refuse     connecting fails: ECONNREFUSED (syscall connect)
 *   reset      the connection is reset: ECONNRESET (syscall read), at once if open, else once connected
 *   blackhole  connecting never ends (the gateway's connectTimeout, or the page's own timer, decides);
 *              an open stream receives nothing more
 *   stall      the gateway stops reading the destination: the page receives nothing more
 *              until the fault is cleared, then all of it
 */
import { constants } from 'node:os';
import * as net from 'node:net';

export type DestinationFault = 'refuse' | 'reset' | 'blackhole' | 'stall';

export const DESTINATION_FAULTS: readonly DestinationFault[] = ['refuse', 'reset', 'blackhole', 'stall'];

/** An error as Node's net makes it (`connect ECONNREFUSED 127.0.0.1:5432`, errno, code, syscall, address, port). */
export function systemError(code: 'ECONNREFUSED' | 'ECONNRESET', syscall: 'connect' | 'read', address?: string, port?: number): NodeJS.ErrnoException {
  const where = address === undefined ? '' : ` ${address}${port === undefined ? '' : `:${port}`}`;
  return Object.assign(new Error(`${syscall} ${code}${where}`), {
    errno: -constants.errno[code],
    code,
    syscall,
    ...(address === undefined ? {} : { address }),
    ...(port === undefined ? {} : { port }),
  });
}

export class FaultSocket extends net.Socket {
  #fault: DestinationFault | null = null;
  /** Whether the bridge wants to read (it pauses for lack of credit and resumes on it). */
  #flowing = true;

  /** The fault now in force on this socket (null: none). */
  get fault(): DestinationFault | null {
    return this.#fault;
  }

  /**
   * Dials `options` (the port of a mapped destination changed to `port`) under `fault`;
   * refuse and blackhole never dial, and a refusal names the address and port the page asked for.
   */
  dial(options: net.TcpNetConnectOpts, port: number, fault: DestinationFault | null): this {
    if (fault === 'refuse') {
      process.nextTick(() => this.destroy(systemError('ECONNREFUSED', 'connect', options.host, options.port)));
      return this;
    }
    if (fault === 'blackhole') {
      this.setFault('blackhole');
      return this;
    }
    this.connect({ ...options, port });
    // A mapped name is transparent: the page's remotePort is the one it dialed, as its errors' port is.
    if (port !== options.port) {
      const realPort = Object.getOwnPropertyDescriptor(net.Socket.prototype, 'remotePort')?.get;
      Object.defineProperty(this, 'remotePort', { get: () => (realPort?.call(this) === undefined ? undefined : options.port) });
    }
    this.setFault(fault);
    return this;
  }

  /** Applies a fault to this socket from now on (null clears it). */
  setFault(fault: DestinationFault | null): void {
    this.#fault = fault;
    if (fault === 'reset') {
      if (this.connecting) this.once('connect', () => this.#reset());
      else this.#reset();
      return;
    }
    if (fault === 'stall' || fault === 'blackhole') super.pause();
    else if (this.#flowing) super.resume();
  }

  override pause(): this {
    this.#flowing = false;
    return super.pause();
  }

  override resume(): this {
    this.#flowing = true;
    // Stalled: the bridge's wish to read waits until the fault is cleared.
    if (this.#fault === 'stall' || this.#fault === 'blackhole') return this;
    return super.resume();
  }

  #reset(): void {
    if (!this.destroyed) this.destroy(systemError('ECONNRESET', 'read'));
  }
}
