/**
 * Ends the tunnels' sessions when their process or page ends, with a GOAWAY and a
 * normal close, so the gateway frees them at once instead of keeping them for a
 * resume that will never come (PROTOCOL.md#nothing-to-resume covers the idle ones;
 * this covers sessions that still have, say, unref'd sockets open).
 *
 * Node: process 'exit' (the loop ran dry, or process.exit()); a listener there keeps
 * nothing alive, and `ws` writes the frames synchronously when the kernel takes them.
 * Browsers: 'pagehide' (tab closed, navigation, reload); Chromium would close the
 * WebSocket with 1001 on its own, but only once the document is torn down, and a page
 * kept in the back/forward cache would keep its session. Workers have neither hook;
 * the browser closes their WebSockets when they end.
 */

/** Closes one session; `reason` says why (it reaches the gateway's log). */
export type CloseSession = (reason: string) => void;

const sessions = new Set<CloseSession>();
let installed = false;

interface HookHost {
  readonly document?: unknown;
  addEventListener?(type: string, listener: () => void): void;
  readonly process?: { readonly versions?: { readonly node?: string }; on?(event: string, listener: () => void): void };
}

function closeAll(reason: string): void {
  for (const close of [...sessions]) {
    try {
      close(reason);
    } catch {
      // The process or page is going away: nothing can be reported any more.
    }
  }
  sessions.clear();
}

/** The hook for this environment, installed once. */
function install(): void {
  if (installed) return;
  installed = true;
  const host = globalThis as HookHost;
  if (host.document !== undefined && typeof host.addEventListener === 'function') {
    host.addEventListener('pagehide', () => closeAll('the page was closed'));
  } else if (typeof host.process?.versions?.node === 'string' && typeof host.process.on === 'function') {
    host.process.on('exit', () => closeAll('the process exited'));
  }
}

/** Closes `close`'s session when the process or page ends; returns the undo. */
export function closeOnExit(close: CloseSession): () => void {
  install();
  sessions.add(close);
  return () => {
    sessions.delete(close);
  };
}
