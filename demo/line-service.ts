/**
 * The demo's own TCP service: a line protocol a person can type at. One command per
 * line; replies end in "\n". COUNT streams its replies, so the page shows them as
 * they arrive; BYE closes from the server side (the page sees 'end').
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const HELP = [
  'Commands (one per line):',
  '  ECHO <text>    repeats <text>',
  '  UPPER <text>   repeats <text> in capitals',
  '  TIME           the server time',
  '  COUNT <n>      counts to n (at most 20), one line every 250 ms',
  '  BYE            the server says goodbye and ends the connection',
  '  HELP           this list',
];
const MAX_LINE = 4096;
const MAX_COUNT = 20;
const COUNT_INTERVAL_MS = 250;

/** A running line service. */
export interface LineService {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function serve(socket: net.Socket): void {
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  const timers = new Set<ReturnType<typeof setInterval>>();
  socket.on('close', () => {
    for (const timer of timers) clearInterval(timer);
  });
  const reply = (line: string): void => {
    if (socket.writable) socket.write(`${line}\n`);
  };
  let pending = '';
  const handle = (raw: string): void => {
    const line = raw.replace(/\r$/, '');
    const space = line.indexOf(' ');
    const command = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const argument = space === -1 ? '' : line.slice(space + 1);
    switch (command) {
      case '':
        return;
      case 'HELP':
        for (const help of HELP) reply(help);
        return;
      case 'ECHO':
        reply(argument);
        return;
      case 'UPPER':
        reply(argument.toUpperCase());
        return;
      case 'TIME':
        reply(new Date().toISOString());
        return;
      case 'COUNT': {
        const n = Math.min(MAX_COUNT, Math.max(1, Number.parseInt(argument, 10) || 3));
        let i = 0;
        const timer = setInterval(() => {
          reply(`${++i} of ${n}`);
          if (i === n) {
            clearInterval(timer);
            timers.delete(timer);
          }
        }, COUNT_INTERVAL_MS);
        timers.add(timer);
        return;
      }
      case 'BYE':
        socket.end('Bye.\n');
        return;
      default:
        reply(`? unknown command ${JSON.stringify(command)}: try HELP`);
    }
  };
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      handle(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
    if (pending.length > MAX_LINE) {
      reply(`? line longer than ${MAX_LINE} characters: dropped`);
      pending = '';
    }
  });
  reply('Welcome to the sockway demo service. Type HELP and press Enter.');
}

/** Starts the service on `host` (default 127.0.0.1) and an ephemeral port unless `port` is given. */
export async function startLineService(host = '127.0.0.1', port = 0): Promise<LineService> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
