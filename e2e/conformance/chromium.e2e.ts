/**
 * Part 3 of the conformance suite: a representative subset of the scenarios runs
 * inside Chromium against sockway's `net` (page built with the Vite plugin, gateway
 * on the same HTTP server), and each trace must equal node:net's trace of the same
 * scenario recorded here, in this run, against the same scripted servers.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import nodeNet from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { sockway } from '../../vite/index.ts';
import { launchChromium } from '../fixtures/chromium.ts';
import { type PageServer, removeBuild, startPageServer } from '../fixtures/e2e-page.ts';
import { deviationsFor } from './deviations.ts';
import { diffTraces, firstDifference, type NetLike, renumber, runScenario, SERVER_NAMES, type ServerName } from './harness.ts';
import { CONFORMANCE_ALLOW, CONFORMANCE_ALLOW_LISTEN } from './node-env.ts';
import { startConformanceServers, type ConformanceServers } from './servers.ts';
import { allScenarios } from './scenarios/index.ts';


/**
 * The peers are node:net sockets in the test process, observers of the page's server, not
 * what is tested: when a peer ends, its own 'finish' (its FIN written) and its 'end' (the
 * page's automatic FIN, back through the gateway) are independent, and on a loaded machine
 * they come in either order. Their 'finish' lines are left out of both traces.
 */
function withoutPeerFinish(lines: string[]): string[] {
  return lines.filter((line) => !/^\s*p(?:#\d+)?:finish\(\)/.test(line));
}

/** The scenarios that also run in Chromium (portable: no Node-only env features). */
export const CHROMIUM_SUBSET: readonly string[] = [
  'net.connect(port, host, cb)',
  'net.connect(port, cb): host defaults to localhost, one lookup',
  'new Socket().connect(port, host, cb) returns the socket',
  'Socket and Stream: callable without new, same class',
  'host "localhost": lookup(null, address, family, host) then connectionAttempt',
  'custom lookup: called with (host, options), result used, lookup event',
  'custom lookup answering two addresses that both refuse: AggregateError',
  'DNS failure: getaddrinfo ENOTFOUND with hostname, no port',
  'ECONNREFUSED: connectionAttemptFailed? error, close(true), shape',
  'ERR_MISSING_ARGS: connect(), connect({}), connect({host}), Socket#connect()',
  'ERR_SOCKET_BAD_PORT for out-of-range and non-numeric ports',
  'write argument validation: null, numbers, objects, bad encodings',
  'a new Socket: readyState open, pending, no handle properties',
  'echo: write, read, end, close with every property',
  'destroy() while connecting: close(false) only, pending write cb errs',
  'end(data) while connecting: connect, finish, end, close; data delivered',
  'writes queued before connect go out in order; counters while connecting',
  'write callbacks when destroyed while connecting (several queued)',
  'write after the peer FIN once our side ended: write after end',
  'cork/uncork: writes batched, callbacks in order',
  'net.connect allowHalfOpen: the server ends first, the client keeps writing',
  'new Socket({allowHalfOpen}).connect allowHalfOpen: the client ends first, the reply arrives after its FIN',
  'setTimeout fires on idle and does not destroy',
  'setTimeout(0) cancels, and removes the given callback',
  'resetAndDestroy() connected: close(false); the peer sees ECONNRESET',
  'resetAndDestroy() twice',
  'destroy() inside error gives exactly one close',
  'abort while connecting',
  'setEncoding("utf8") with multi-byte characters split across chunks',
  'onread with a static buffer: callbacks instead of data',
  'the same Socket reconnected 5 times, setEncoding kept',
  'net.isIP over the table, mutations and non-strings',
  // net.Server in the page, listening through the gateway; the peers are the page's own sockets.
  "listen(port, host, cb): 'listening' listeners and the callback in registration order",
  "accepted connection: 'connection' argument, data, end, finish, close(false); the peer sees end",
  'allowHalfOpen server: the peer ends first, the accepted socket replies after the FIN',
  'getConnections over time: 0 before listen, 1, 2 as peers connect, 1, 0 as they close',
  "maxConnections: a connection beyond it is dropped with 'drop' and its endpoints; the peer sees end",
  'pauseOnConnect: the accepted socket is paused, reads nothing until resume()',
  'server.close() with a connection open: not listening at once, close only after the connection ends',
  'the peer resets an accepted connection: ECONNRESET on the server side, close(true)',
];

const PAGE_ROOT = fileURLToPath(new URL('./page/', import.meta.url));

let browser: Browser;
let page: Page;
let pageDir: string;
let server: PageServer;
let servers: ConformanceServers;
const score = { scenarios: 0, equal: 0, deviations: [] as string[], failed: [] as string[] };

before(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'sockway-conformance-page-'));
  await build({
    configFile: false,
    root: PAGE_ROOT,
    logLevel: 'warn',
    plugins: [sockway({ gateway: '/sockway' })],
    build: { outDir: pageDir, emptyOutDir: true, minify: false, reportCompressedSize: false },
  });
  [servers, browser] = await Promise.all([startConformanceServers(), launchChromium()]);
  server = await startPageServer(pageDir, { allow: CONFORMANCE_ALLOW, allowListen: CONFORMANCE_ALLOW_LISTEN });
  page = await (await browser.newContext()).newPage();
  await page.exposeFunction('conformancePeer', (name: ServerName, since: number) => servers.peer(name, since));
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
});

