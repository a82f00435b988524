/**
 * net.Server: listen forms and errors, 'listening', address() after it, close
 * semantics. Accepted connections, getConnections, maxConnections/'drop' and
 * pauseOnConnect are compared with node:net in client/server.test.ts, where both
 * endpoints are observed (their relative order through a gateway is not Node's).
 */
import { type NetLike, type Scenario, scenario } from '../harness.ts';

const HOST = '127.0.0.1';

/** A net.Server as the scenarios see it (node:net's and sockway's both fit). */
interface ServerLike {
  listen(...args: unknown[]): ServerLike;
  close(callback?: (error?: Error) => void): ServerLike;
  address(): { address: string; family: string; port: number } | null;
  getConnections(callback: (error: Error | null, count: number) => void): void;
  on(event: string, listener: (...args: any[]) => void): ServerLike;
  once(event: string, listener: (...args: any[]) => void): ServerLike;
  listening: boolean;
  maxConnections?: number;
}

function createServer(net: NetLike, ...args: unknown[]): ServerLike {
  return (net['createServer'] as (...a: unknown[]) => ServerLike)(...args);
}

/** Resolves on the server's first `event`. */
function next(server: ServerLike, event: string): Promise<unknown[]> {
  return new Promise((resolve) => server.once(event, (...args: unknown[]) => resolve(args)));
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

];
