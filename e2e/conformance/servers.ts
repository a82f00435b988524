/**
 * The scripted TCP servers the conformance scenarios talk to (Node only), and
 * the per-connection log of what each server saw (`env.peer(name)`).
 *
 * Each server does one fixed thing, so a scenario's client-side trace depends
 * only on the client. A server reacting to the client (echoing, answering a
 * FIN, resetting) waits REACTION_MS first: otherwise its answer races the
 * client's own completions ('finish' after end(), a write callback), an order
 * Node wins on loopback only by being fast, and a page's timers lose.
 * `utf8Split` spaces its writes so they arrive as separate reads.
 */
import net, { type AddressInfo } from 'node:net';
import type { ServerName } from './harness.ts';

/** One accepted connection: what the server saw, and when it closed. */
interface PeerConnection {
  readonly log: string[];
  readonly closed: Promise<void>;
}

/** The running servers. */
export interface ConformanceServers {
  port(name: ServerName): number;
  /** Number of connections `name` accepted so far. */
  accepted(name: ServerName): number;
  /** The log of the latest connection accepted after `since` connections, once it closed (2 s cap). */
  peer(name: ServerName, since: number): Promise<string[]>;
  close(): Promise<void>;
}

/** What the 'utf8Split' server sends, in separate writes that cut multi-byte characters. */
export const UTF8_SPLIT_TEXT = 'añ€😀z';

type Behaviour = (socket: net.Socket) => void;

/** How long a server waits before reacting to what the client did. */
export const REACTION_MS = 20;

/** Runs `action` REACTION_MS later unless the socket is gone by then. */
function react(socket: net.Socket, action: () => void): void {
  setTimeout(() => {
    if (!socket.destroyed) action();
  }, REACTION_MS);
}

const BEHAVIOURS: Record<Exclude<ServerName, 'closed'>, Behaviour> = {
  /** Writes back what it reads; ends when the client ends. */
  echo: (socket) => {
    socket.on('data', (chunk: Buffer) => react(socket, () => socket.write(chunk)));
    socket.on('end', () => react(socket, () => socket.end()));
  },
  /** Reads and discards; ends when the client ends. */
  sink: (socket) => {
    socket.resume();
    socket.on('end', () => react(socket, () => socket.end()));
  },
  /** Sends 'hello' and ends at once (the peer's FIN comes first). */
  helloEnd: (socket) => {
    socket.resume();
    socket.end('hello');
  },
  /** Ends at once with no data, keeps reading (half-open server). */
  endFirst: (socket) => {
    socket.resume();
    socket.end();
  },
  /** Collects what the client sends; after the client's FIN replies `got <data>` and ends. */
  replyAfterEnd: (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => react(socket, () => socket.end(`got ${Buffer.concat(chunks).toString()}`)));
  },
  /** Resets the connection (RST) on the first byte it reads. */
  resetOnData: (socket) => {
    socket.once('data', () => react(socket, () => socket.resetAndDestroy()));
  },
  /** Sends 16 bytes in one write, then ends. */
  bytes16: (socket) => {
    socket.resume();
    socket.end('abcdefghijklmnop');
  },
  /** Sends UTF8_SPLIT_TEXT cut inside its multi-byte characters, 15 ms apart, then ends. */
  utf8Split: (socket) => {
    socket.resume();
    const bytes = Buffer.from(UTF8_SPLIT_TEXT);
    // a | ñ(2) | €(3) | 😀(4) | z  → cut after 'a'+1 byte of ñ, inside €, inside 😀.
    const cuts = [2, 5, 9, bytes.length];
    let start = 0;
    const next = (i: number): void => {
      if (socket.destroyed) return;
      const end = cuts[i] as number;
      const piece = bytes.subarray(start, end);
      start = end;
      if (i === cuts.length - 1) socket.end(piece);
      else {
        socket.write(piece);
        setTimeout(() => next(i + 1), 15);
      }
    };
    next(0);
  },
  /** Accepts and never reads or writes (the client's writes back up). */
  hold: (socket) => {
    socket.pause();
  },
  /** Sends 'hi' at once, then echoes; ends when the client ends. */
  greet: (socket) => {
    socket.write('hi');
    socket.on('data', (chunk: Buffer) => react(socket, () => socket.write(chunk)));
    socket.on('end', () => react(socket, () => socket.end()));
  },
};

function observe(socket: net.Socket): PeerConnection {
  const log: string[] = [];
  let data: Buffer[] | null = null;
  const flushData = (): void => {
    if (data === null) return;
    const all = Buffer.concat(data);
    data = null;
    log.push(`data ${JSON.stringify(all.length > 64 ? `<${all.length} bytes>` : all.toString())}`);
  };
  // A 'data' listener would switch the socket to flowing mode; wrap push instead.
  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk !== null && chunk !== undefined) {
      data ??= [];
      data.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding));
    }
    return push(chunk, encoding);
  };
  socket.on('end', () => {
    flushData();
    log.push('end');
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    flushData();
    log.push(`error ${error.code} ${error.syscall ?? ''}`.trimEnd());
  });
  const closed = new Promise<void>((resolve) => {
    socket.on('close', (hadError: boolean) => {
      flushData();
      log.push(`close ${hadError}`);
      resolve();
    });
  });
  return { log, closed };
}

/** Starts every scripted server on 127.0.0.1, plus a closed port. */
export async function startConformanceServers(): Promise<ConformanceServers> {
  const servers = new Map<ServerName, net.Server>();
  const ports = new Map<ServerName, number>();
  const connections = new Map<ServerName, PeerConnection[]>();
  const waiters = new Map<ServerName, Array<() => void>>();
  const live = new Set<net.Socket>();

  for (const [name, behaviour] of Object.entries(BEHAVIOURS) as Array<[ServerName, Behaviour]>) {
    const list: PeerConnection[] = [];
    connections.set(name, list);
    waiters.set(name, []);
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      live.add(socket);
      socket.on('close', () => live.delete(socket));
      list.push(observe(socket));
      behaviour(socket);
      for (const wake of (waiters.get(name) ?? []).splice(0)) wake();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.set(name, server);
    ports.set(name, (server.address() as AddressInfo).port);
  }
  // A port with nothing listening: bind, read the port, close.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  ports.set('closed', (probe.address() as AddressInfo).port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  connections.set('closed', []);

  return {
    port(name) {
      const port = ports.get(name);
      if (port === undefined) throw new Error(`no server ${name}`);
      return port;
    },
    accepted(name) {
      return connections.get(name)?.length ?? 0;
    },
    async peer(name, since) {
      const list = connections.get(name) ?? [];
      const deadline = Date.now() + 2000;
      if (list.length <= since) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          waiters.get(name)?.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      const last = list.at(-1);
      if (last === undefined || list.length <= since) return ['no connection'];
      const timedOut = await Promise.race([
        last.closed.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), Math.max(0, deadline - Date.now()))),
      ]);
      return timedOut ? [...last.log, 'still open'] : [...last.log];
    },
    async close() {
      for (const socket of live) socket.destroy();
      await Promise.all([...servers.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
