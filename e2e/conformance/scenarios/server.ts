/**
 * net.Server: listen forms and errors, 'listening', address() after it, close
 * semantics, accepted connections, getConnections, maxConnections/'drop',
 * pauseOnConnect, allowHalfOpen, resets from either side, unref/ref.
 *
 * The server is `net`'s (node:net's, or sockway's listening through the gateway);
 * the peers connecting to it are `env.peerNet`'s, real TCP clients as remote peers
 * are. Scenarios with connections trace per endpoint (harness.ts, Tracer.lane):
 * the server, each peer and each accepted socket has its own lane, compared on
 * its own, because Node orders events within one endpoint and never across the
 * network; each scenario waits for the other side explicitly (the server's
 * 'connection' before a peer writes, an accepted socket's 'close' before the next
 * getConnections) so that every lane is deterministic.
 */
import { type NetLike, type Scenario, type ScenarioEnv, type SocketLike, type Tracer, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

/** A net.Server as the scenarios see it (node:net's and sockway's both fit). */
interface ServerLike {
  listen(...args: unknown[]): ServerLike;
  close(callback?: (error?: Error) => void): ServerLike;
  address(): { address: string; family: string; port: number } | null;
  getConnections(callback: (error: Error | null, count: number) => void): ServerLike;
  ref(): ServerLike;
  unref(): ServerLike;
  on(event: string, listener: (...args: any[]) => void): ServerLike;
  once(event: string, listener: (...args: any[]) => void): ServerLike;
  listenerCount(event: string): number;
  listening: boolean;
  maxConnections?: number | null;
}

function createServer(net: NetLike, ...args: unknown[]): ServerLike {
  return (net['createServer'] as (...a: unknown[]) => ServerLike)(...args);
}

/** Resolves on the server's first `event`. */
function next(server: ServerLike, event: string): Promise<unknown[]> {
  return new Promise((resolve) => server.once(event, (...args: unknown[]) => resolve(args)));
}

/** Events recorded on an accepted socket (no 'connect'/'lookup': it is born connected). */
const ACCEPTED_EVENTS = ['data', 'end', 'finish', 'drain', 'timeout', 'error', 'close'] as const;

/** A server under trace: its lane, its accepted sockets (each in its own lane), and waits on them. */
interface Traced {
  readonly server: ServerLike;
  /** The server's lane. */
  readonly lane: Tracer;
  /** Accepted sockets in order of 'connection'. */
  readonly accepted: SocketLike[];
  /** Listens on 127.0.0.1, any port; resolves once 'listening' with the port (named `<port:server>`). */
  listen(): Promise<number>;
  /** The next accepted socket (resolves at once for one already accepted and not yet taken). */
  connection(): Promise<SocketLike>;
  /** getConnections() as a promise, recorded in the server lane. */
  connections(label: string): Promise<void>;
  /** close(cb) as a promise, the callback recorded in the server lane. */
  close(label?: string): Promise<void>;
}

interface TraceOptions {
  /** Events recorded on accepted sockets (default ACCEPTED_EVENTS). */
  readonly events?: readonly string[];
  /** Runs in 'connection' after the socket's lane is set up (the server's own reaction). */
  readonly onConnection?: (socket: SocketLike, lane: Tracer) => void;
}

/** Creates `net.createServer(...args)` and traces it: 'listening', 'connection', 'drop', 'error', 'close'. */
function traceServer(net: NetLike, t: Tracer, args: unknown[] = [], options: TraceOptions = {}): Traced {
  const lane = t.lane('server');
  const server = createServer(net, ...args);
  const accepted: SocketLike[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  server.on('listening', () => lane.line(`server:listening() | listening=${server.listening} address()=${lane.value(server.address())}`));
  server.on('connection', (socket: SocketLike) => {
    accepted.push(socket);
    const name = `accepted#${accepted.length}`;
    lane.line(`server:connection(<${name}>) | listening=${server.listening}`);
    const socketLane = t.lane(name);
    socketLane.line(`sample at 'connection' | ${socketLane.props(socket)}`);
    socketLane.line(`note server ${socket['server'] === server} paused=${socket.isPaused()} flowing=${socketLane.value(socket['readableFlowing'])} allowHalfOpen=${socketLane.value(socket['allowHalfOpen'])}`);
    socketLane.watch(socket, 's', { events: options.events ?? ACCEPTED_EVENTS });
    options.onConnection?.(socket, socketLane);
    waiters.shift()?.();
  });
  server.on('drop', (data: object) => {
    lane.line(`server:drop(${lane.value(data)}) | prototype=${Object.getPrototypeOf(data) === null ? 'null' : 'Object'}`);
  });
  server.on('error', (error: unknown) => lane.line(`server:error(${lane.value(error)}) | listening=${server.listening}`));
  server.on('close', () => lane.line(`server:close() | listening=${server.listening} address()=${lane.value(server.address())}`));
  return {
    server,
    lane,
    accepted,
    async listen() {
      server.listen(0, HOST);
      await next(server, 'listening');
      const port = server.address()?.port ?? 0;
      t.norm.namePort(port, 'server');
      return port;
    },
    connection() {
      return new Promise((resolve) => {
        const take = (): void => resolve(accepted[taken++] as SocketLike);
        if (accepted.length > taken) take();
        else {
          const timer = setTimeout(() => {
            lane.line("TIMEOUT waiting for 'connection'");
          }, 4000);
          waiters.push(() => {
            clearTimeout(timer);
            take();
          });
        }
      });
    },
    connections(label) {
      return new Promise((resolve) => {
        const returned = server.getConnections((error, count) => {
          lane.line(`cb getConnections ${label}(${lane.value(error)}, ${count})`);
          resolve();
        });
        lane.line(`try getConnections ${label} -> ${returned === server ? 'the server' : lane.value(returned)}`);
      });
    },
    close(label = 'close callback') {
      return new Promise((resolve) => {
        server.close((error) => {
          lane.line(`cb ${label}(${lane.value(error)})`);
          resolve();
        });
      });
    },
  };
}

/** Connects a peer (env.peerNet) to the server's port, traced in its own lane `name`. */
function dial(env: ScenarioEnv, name: string, port: number, options: object = {}): SocketLike {
  const lane = env.t.lane(name);
  const peer = env.peerNet.connect({ port, host: HOST, ...options });
  return lane.watch(peer, 'p');
}

/**
 * Connects a peer and waits until both ends are up: the peer's 'connect' and the
 * server's 'connection'. The synchronization point every connected scenario starts
 * from (on loopback Node's server often accepts before its client's 'connect'; a
 * tunnel accepts one WebSocket trip later).
 */
async function connectPeer(env: ScenarioEnv, s: Traced, name: string, port: number, options: object = {}): Promise<{ peer: SocketLike; socket: SocketLike }> {
  const peer = dial(env, name, port, options);
  const [socket] = await Promise.all([s.connection(), env.t.lane(name).event(peer, 'connect')]);
  return { peer, socket };
}

export const serverScenarios: Scenario[] = [
  scenario('server', "listen(0, host): 'listening', then address(), then close()", async (net, { t }) => {
    const server = createServer(net);
    server.on('close', t.cb('server close'));
    server.listen(0, HOST, t.cb('listen callback'));
    await next(server, 'listening');
    const address = server.address();
    if (address !== null) t.norm.namePort(address.port, 'server');
    t.note('address', address);
    t.note('listening', server.listening);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    t.note('listening after close', server.listening);
    t.note('address after close', server.address());
  }),

  scenario('server', 'listen({ port: 0, host }) twice throws ERR_SERVER_ALREADY_LISTEN', async (net, { t }) => {
    const server = createServer(net);
    server.listen({ port: 0, host: HOST });
    await next(server, 'listening');
    t.try('second listen', () => server.listen({ port: 0, host: HOST }));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }),

  scenario('server', 'close() when not listening: ERR_SERVER_NOT_RUNNING, then close', async (net, { t }) => {
    const server = createServer(net);
    server.on('close', t.cb('server close'));
    server.close(t.cb('close callback'));
    await next(server, 'close');
  }),

  scenario('server', 'listen on a port in use: EADDRINUSE as Node words it', async (net, { t, port }) => {
    const taken = port('sink');
    t.norm.namePort(taken, 'taken');
    const server = createServer(net);
    server.on('listening', t.cb('listening'));
    server.listen(taken, HOST);
    const [error] = await next(server, 'error');
    t.note('error', error);
    t.note('listening', server.listening);
  }),

  scenario('server', "listen(port, host, cb): 'listening' listeners and the callback in registration order", async (net, { t }) => {
    const server = createServer(net);
    const sample = (label: string) => () => t.note(label, server.listening, server.address() !== null);
    server.on('listening', sample('listening listener added before listen()'));
    t.try('listen(0, host, cb) returns the server', () => server.listen(0, HOST, sample('listen callback')) === server);
    server.on('listening', sample('listening listener added after listen()'));
    t.note('listening right after listen()', server.listening);
    t.note('listening listeners', server.listenerCount('listening'));
    await next(server, 'listening');
    t.note('listening listeners after', server.listenerCount('listening'));
    server.close(t.cb('close callback'));
    t.note('listening right after close()', server.listening);
    await next(server, 'close');
  }),

  scenario('server', 'close() twice while listening: the second callback gets ERR_SERVER_NOT_RUNNING; each close() a close', async (net, { t }) => {
    const server = createServer(net);
    let closes = 0;
    server.on('close', () => t.note('server close', ++closes));
    server.listen(0, HOST);
    await next(server, 'listening');
    t.try('first close() returns the server', () => server.close(t.cb('first close callback')) === server);
    t.try('second close() returns the server', () => server.close(t.cb('second close callback')) === server);
    await t.event(server as unknown as SocketLike, 'close');
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
    server.close(t.cb('close callback after close'));
    await next(server, 'close');
  }),

  scenario('server', 'unref() and ref() return the server, before listen, while listening and after close', async (net, { t }) => {
    const server = createServer(net);
    t.try('unref() before listen', () => server.unref() === server);
    t.try('ref() before listen', () => server.ref() === server);
    server.listen(0, HOST);
    await next(server, 'listening');
    t.try('unref() while listening', () => server.unref() === server);
    t.try('ref() while listening', () => server.ref() === server);
    t.try('unref() again', () => server.unref() === server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    t.try('ref() after close', () => server.ref() === server);
    t.try('unref() after close', () => server.unref() === server);
  }),

  scenario('server', "accepted connection: 'connection' argument, data, end, finish, close(false); the peer sees end", async (net, env) => {
    const s = traceServer(net, env.t);
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    // Sync point: the server has the socket before the peer writes.
    peer.end('hello');
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.connections('after both closed');
    await s.close();
  }),

  scenario('server', "createServer(listener): the listener gets the socket; the server writes first and ends", async (net, env) => {
    const s = traceServer(net, env.t, [(socket: SocketLike) => {
      socket.end('bye');
    }]);
    env.t.note('connection listeners', s.server.listenerCount('connection'));
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', 'allowHalfOpen server: the peer ends first, the accepted socket replies after the FIN', async (net, env) => {
    const s = traceServer(net, env.t, [{ allowHalfOpen: true }], {
      onConnection: (socket, lane) => {
        socket.on('end', () => {
          lane.sample('in end', socket);
          lane.try('write after the peer FIN', () => socket.write('reply'));
          socket.end();
        });
      },
    });
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port, { allowHalfOpen: true });
    peer.end('request');
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', 'allowHalfOpen false: the accepted socket ends itself after the FIN; a write on the next tick still goes first', async (net, env) => {
    const s = traceServer(net, env.t, [], {
      onConnection: (socket, lane) => {
        socket.on('end', () => {
          lane.sample('in end', socket);
          env.nextTick(() => lane.try('write on the next tick', () => socket.write('late', lane.cb('late write callback'))));
        });
      },
    });
    const port = await s.listen();
    const { peer } = await connectPeer(env, s, 'peer', port, { allowHalfOpen: true });
    peer.end();
    await env.t.closed(s.accepted[0] as SocketLike);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', 'getConnections over time: 0 before listen, 1, 2 as peers connect, 1, 0 as they close', async (net, env) => {
    const s = traceServer(net, env.t);
    await s.connections('before listen');
    const port = await s.listen();
    await s.connections('listening');
    const { peer: first, socket: one } = await connectPeer(env, s, 'peer#1', port);
    await s.connections('one peer');
    const { peer: second, socket: two } = await connectPeer(env, s, 'peer#2', port);
    await s.connections('two peers');
    first.end();
    await env.t.closed(one);
    await s.connections('after the first closed');
    second.destroy();
    await env.t.closed(two);
    await s.connections('after the second closed');
    await env.t.closed(first);
    await env.t.closed(second);
    await s.close();
    await s.connections('after close');
  }),

  scenario('server', "maxConnections: a connection beyond it is dropped with 'drop' and its endpoints; the peer sees end", async (net, env) => {
    const s = traceServer(net, env.t);
    s.server.maxConnections = 1;
    const port = await s.listen();
    const { peer: first } = await connectPeer(env, s, 'peer#1', port);
    const dropped = next(s.server, 'drop');
    const second = dial(env, 'peer#2', port);
    await Promise.all([dropped, env.t.lane('peer#2').event(second, 'connect')]);
    await env.t.closed(second);
    await s.connections('after the drop');
    first.end();
    await env.t.closed(s.accepted[0] as SocketLike);
    await env.t.closed(first);
    await s.close();
  }),

  scenario('server', 'maxConnections 0 is no limit in Node 20; null lifts a limit again', async (net, env) => {
    const s = traceServer(net, env.t);
    s.server.maxConnections = 0;
    const port = await s.listen();
    const { peer: first, socket: one } = await connectPeer(env, s, 'peer#1', port);
    s.server.maxConnections = 1;
    const dropped = next(s.server, 'drop');
    const second = dial(env, 'peer#2', port);
    await Promise.all([dropped, env.t.lane('peer#2').event(second, 'connect')]);
    await env.t.closed(second);
    s.server.maxConnections = null;
    const { peer: third, socket: two } = await connectPeer(env, s, 'peer#3', port);
    await s.connections('two accepted, one dropped');
    first.destroy();
    third.destroy();
    await env.t.closed(one);
    await env.t.closed(two);
    await env.t.closed(first);
    await env.t.closed(third);
    await s.close();
  }),

  scenario('server', 'pauseOnConnect: the accepted socket is paused, reads nothing until resume()', async (net, env) => {
    // Half-open, ended by hand after the peer's 'finish': with the automatic end, the accepted
    // side's FIN (a round trip through the gateway) raced the peer's own 'finish' on a loaded machine.
    const s = traceServer(net, env.t, [{ pauseOnConnect: true, allowHalfOpen: true }]);
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    const lane = env.t.lane('accepted#1');
    peer.write('hello');
    await env.sleep(60);
    lane.line(`note before resume() bytesRead=${socket['bytesRead']} readableLength=${socket['readableLength']} paused=${socket.isPaused()} flowing=${lane.value(socket['readableFlowing'])}`);
    lane.try('resume() returns the socket', () => socket.resume() === socket);
    lane.line(`note after resume() paused=${socket.isPaused()} flowing=${lane.value(socket['readableFlowing'])}`);
    await env.t.event(socket, 'data');
    const peerFinished = env.t.event(peer, 'finish');
    const ended = env.t.event(socket, 'end');
    peer.end();
    await Promise.all([peerFinished, ended]);
    socket.end();
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', 'server.close() with a connection open: not listening at once, close only after the connection ends', async (net, env) => {
    const s = traceServer(net, env.t);
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    const closed = s.close('close callback');
    s.lane.line(`note right after close() listening=${s.server.listening} address()=${s.lane.value(s.server.address())}`);
    await s.connections('with the connection open');
    await env.sleep(50);
    s.lane.line('note still open after 50 ms');
    s.server.on('close', () => s.lane.line(`note at close: accepted destroyed=${socket['destroyed']} readyState=${socket['readyState']}`));
    peer.end('last words');
    await closed;
    await env.t.closed(socket);
    await env.t.closed(peer);
  }),

  scenario('server', 'the peer resets an accepted connection: ECONNRESET on the server side, close(true)', async (net, env) => {
    const s = traceServer(net, env.t);
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    peer.resetAndDestroy();
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.connections('after the reset');
    await s.close();
  }),

  scenario('server', 'the server resets an accepted connection: close(false); the peer sees ECONNRESET', async (net, env) => {
    const s = traceServer(net, env.t, [], {
      onConnection: (socket, lane) => {
        socket.on('data', () => lane.try('resetAndDestroy()', () => socket.resetAndDestroy() === socket));
      },
    });
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    peer.write('go');
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', 'destroy() on an accepted socket: close(false) there; the peer sees end, then close', async (net, env) => {
    const s = traceServer(net, env.t);
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    env.t.lane('accepted#1').try('destroy()', () => socket.destroy() === socket);
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.connections('after destroy');
    await s.close();
  }),

  scenario('server', 'an accepted socket echoes what it reads, setEncoding("utf8") on it; the peer ends; counters on both sides', async (net, env) => {
    const s = traceServer(net, env.t, [], {
      onConnection: (socket, lane) => {
        lane.try('setEncoding("utf8")', () => socket.setEncoding('utf8') === socket);
        socket.on('data', (chunk: unknown) => {
          socket.write(chunk as string);
        });
        socket.on('end', () => socket.end());
      },
    });
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port, { allowHalfOpen: true });
    peer.write('añ€');
    await env.t.lane('peer').event(peer, 'data');
    peer.end('😀z');
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', "setTimeout on an accepted socket: 'timeout' on idle, refreshed by the peer's data, never destroys", async (net, env) => {
    const s = traceServer(net, env.t, [], {
      onConnection: (socket, lane) => {
        lane.try('setTimeout(300)', () => socket.setTimeout(300, lane.cb('timeout callback')) === socket);
      },
    });
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port);
    await env.sleep(40);
    peer.write('keepalive');
    await env.t.lane('accepted#1').event(socket, 'timeout', 2000);
    env.t.lane('accepted#1').try('setTimeout(0)', () => socket.setTimeout(0) === socket);
    peer.end();
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }, { timeout: 6000 }),

  scenario('server', "close() while listen(0, host) is pending: no handle yet, so ERR_SERVER_NOT_RUNNING; it never listens", async (net, { t, sleep }) => {
    const server = createServer(net);
    server.on('listening', t.cb('listening'));
    server.on('error', t.cb('error'));
    server.on('close', t.cb('server close'));
    server.listen(0, HOST);
    t.note('listening after listen()', server.listening);
    t.try('close() returns the server', () => server.close(t.cb('close callback')) === server);
    t.note('listening after close()', server.listening, server.address());
    await sleep(100);
    t.note('100 ms later', server.listening, server.address());
  }),

  scenario('server', "listen(0, host) twice before 'listening': no throw, the second supersedes the first, one 'listening'", async (net, { t, sleep }) => {
    const server = createServer(net);
    let listening = 0;
    server.on('listening', () => t.note('listening', ++listening, server.listening));
    server.on('error', t.cb('error'));
    server.listen(0, HOST, t.cb('first listen callback'));
    t.try('second listen(0, host)', () => server.listen(0, HOST, t.cb('second listen callback')) === server);
    await next(server, 'listening');
    await sleep(50);
    t.note('listening listeners left', server.listenerCount('listening'));
    t.try('third listen while listening', () => server.listen(0, HOST));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }),

  scenario('server', 'listen(0) without a host binds every interface at once in Node (address() right away); then ERR_SERVER_ALREADY_LISTEN', async (net, { t }) => {
    const server = createServer(net);
    server.listen(0);
    const early = server.address();
    if (early !== null) t.norm.namePort(early.port, 'server');
    t.note('right after listen(0)', server.listening, early);
    t.try('second listen(0)', () => server.listen(0));
    await next(server, 'listening');
    const address = server.address();
    if (address !== null) t.norm.namePort(address.port, 'server');
    t.note('at listening', server.listening, address);
    server.close(t.cb('close callback'));
    await next(server, 'close');
  }),

  scenario('server', 'listen(0, "::1"): IPv6 address(); the accepted socket reports IPv6 endpoints', async (net, env) => {
    const s = traceServer(net, env.t);
    s.server.listen(0, '::1');
    await next(s.server, 'listening');
    env.t.norm.namePort(s.server.address()?.port ?? 0, 'server');
    const { peer, socket } = await connectPeer(env, s, 'peer', s.server.address()?.port ?? 0, { host: '::1' });
    peer.end('v6');
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),

  scenario('server', 'signal: aborting while listening closes the server; a signal aborted before listen() closes it before it listens', async (net, { t }) => {
    const controller = new AbortController();
    const server = createServer(net);
    server.on('listening', t.cb('listening'));
    server.on('close', () => t.note('close', server.listening));
    server.listen({ port: 0, host: HOST, signal: controller.signal });
    await next(server, 'listening');
    controller.abort();
    t.note('listening right after abort()', server.listening);
    await next(server, 'close');
    const early = createServer(net);
    early.on('listening', t.cb('early listening'));
    early.on('close', () => t.note('early close', early.listening));
    early.listen({ port: 0, host: HOST, signal: AbortSignal.abort() });
    t.note('early listening right after listen()', early.listening);
    await next(early, 'close');
  }),

  scenario('server', 'listen again after close(): a second listening, on a new port', async (net, { t }) => {
    const server = createServer(net);
    server.on('listening', () => t.note('listening', server.listening));
    server.on('close', t.cb('server close'));
    server.listen(0, HOST);
    await next(server, 'listening');
    const first = server.address()?.port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.listen(0, HOST, t.cb('second listen callback'));
    await next(server, 'listening');
    t.note('a port again', typeof server.address()?.port, server.address()?.port !== first);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }),

  scenario('server', 'pauseOnConnect: the peer writes and ends before resume(); then data, end, finish, close', async (net, env) => {
    const s = traceServer(net, env.t, [{ pauseOnConnect: true }]);
    const port = await s.listen();
    const { peer, socket } = await connectPeer(env, s, 'peer', port, { allowHalfOpen: true });
    const lane = env.t.lane('accepted#1');
    peer.end('early bytes');
    await env.t.lane('peer').event(peer, 'finish');
    await env.sleep(60);
    lane.line(`note before resume() bytesRead=${socket['bytesRead']} readable=${socket['readable']} readableEnded=${socket['readableEnded']}`);
    socket.resume();
    await env.t.closed(socket);
    await env.t.closed(peer);
    await s.close();
  }),
];
