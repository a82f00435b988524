/**
 * Destinations served by the test's own code: each handler gets every connection to its
 * name as a Node net.Socket, accepted on a loopback port of the test process, so the
 * gateway dials it as any server and the handler sees what a server sees. What a handler
 * throws (or its promise rejects with) ends that connection and is kept for the test to
 * report (handlerErrors()).
 */
import * as net from 'node:net';

/** Serves one connection to a mapped name. */
export type HostHandler = (socket: net.Socket) => void | Promise<void>;

export class HandlerServers {
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  readonly #errors: Error[] = [];

  /** Listens for `name`'s connections; resolves with where the gateway dials them. */
  async serve(name: string, handler: HostHandler): Promise<{ host: string; port: number }> {
    const server = net.createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      const failed = (error: unknown): void => {
        this.#errors.push(new Error(`sockway: the handler for ${name} threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`));
        socket.destroy();
      };
      try {
        const result = handler(socket);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    });
    this.#servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  }

  /** What the handlers threw so far. */
  errors(): readonly Error[] {
    return this.#errors;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.#servers.length = 0;
  }
}
