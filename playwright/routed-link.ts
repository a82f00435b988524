/**
 * One page WebSocket that Playwright routed to the test (a WebSocketRoute), as the gateway's
 * socket: messages each way pass the link's two paths (throttle()), are written to the frame
 * trace, and wake the route's waits. cut() drops it as a lost link would be (dropConnection()).
 */
import { RoutedWebSocket } from '../gateway/routed-socket.ts';
import type { FrameTrace } from './frame-trace.ts';
import type { LinkPath } from './link.ts';

/** The part of Playwright's WebSocketRoute used here (playwright-core and @playwright/test). */
export interface WebSocketRouteLike {
  url(): string;
  onMessage(handler: (message: string | Buffer) => unknown): void;
  onClose(handler: (code: number | undefined, reason: string | undefined) => unknown): void;
  send(message: string | Buffer): void;
  close(options?: { code?: number; reason?: string }): Promise<void>;
}

/** What the links of one route share. */
export interface LinkContext {
  readonly upload: LinkPath;
  readonly download: LinkPath;
  readonly trace: FrameTrace;
  /** Something happened: the route's waits check again. */
  readonly activity: () => void;
}

export class RoutedLink {
  /** What the gateway serves (gateway.serveWebSocket()). */
  readonly socket: RoutedWebSocket;
  readonly #route: WebSocketRouteLike;
  readonly #trace: FrameTrace;
  #cut = false;

  constructor(route: WebSocketRouteLike, { upload, download, trace, activity }: LinkContext) {
    this.#route = route;
    this.#trace = trace;
    this.socket = new RoutedWebSocket({
      send: (message, sent) => {
        trace.record('gw→page', message);
        activity();
        download.send(message.length, () => {
          if (this.#cut) return;
          route.send(message);
          sent();
        });
      },
      close: (code, reason) => {
        trace.record('gw→page', `close ${code} ${reason}`);
        download.send(0, () => {
          if (!this.#cut) route.close({ code, reason }).catch(() => {});
        });
      },
      bufferedAmount: () => download.bufferedAmount,
    });
    route.onMessage((message) => {
      const bytes = typeof message === 'string' ? Buffer.from(message) : message;
      trace.record('page→gw', typeof message === 'string' ? `text message ${bytes.length}B` : bytes);
      upload.send(bytes.length, () => {
        if (this.#cut) return;
        this.socket.receive(message);
        activity();
      });
    });
    route.onClose((code, reason) => {
      trace.record('page→gw', `close ${code ?? 1005} ${reason ?? ''}`);
      upload.send(0, () => this.socket.peerClosed(code ?? 1005, reason ?? ''));
    });
  }

  /** Drops the link: nothing more passes either way, and both ends see it go. */
  cut(): void {
    this.#cut = true;
    // Playwright cannot drop a routed socket without a close frame: 1011 is the nearest the page sees.
    this.#trace.record('gw→page', 'dropped (close 1011, as near to a cut link as a routed socket gets)');
    this.#route.close({ code: 1011, reason: 'dropped' }).catch(() => {});
    this.socket.terminate();
  }
}
