/**
 * Node liveness as Node has it (issue 13, item 5): a socket keeps its process alive only
 * while it connects, reads (not paused before reading, not at the peer's EOF) or has a
 * write pending; unref()/ref() as in Node; the tunnel's WebSocket holds nothing by itself.
 * Each case runs twice in child processes, once with Node's own `net` against the TCP
 * server, once with sockway's through a gateway to the same server: both must see the
 * same events, and exit (or stay until the server acts) alike. 'beforeExit' marks the
 * moment the child's event loop ran dry.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { bundled } from '../gateway/testing/abuse-build.ts';
import { startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';

/** What the server does to its side of the connection once the child said 'ready'. */
type Action = 'nothing' | 'end' | 'resume';

interface Case {
  readonly name: string;
  /** Child code run on 'connect' (`socket`, `log` in scope), before it logs 'ready'. */
  readonly onConnect: string;
  /** Child code run right after net.connect(). */
  readonly setup?: string;
  readonly allowHalfOpen?: boolean;
  /** The server reads nothing until the action (a write from the child stays pending). */
  readonly serverPaused?: boolean;
  readonly action: Action;
  /** The events both children must log, in order. */
  readonly events: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'a connected socket reads (no listener needed) and holds the process until the peer ends it',
    onConnect: '',
    action: 'end',
    events: ['connect', 'ready', 'end', 'close', 'beforeExit'],
  },
  {
    name: 'a socket paused before it read holds the process while it connects, not after',
    setup: 'socket.pause();',
    onConnect: '',
    action: 'nothing',
    events: ['connect', 'ready', 'beforeExit'],
  },
  {
    name: 'a socket whose peer ended (allowHalfOpen, our side still open) does not hold the process',
    setup: "socket.on('data', () => {});",
    onConnect: '',
    allowHalfOpen: true,
    action: 'end',
    events: ['connect', 'ready', 'end', 'beforeExit'],
  },
  {
    name: 'unref() lets the process exit with the socket open',
    onConnect: 'socket.unref();',
    action: 'nothing',
    events: ['connect', 'ready', 'beforeExit'],
  },
  {
    name: 'ref() after unref() holds it again',
    onConnect: 'socket.unref(); socket.ref();',
    action: 'end',
    events: ['connect', 'ready', 'end', 'close', 'beforeExit'],
  },
  {
    name: 'a pending write holds a paused socket\'s process until the data is taken',
    setup: 'socket.pause();',
    onConnect: "socket.write(Buffer.alloc(32 * 1024 * 1024), () => log('written'));",
    serverPaused: true,
    action: 'resume',
    events: ['connect', 'ready', 'written', 'beforeExit'],
  },
];

let fixture: GatewayFixture;
let client: string;

before(async () => {
  fixture = await startGateway({ allow: ['127.0.0.1:*'] });
  client = bundled(new URL('./testing/node-client.ts', import.meta.url), { standalone: true });
});

after(async () => {
  await fixture.close();
});

/** The child: `net` is Node's when url is 'node', else sockway's through the gateway at url. */
function childScript(c: Case): string {
  return `
    const [url, port] = process.argv.slice(1);
    let net = require('net');
    if (url !== 'node') {
      const { createTunnel, NodeWebSocket } = require(${JSON.stringify(client)});
      net = createTunnel({ url, WebSocket: NodeWebSocket }).net;
    }
    const log = (event) => console.log(event);
    process.on('beforeExit', () => log('beforeExit'));
    const socket = net.connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: ${c.allowHalfOpen === true} });
    socket.on('end', () => log('end'));
    socket.on('close', () => log('close'));
    socket.on('error', (error) => log('error ' + error.code));
    ${c.setup ?? ''}
    socket.on('connect', () => {
      log('connect');
      ${c.onConnect}
      log('ready');
    });
  `;
}

/** Runs one case with `url` ('node' or the gateway's); resolves with the child's events once it exited. */
async function run(c: Case, url: string): Promise<string[]> {
  const accepted: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: c.serverPaused === true }, (socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const child = spawn(process.execPath, ['-e', childScript(c), url, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: string[] = [];
  const exited = once(child, 'exit');
  // A child that never exits is held by something it should not be: killed, and the events show it.
  const killer = setTimeout(() => child.kill(), 15_000);
  for await (const line of createInterface({ input: child.stdout })) {
    events.push(line);
    if (line !== 'ready' || c.action === 'nothing') continue;
    while (accepted.length === 0) await once(server, 'connection');
    const socket = accepted[0] as net.Socket;
    if (c.action === 'end') socket.end();
    else socket.resume();
  }
  const [code] = await exited;
  clearTimeout(killer);
  for (const socket of accepted) socket.destroy();
  server.close();
  assert.equal(code, 0, `the child exited by itself (events: ${events.join(', ')})`);
  return events;
}

describe('liveness: sockway sockets hold a Node process as Node\'s do', () => {
  for (const c of CASES) {
    test(c.name, { timeout: 60_000 }, async () => {
      const node = await run(c, 'node');
      assert.deepEqual(node, c.events, 'node:net (the reference)');
      const sockway = await run(c, fixture.url);
      assert.deepEqual(sockway, c.events, 'sockway');
    });
  }
});