after(async () => {
  await browser?.close();
  await server?.close();
  await servers?.close();
  if (pageDir) removeBuild(pageDir);
  console.log([
    `conformance in Chromium: ${score.scenarios} scenarios, ${score.equal} equal traces, ${score.deviations.length} known deviations, ${score.failed.length} unexplained differences`,
    ...score.deviations.map((name) => `  known deviation: ${name}`),
    ...score.failed.map((name) => `  DIFFERENT: ${name}`),
  ].join('\n'));
});

function nodeEnvSince(): Record<ServerName, number> {
  return Object.fromEntries(SERVER_NAMES.map((name) => [name, servers.accepted(name)])) as Record<ServerName, number>;
}

for (const name of CHROMIUM_SUBSET) {
  const s = allScenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`CHROMIUM_SUBSET names an unknown scenario: ${name}`);
  if ((s.needs ?? []).length > 0) throw new Error(`CHROMIUM_SUBSET: ${name} needs ${s.needs?.join(', ')}, which a page lacks`);
  test(`[chromium] [${s.area}] ${name}`, async () => {
    const ports = Object.fromEntries(SERVER_NAMES.map((n) => [n, servers.port(n)])) as Record<ServerName, number>;
    const nodeSince = nodeEnvSince();
    const expected = withoutPeerFinish(renumber(await runScenario(s, nodeNet as unknown as NetLike, (t) => ({
      t,
      port: (n) => ports[n],
      peer: (n) => servers.peer(n, nodeSince[n]),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      nextTick: (callback) => process.nextTick(callback),
      setImmediate: (callback) => void setImmediate(callback),
      listenerCount: (target, type) => getEventListeners(target as EventTarget, type).length,
      features: new Set(),
      peerNet: nodeNet as unknown as NetLike,
    }))));
    const since = nodeEnvSince();
    const actual = withoutPeerFinish(renumber(await page.evaluate(
      (args) => (globalThis as unknown as { sockwayConformance: { run(a: unknown): Promise<string[]> } }).sockwayConformance.run(args),
      { name, ports, since },
    )));
    score.scenarios++;
    if (firstDifference(expected, actual) === -1) {
      score.equal++;
      return;
    }
    const deviations = deviationsFor(name, 'chromium');
    const masks = deviations.flatMap((d) => (d.mask ? [d.mask] : []));
    const apply = (lines: string[]): string[] => renumber(lines.map((line) => masks.reduce((l, mask) => mask(l), line)));
    if (deviations.length > 0 && (deviations.some((d) => !d.mask) || firstDifference(apply(expected), apply(actual)) === -1)) {
      score.deviations.push(name);
      return;
    }
    score.failed.push(name);
    assert.fail(`Chromium trace differs from node:net's ('-' node:net only, '+' sockway in Chromium only):\n${diffTraces(apply(expected), apply(actual))}`);
  });
}
