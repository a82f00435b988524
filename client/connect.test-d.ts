/**
 * Type-level test of `net.connect` / `net.createConnection` / `socket.connect`: compiled by
 * `tsc -p .` and `tsc -p client` (`npm run typecheck`), never run. Node's calls type-check;
 * each wrong call carries `@ts-expect-error`, which fails the compile if the call is accepted.
 */
import { connect as entryConnect, createConnection as entryCreateConnection } from './net-entry.ts';
import type { NetModule } from './net.ts';
import type { Socket } from './socket.ts';

declare const net: NetModule;
declare const socket: Socket;
const listener = (): void => {};

// Node's calls (@types/node's overloads, and (port, connectListener), which Node accepts).
for (const connect of [net.connect, net.createConnection, entryConnect, entryCreateConnection]) {
  const sockets: Socket[] = [
    connect(5432),
    connect(5432, 'db.internal'),
    connect(5432, 'db.internal', listener),
    connect(5432, listener),
    connect({ port: 5432 }),
    connect({ port: '5432', host: 'db.internal', timeout: 1000, noDelay: true }, listener),
    connect({ path: '/run/db.sock' }),
    connect('/run/db.sock'),
    connect('/run/db.sock', listener),
  ];
  void sockets;

  // @ts-expect-error -- no port and no path (Node throws ERR_MISSING_ARGS)
  connect();
  // @ts-expect-error -- an options object needs a port or a path
  connect({ host: 'db.internal' });
  // @ts-expect-error -- not an option of net.connect
  connect({ port: 5432, hots: 'db.internal' });
  // @ts-expect-error -- the host is a string
  connect(5432, 5433);
  // @ts-expect-error -- the listener is a function
  connect(5432, 'db.internal', 'listener');
  // @ts-expect-error -- the listener is a function
  connect({ port: 5432 }, 'listener');
  // @ts-expect-error -- a port is a number (or an options object)
  connect(true);
  // @ts-expect-error -- a connect listener takes no arguments
  connect(5432, (error: Error) => error);
}

// socket.connect returns the socket, as Node's (chaining).
const chained: Socket = socket.connect(5432, 'db.internal', listener).setNoDelay(true);
void chained;
socket.connect(5432);
socket.connect(5432, listener);
socket.connect({ port: 5432, host: 'db.internal', keepAlive: true }, listener);
socket.connect('/run/db.sock', listener);
// @ts-expect-error -- no port and no path
socket.connect();
// @ts-expect-error -- an options object needs a port or a path
socket.connect({ host: 'db.internal' });
// @ts-expect-error -- the host is a string
socket.connect(5432, 5433);
