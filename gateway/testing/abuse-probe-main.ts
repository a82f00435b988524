/**
 * The abuse suite's well-behaved client, run as its own process (abuse-probe.ts forks
 * it) so that an attacker busy in the test process cannot slow the measurement down.
 * It also runs the echo server its streams reach, for the same reason.
 *
 * While running it keeps one stream open and sends a 64-byte echo every ECHO_MS, and
 * every SESSION_MS opens a new session (HELLO → WELCOME, then OPEN → OPENED). Each
 * latency is measured from the moment the request was due, not from when it was
 * sent, and echoes that fell due during a stall are counted as late as they are, so a
 * stalled gateway counts every request it delayed (no coordinated omission).
 */
import { createServer } from 'node:net';
import { WebSocket } from 'ws';
import type { WireError } from '../../shared/errors.ts';
import { Session, type SessionStream, type StreamHandler } from '../../shared/session.ts';
import { WsClientTransport, realTimers } from './ws-client-transport.ts';
import type { ProbeCommand, ProbeMessage, ProbeReport } from './abuse-probe.ts';

const ECHO_MS = 20;
const ECHO_BYTES = 64;
const SESSION_MS = 250;
/** A request unanswered this long is a failure (and measured as this long). */
const GIVE_UP_MS = 5_000;
const MAX_FAILURES_KEPT = 20;

const send = (message: ProbeMessage): void => {
  process.send?.(message);
};

const echoServer = createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('error', () => {});
  socket.setNoDelay(true);
  socket.pipe(socket);
});
// Dual-stack, so 'localhost' reaches it whichever address the gateway's lookup returns first.
echoServer.listen(0, '::', () => {
  const address = echoServer.address();
  if (address !== null && typeof address === 'object') send({ type: 'echo-port', port: address.port });
});

const echoes: number[] = [];
const sessions: number[] = [];
const failures: string[] = [];
let failureCount = 0;
let running = false;

function fail(what: string): void {
  failureCount += 1;
  if (failures.length < MAX_FAILURES_KEPT) failures.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
}

const describe = (error: WireError | null): string => (error === null ? 'closed' : `${error.code}: ${error.message}`);

/** A stream handler that forwards what the probe waits for. */
class Handler implements StreamHandler {
  stream!: SessionStream;
  onOpenedOnce: (() => void) | null = null;
  onBytes: ((n: number) => void) | null = null;
  onGone: ((why: string) => void) | null = null;
  onOpened(): void {
    this.onOpenedOnce?.();
    this.onOpenedOnce = null;
  }
  onData(data: Uint8Array): void {
    this.stream.consume(data.length);
    this.onBytes?.(data.length);
  }
  onEnd(): void {
    this.onGone?.('END');
  }
  onReset(error: WireError): void {
    this.onGone?.(`RESET ${describe(error)}`);
  }
  onDrain(): void {}
}

interface Connected {
  readonly session: Session;
  readonly ws: WebSocket;
  readonly handler: Handler;
}

/** HELLO → WELCOME and OPEN → OPENED to the echo server; rejects with what went wrong. */
function connect(url: string, host: string, port: number, onClose: (why: string) => void): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const handler = new Handler();
    let settled = false;
    const settle = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === null) resolve({ session, ws, handler });
      else {
        ws.terminate();
        reject(new Error(error));
      }
    };
    const timer = setTimeout(() => settle(`no WELCOME and OPENED within ${GIVE_UP_MS} ms`), GIVE_UP_MS);
    const session: Session = new Session({
      role: 'client',
      transport: new WsClientTransport(ws),
      timers: realTimers,
      keepaliveInterval: 0,
      onReady: () => {
        handler.onGone = (why) => settle(`stream: ${why}`);
        handler.onOpenedOnce = () => settle(null);
        const stream = session.open({ host, port, family: 0, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0 }, handler);
        if (stream === null) settle('session.open() refused');
        else handler.stream = stream;
      },
      onClose: (error) => {
        settle(`session: ${describe(error)}`);
        onClose(describe(error));
      },
    });
    ws.on('unexpected-response', (_request, response) => settle(`upgrade refused: HTTP ${response.statusCode}`));
  });
}

const sleepUntil = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** One long-lived stream; an echo due every ECHO_MS. */
async function echoLoop(url: string, host: string, port: number): Promise<void> {
  let main: Connected | null = null;
  let due = Date.now();
  const payload = Buffer.alloc(ECHO_BYTES, 0x61);
  while (running) {
    if (main === null) {
      try {
        main = await connect(url, host, port, (why) => {
          if (running) fail(`echo session closed: ${why}`);
          main = null;
        });
      } catch (error) {
        fail(`echo session: ${(error as Error).message}`);
        await sleepUntil(Date.now() + 100);
        continue;
      }
    }
    const current: Connected = main;
    const sentAt = Date.now();
    const latency = await new Promise<number | string>((resolve) => {
      let got = 0;
      const timer = setTimeout(() => resolve(`echo: no answer within ${GIVE_UP_MS} ms`), GIVE_UP_MS);
      current.handler.onBytes = (n) => {
        got += n;
        if (got >= ECHO_BYTES) {
          clearTimeout(timer);
          resolve(Date.now() - Math.min(due, sentAt));
        }
      };
      current.handler.onGone = (why) => {
        clearTimeout(timer);
        resolve(`echo stream: ${why}`);
      };
      current.handler.stream.write(payload);
    });
    current.handler.onBytes = null;
    if (typeof latency === 'string') {
      fail(latency);
      echoes.push(GIVE_UP_MS);
      current.ws.terminate();
      main = null;
    } else echoes.push(latency);
    // The echoes that fell due while this one waited count as late as they are (a
    // constant-rate client would have sent them): no coordinated omission.
    const now = Date.now();
    due += ECHO_MS;
    while (due + ECHO_MS <= now) {
      echoes.push(now - due);
      due += ECHO_MS;
    }
    await sleepUntil(due);
  }
  if (main !== null) (main as Connected).ws.close(1001);
}

/** A new session (and one stream) every SESSION_MS, measured from its due time. */
async function sessionLoop(url: string, host: string, port: number): Promise<void> {
  let due = Date.now();
  while (running) {
    try {
      const fresh = await connect(url, host, port, () => {});
      sessions.push(Date.now() - due);
      fresh.ws.close(1001);
    } catch (error) {
      sessions.push(Date.now() - due);
      fail(`new session: ${(error as Error).message}`);
    }
    due += SESSION_MS;
    await sleepUntil(due);
  }
}

let loops: Promise<unknown> | null = null;

process.on('message', (command: ProbeCommand) => {
  switch (command.type) {
    case 'start': {
      running = true;
      // The first session proves the gateway serves before any attack starts.
      connect(command.url, command.host, command.port, () => {}).then(
        (first) => {
          first.ws.close(1001);
          loops = Promise.all([echoLoop(command.url, command.host, command.port), sessionLoop(command.url, command.host, command.port)]);
          send({ type: 'started' });
        },
        (error: unknown) => send({ type: 'start-failed', error: (error as Error).message }),
      );
      break;
    }
    case 'stop': {
      running = false;
      void (loops ?? Promise.resolve()).then(() => {
        const report: ProbeReport = { echoes, sessions, failures, failureCount };
        // Exit once the report is out: sockets still closing do not matter any more.
        process.send?.({ type: 'report', report } satisfies ProbeMessage, () => process.exit(0));
      });
      break;
    }
  }
});
