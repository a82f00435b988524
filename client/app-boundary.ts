/**
 * Where sockway hands control to the app's code (socket events, write callbacks): an
 * exception thrown there is the app's, not sockway's. Caught inside the session's frame
 * handling it would fail the whole session, every other socket on the WebSocket with it;
 * Node lets it escape as an uncaught exception instead, and so does this: re-thrown from a
 * microtask, it reaches process 'uncaughtException' in Node and the global 'error' event
 * in a page or worker, and no other socket notices.
 */
export function atAppBoundary(run: () => void): void {
  try {
    run();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
