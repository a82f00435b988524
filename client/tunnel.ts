/**
 * A tunnel: one gateway URL, at most one live WebSocket + Session at a time
 * (opened lazily by the first socket, replaced after it dies), and the `net`
 * module bound to it.
 */
import { Buffer } from 'buffer';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import { type Limits, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../shared/protocol.ts';
import { Session, type StreamStats } from '../shared/session.ts';
import { createNet, type NetModule } from './net.ts';
import type { TunnelCore } from './tunnel-core.ts';
import { type WebSocketConstructor, WebSocketTransport } from './websocket-transport.ts';

/** Options of createTunnel(). */
export interface TunnelOptions {
  /** The gateway's WebSocket URL, e.g. 'wss://example.com/sockway'. */
  readonly url: string;
  /** WebSocket implementation; defaults to the global WebSocket (pass `ws`'s in Node < 22). */
  readonly WebSocket?: WebSocketConstructor;
  /** WebSocket subprotocols to offer. */
  readonly protocols?: string | string[];
  /**
   * Capability token for a gateway that requires one (issued by your backend with
   * issueToken() from `sockway/gateway`). Sent as the subprotocol `sockway.token.<token>`
   * next to `sockway`, never in the URL. A function is called for every new WebSocket,
   * so a reconnect can use a fresh token.
   */
  readonly token?: string | (() => string);
  /** Receive-side limits this client announces (window, payload size). */
  readonly limits?: Partial<Limits>;
  /** Largest receive window per stream that auto-tuning may grow to (default 4 MiB). */
  readonly maxStreamWindow?: number;
  /** ms between keepalive pings (default 15000, 0 = off). */
  readonly keepaliveInterval?: number;
  /** ms to wait for a keepalive answer (default 10000). */
  readonly keepaliveTimeout?: number;
}

/** A tunnel to one gateway. */
export interface Tunnel {
  /** Node's `net` surface, carried by this tunnel. */
  readonly net: NetModule;
  /** The gateway URL. */
  readonly url: string;
  /** Per-stream counters of the live session. */
  stats(): { connected: boolean; streams: StreamStats[] };
  /** Closes the WebSocket; every open socket fails with SOCKWAY_ERR_GOING_AWAY. */
  close(): void;
}

type Timer = ReturnType<typeof setTimeout>;

/** Timers that never keep a Node process alive on their own. */
const unrefTimers = {
  setTimeout(callback: () => void, ms: number): unknown {
    const handle: Timer = setTimeout(callback, ms);
    (handle as unknown as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as Timer);
  },
};

class TunnelImpl implements TunnelCore, Tunnel {
  readonly url: string;
  readonly net: NetModule;
  readonly #options: TunnelOptions;
  #session: Session | null = null;
  #transport: WebSocketTransport | null = null;
  /** Active sockets and whether each is ref'd. */
  readonly #active = new Map<object, boolean>();

  constructor(options: TunnelOptions) {
    if (typeof options?.url !== 'string' || options.url === '') throw new TypeError('createTunnel: options.url must be the gateway WebSocket URL');
    this.#options = options;
    this.url = options.url;
    this.net = createNet(() => this);
  }

  openStream(...[open, handler]: Parameters<TunnelCore['openStream']>): ReturnType<TunnelCore['openStream']> {
    const session = this.#acquire();
    if ('code' in session) return session;
    const stream = session.open(open, handler);
    return stream ?? session.closeError ?? wireError({ code: SockwayErrorCode.GatewayClosed, message: 'the gateway session is closed' });
  }

  openListener(...[listen, handler]: Parameters<TunnelCore['openListener']>): ReturnType<TunnelCore['openListener']> {
    const session = this.#acquire();
    if ('code' in session) return session;
    const stream = session.listen(listen, handler);
    return stream ?? session.closeError ?? wireError({ code: SockwayErrorCode.GatewayClosed, message: 'the gateway session is closed' });
  }

  retain(socket: object, ref: boolean): void {
    this.#active.set(socket, ref);
    this.#applyRef();
  }

  release(socket: object): void {
    this.#active.delete(socket);
    this.#applyRef();
  }

  stats(): { connected: boolean; streams: StreamStats[] } {
    const session = this.#session;
    return {
      connected: session !== null && session.state === 'open',
      streams: session === null ? [] : [...session.streams()].map((s) => s.stats()),
    };
  }

  close(): void {
    this.#session?.close();
  }

  #acquire(): Session | WireError {
    const current = this.#session;
    if (current !== null && current.closeError === null) return current;
    const WebSocketImpl = this.#options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocketImpl === undefined) {
      return wireError({ code: SockwayErrorCode.GatewayUnreachable, message: 'no WebSocket implementation: pass options.WebSocket (e.g. from the ws package)' });
    }
    let socket;
    try {
      const protocols = this.#protocols();
      socket = protocols === undefined ? new WebSocketImpl(this.url) : new WebSocketImpl(this.url, protocols);
    } catch (error) {
      return wireError({ code: SockwayErrorCode.GatewayUnreachable, message: `cannot open a WebSocket to ${this.url}: ${(error as Error).message}` });
    }
    const transport = new WebSocketTransport(socket);
    const session: Session = new Session({
      role: 'client',
      transport,
      timers: unrefTimers,
      // Node's Buffer skips zero-filling; the browser polyfill's is a plain Uint8Array.
      allocate: (length: number) => Buffer.allocUnsafe(length),
      ...(this.#options.limits !== undefined && { limits: this.#options.limits }),
      ...(this.#options.maxStreamWindow !== undefined && { maxStreamWindow: this.#options.maxStreamWindow }),
      ...(this.#options.keepaliveInterval !== undefined && { keepaliveInterval: this.#options.keepaliveInterval }),
      ...(this.#options.keepaliveTimeout !== undefined && { keepaliveTimeout: this.#options.keepaliveTimeout }),
      onClose: () => {
        if (this.#session === session) {
          this.#session = null;
          this.#transport = null;
        }
      },
    });
    this.#session = session;
    this.#transport = transport;
    this.#applyRef();
    return session;
  }

  /** The subprotocols to offer: the caller's, plus `sockway` and the token when there is one. */
  #protocols(): string | string[] | undefined {
    const { protocols, token } = this.#options;
    if (token === undefined) return protocols;
    const value = typeof token === 'function' ? token() : token;
    const own = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
    return [...own.filter((protocol) => protocol !== SUBPROTOCOL), SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${value}`];
  }

  /** Node: the WebSocket keeps the process alive only while a ref'd socket is active. */
  #applyRef(): void {
    let ref = false;
    for (const refed of this.#active.values()) if (refed) { ref = true; break; }
    this.#transport?.setRef(ref);
  }
}

/** Creates a tunnel to a sockway gateway; `tunnel.net` is Node's net surface over it. */
export function createTunnel(options: TunnelOptions): Tunnel {
  return new TunnelImpl(options);
}
