/**
 * The attack of issue 12 finding 4, run by dns-abuse.test.ts in a mount namespace whose
 * /etc/resolv.conf names `argv[2]` (port 53) as the only nameserver: a silent server
 * listens there, one session opens 64 streams to names under it, and another session's
 * OPEN to localhost and QUERY for localhost are timed. The gateway runs with default
 * settings. Prints one JSON line { openMs, queryMs, questions } (null: over 5 s) and exits.
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import type { WireError } from '../../shared/errors.ts';
import type { StreamHandler } from '../../shared/session.ts';
import { createGateway } from '../gateway.ts';
import { connectClient } from './ws-client-transport.ts';

const SLOW = 5_000;
const nameserver = process.argv[2] ?? '127.0.0.53';

const silent = dgram.createSocket('udp4');
let questions = 0;
silent.on('message', () => {
  questions += 1;
});
silent.bind(53, nameserver);
await once(silent, 'listening');

const target = net.createServer((socket) => socket.pipe(socket));
target.listen(0, '127.0.0.1');
await once(target, 'listening');
const targetPort = (target.address() as net.AddressInfo).port;

const gateway = createGateway({ allow: ['*.blackhole.test:*', 'localhost:*'] });
const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
const url = `ws://127.0.0.1:${port}/`;

const handler = (done: (outcome: string) => void): StreamHandler => ({
  onOpened: () => done('opened'),
  onAnswer: () => done('answered'),
  onReset: (error: WireError) => done(error.code),
  onData: () => {},
  onEnd: () => {},
  onDrain: () => {},
});

const attacker = connectClient(url);
await attacker.ready;
for (let i = 0; i < 64; i += 1) {
  attacker.session.open({ host: `n${i}.blackhole.test`, port: 443, family: 0, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0 }, handler(() => {}));
}
const deadline = Date.now() + SLOW;
while (questions < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));

/** ms until `start` reports an outcome of `expected`, or null after SLOW ms. */
function timed(expected: string, start: (done: (outcome: string) => void) => void): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), SLOW);
    start((outcome) => {
      clearTimeout(timer);
      resolve(outcome === expected ? Date.now() - started : null);
    });
  });
}

const victim = connectClient(url);
await victim.ready;
const openMs = await timed('opened', (done) => {
  victim.session.open({ host: 'localhost', port: targetPort, family: 4, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0 }, handler(done));
});
const queryMs = await timed('answered', (done) => {
  victim.session.query({ rrtype: 'lookup', name: 'localhost', family: 4, hints: 0 }, handler(done));
});
process.stdout.write(`${JSON.stringify({ openMs, queryMs, questions })}\n`);
process.exit(0);
