import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { FaultSocket } from './fault-socket.ts';

/** A server that says 'hello' to each connection and echoes what it gets. */
let server: net.Server;
let port: number;
let accepted = 0;
before(async () => {
  server = net.createServer((socket) => {
    accepted += 1;
    socket.on('error', () => {});
    socket.write('hello');
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});
after(() => server.close());

const options = (): net.TcpNetConnectOpts => ({ host: '127.0.0.1', port: 5432 });

/** Resolves once a fresh round trip to the server is done: by then a reading socket would have read. */
async function roundTrip(): Promise<void> {
  const probe = net.connect(port, '127.0.0.1');
  await once(probe, 'data');
  probe.destroy();
}

test('refuse: never dials; fails with connect ECONNREFUSED and the address and port the page asked for', async () => {
  const before = accepted;
  const socket = new FaultSocket(options()).dial(options(), port, 'refuse');
  const [error] = await once(socket, 'error') as [NodeJS.ErrnoException & { address: string; port: number }];
  assert.equal(error.message, 'connect ECONNREFUSED 127.0.0.1:5432');
  assert.deepEqual([error.code, error.errno, error.syscall, error.address, error.port], ['ECONNREFUSED', -111, 'connect', '127.0.0.1', 5432]);
  await roundTrip();
  assert.equal(accepted, before + 1, 'only the probe reached the server');
});

test('reset: once connected, the socket fails with read ECONNRESET', async () => {
  const socket = new FaultSocket(options()).dial(options(), port, 'reset');
  const events: string[] = [];
  socket.on('connect', () => events.push('connect'));
  const [error] = await once(socket, 'error') as [NodeJS.ErrnoException];
  assert.deepEqual([events, error.message, error.code, error.errno, error.syscall], [['connect'], 'read ECONNRESET', 'ECONNRESET', -104, 'read']);
});

test('blackhole: never connects', async () => {
  const socket = new FaultSocket(options()).dial(options(), port, 'blackhole');
  await roundTrip();
  assert.deepEqual([socket.connecting, socket.fault], [false, 'blackhole']);
  assert.equal(socket.remotePort, undefined);
  socket.destroy();
});

test('stall on a socket reading with onread (as the gateway\'s): nothing is read until cleared, even if the reader resumes', async () => {
  const reads: string[] = [];
  let hello = (): void => {};
  const helloRead = new Promise<void>((resolve) => { hello = resolve; });
  const buffer = Buffer.alloc(1024);
  const readOptions = {
    ...options(),
    onread: {
      buffer,
      callback: (n: number): boolean => {
        reads.push(buffer.subarray(0, n).toString());
        if (reads.join('') === 'hello') hello();
        return true;
      },
    },
  };
  const socket = new FaultSocket(readOptions).dial(readOptions, port, null);
  await once(socket, 'connect');
  socket.setFault('stall');
  socket.pause();
  socket.resume();
  // Only now can 'hello' have been read: not before it was sent.
  await roundTrip();
  assert.deepEqual(reads.filter((read) => read !== ''), [], 'nothing read while stalled');
  socket.setFault(null);
  await helloRead;
  socket.destroy();
});

test('stall: a reader that paused itself stays paused when the fault is cleared', async () => {
  const socket = new FaultSocket(options()).dial(options(), port, 'stall');
  let read = '';
  const data = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => {
    read += chunk.toString();
    resolve();
  }));
  await once(socket, 'connect');
  socket.pause();
  socket.setFault(null);
  await roundTrip();
  assert.equal(read, '');
  socket.resume();
  await data;
  assert.equal(read, 'hello');
  socket.destroy();
});
