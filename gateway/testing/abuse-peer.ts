/**
 * Attackers' connections for the abuse suite: each one comes from a loopback source
 * address of its own (127.0.0.0/8 is all local on Linux), so the gateway counts it as a
 * different client from the well-behaved one on 127.0.0.1. RawPeer sends frames no
 * Session would; attackerSession() is a client Session for well-formed abuse.
 */
import { WebSocket } from 'ws';
import type { WireError } from '../../shared/errors.ts';
import { type Frame, decodeFrame, encodeFrame } from '../../shared/frame.ts';
import { DEFAULT_LIMITS, type Limits } from '../../shared/protocol.ts';
import { Session, type SessionOptions } from '../../shared/session.ts';
import { WsClientTransport, realTimers } from './ws-client-transport.ts';
import { deferred } from './harness.ts';

/** HELLO offering version 1 only (no resumption), or 2, with `limits`. */
export function helloFrame(version: 1 | 2, limits: Partial<Limits> = {}): Uint8Array {
  return encodeFrame({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: version, limits: { ...DEFAULT_LIMITS, ...limits } });
}

/** A raw WebSocket from `localAddress`; frames are decoded only if someone listens. */
export class RawPeer {
  readonly ws: WebSocket;
  /** Resolves true once open, false if the upgrade failed or the socket closed first. */
  readonly opened: Promise<boolean>;
  /** Resolves with the close code once closed. */
  readonly closed: Promise<number>;
  /** HTTP status of a refused upgrade, or 0. */
  refusedStatus = 0;
  onFrame: ((frame: Frame) => void) | null = null;
  /** Bytes received (counted whether decoded or not). */
  received = 0;
  /** The WELCOME answering HELLO or RESUME; null if the socket closed first. */
  readonly welcome: Promise<Extract<Frame, { type: 'welcome' }> | null>;
  #welcomed = false;

  constructor(url: string, localAddress: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    const opened = deferred<boolean>();
    const closed = deferred<number>();
    const welcome = deferred<Extract<Frame, { type: 'welcome' }> | null>();
    this.welcome = welcome.promise;
    this.opened = opened.promise;
    this.closed = closed.promise;
    this.ws.on('error', () => opened.resolve(false));
    this.ws.on('unexpected-response', (_request, response) => {
      this.refusedStatus = response.statusCode ?? 0;
      opened.resolve(false);
      this.ws.terminate();
    });
    this.ws.on('open', () => opened.resolve(true));
    this.ws.on('close', (code: number) => {
      opened.resolve(false);
      welcome.resolve(null);
      closed.resolve(code);
    });
    this.ws.on('message', (data: Buffer) => {
      this.received += data.length;
      // Frames are decoded only while someone waits for them: floods of DATA cost nothing.
      if (this.onFrame === null && this.#welcomed) return;
      let frame: Frame;
      try {
        frame = decodeFrame(data);
      } catch {
        return;
      }
      if (frame.type === 'welcome' && !this.#welcomed) {
        this.#welcomed = true;
        welcome.resolve(frame);
      }
      this.onFrame?.(frame);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: Uint8Array): void {
    if (this.isOpen) this.ws.send(message);
  }

  /** Resolves with the first frame `match` accepts, or null if the socket closes first. */
  next<T extends Frame>(match: (frame: Frame) => frame is T): Promise<T | null> {
    const found = deferred<T | null>();
    const previous = this.onFrame;
    this.onFrame = (frame) => {
      previous?.(frame);
      if (match(frame)) found.resolve(frame);
    };
    void this.closed.then(() => found.resolve(null));
    return found.promise;
  }

  /** Leaves like a page that closes (1001: the gateway frees everything at once). */
  leave(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1001);
    else this.ws.terminate();
  }

  /** Drops the connection without a close handshake (a resumable session detaches). */
  drop(): void {
    this.ws.terminate();
  }
}

/** A client Session from `localAddress`. */
export interface AttackerSession {
  readonly session: Session;
  readonly ws: WebSocket;
  /** WELCOME arrived (true) or the session ended first (false). */
  readonly ready: Promise<boolean>;
  /** Resolves with the session's close error once it ends. */
  readonly ended: Promise<WireError | null>;
  leave(): void;
}

export function attackerSession(url: string, localAddress: string, options: Partial<Omit<SessionOptions, 'role' | 'transport' | 'timers'>> = {}): AttackerSession {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
  const ready = deferred<boolean>();
  const ended = deferred<WireError | null>();
  const session = new Session({
    keepaliveInterval: 0,
    ...options,
    role: 'client',
    transport: new WsClientTransport(ws),
    timers: realTimers,
    onReady: () => ready.resolve(true),
    onClose: (error) => {
      ready.resolve(false);
      ended.resolve(error);
    },
  });
  ws.on('unexpected-response', () => {
    ready.resolve(false);
    ws.terminate();
  });
  return {
    session,
    ws,
    ready: ready.promise,
    ended: ended.promise,
    leave: () => {
      if (ws.readyState === WebSocket.OPEN) ws.close(1001);
      else ws.terminate();
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. For pacing an attack, not for waiting on conditions. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
