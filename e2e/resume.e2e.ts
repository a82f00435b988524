/**
 * Session resumption (issue 8, PROTOCOL.md#resume) in Chromium: the e2e page's
 * `sockway/net` moves STREAMS × MIB MiB each way (SHA-256 of both directions checked
 * at both ends) through a real gateway while the WebSocket is cut every 1–2 s: from
 * the gateway side (its upgrade socket destroyed, as ws.terminate() does), from the
 * page (tunnel.dropConnection()), and by a TCP proxy that silently blackholes (found by
 * the page's keepalive). The sockets must see nothing: no 'error', 'close' only at the
 * end. Then a gateway restart: the page's socket fails with SOCKWAY_ERR_RESUME_FAILED
 * and a new one works. Sizes as in the Node-side test (gateway/resume.test.ts):
 * 10 × 64 MiB each way (RESUME_E2E_STREAMS, RESUME_E2E_MIB override them).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { serveStatic } from '../demo/static-files.ts';
import { type Gateway, createGateway } from '../gateway/index.ts';
import { type FaultProxy, startFaultProxy } from '../gateway/testing/fault-proxy.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { buildE2ePage, removeBuild } from './fixtures/e2e-page.ts';
import { type Origin, startOrigin } from './fixtures/resume-origin.ts';
import { type TestServer, startEchoServer } from './fixtures/tcp-servers.ts';
import type { StreamRun, TunnelSettings } from './page/resume-scenarios.ts';

const HOST = '127.0.0.1';
const STREAMS = Number(process.env['RESUME_E2E_STREAMS'] ?? 10);
const MIB = Number(process.env['RESUME_E2E_MIB'] ?? 64);
/** A run that has not finished by then reports what it has (instead of hanging the file). */
const RUN_TIMEOUT_MS = 180_000;

// ---- the stand: the built page and a gateway on one HTTP server, whose WebSockets a test can cut ----

interface Stand {
  readonly port: number;
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  /** ws://127.0.0.1:PORT/sockway */
  readonly gatewayUrl: string;
  readonly gateway: Gateway;
  /** Server-side TCP sockets of the live WebSocket upgrades. */
  readonly upgrades: Set<Duplex>;
  /** Cuts every WebSocket at the gateway's end, as ws.terminate() does: no GOAWAY, no close frame. */
  cutAll(): number;
  /** A crash: the port stops accepting, every WebSocket dies without GOAWAY, the gateway's TCP sockets go. */
  crash(): Promise<void>;
  close(): Promise<void>;
}

async function startStand(root: string, port = 0): Promise<Stand> {
  const gateway = createGateway({ path: '/sockway', allow: [`${HOST}:*`] });
  const server = http.createServer((request, response) => {
    if (!serveStatic(root, request, response)) response.writeHead(404).end('not found\n');
  });
  const upgrades = new Set<Duplex>();
  server.on('upgrade', (_request, socket: Duplex) => {
    upgrades.add(socket);
    socket.once('close', () => upgrades.delete(socket));
  });
  gateway.attach(server);
  server.listen(port, HOST);
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  const stopServer = (): Promise<void> => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return {
    port: bound,
    url: `http://${HOST}:${bound}/`,
    gatewayUrl: `ws://${HOST}:${bound}/sockway`,
    gateway,
    upgrades,
    cutAll() {
      const cut = upgrades.size;
      for (const socket of upgrades) socket.destroy();
      return cut;
    },
    async crash() {
      const stopped = stopServer();
      for (const socket of upgrades) socket.destroy();
      await stopped;
      // What dies with the process: the held TCP sockets. Its sessions are detached by now, so no GOAWAY reaches anyone.
      await gateway.close();
    },
    async close() {
      await gateway.close();
      await stopServer();
    },
  };
}

// ---- results ----

/** What a socket that only moved data emits (besides 'data' and 'drain'): its lifecycle, nothing about the link. */
const LIFECYCLE = new Set(['connectionAttempt', 'connect', 'ready', 'resume', 'readable', 'prefinish', 'finish', 'end', 'close(false)']);

/** A socket saw nothing of the cuts: lifecycle events only, no 'error' or 'timeout', one 'close' without error, last. */
function assertQuiet(events: readonly string[], what: string): void {
  const detail = `${what} events ${JSON.stringify(events)}`;
  assert.deepEqual(events.filter((e) => !LIFECYCLE.has(e)), [], detail);
  for (const once of ['connect', 'finish', 'end', 'close(false)']) assert.equal(events.filter((e) => e === once).length, 1, detail);
  assert.equal(events.at(-1), 'close(false)', detail);
  assert.ok(events.indexOf('connect') < events.indexOf('end') && events.indexOf('connect') < events.indexOf('finish'), detail);
}

/** What bulkUnderFire reports of each stream. */
type StreamResult = Readonly<StreamRun>;

interface ReconnectRecord {
  readonly disconnectAt: number;
  readonly code: number;
  readonly reason: string;
  readonly reconnectAt: number;
  readonly attempts: number;
  readonly downtimeMs: number;
  readonly firstByteAt: number;
}

interface BulkResult {
  readonly timedOut: boolean;
  readonly startedAt: number;
  readonly elapsedMs: number;
  readonly streams: StreamResult[];
  readonly reconnects: ReconnectRecord[];
  readonly reconnectFailed: unknown[];
  readonly clientDrops: number[];
  readonly session: { version: number; resumes: number; replayPeak: number; detached: boolean } | null;
  readonly liveStreams: number;
}

/** Cuts with `cut` every 1–2 s (random; the first 0.5–1 s after `ready()`) until stopped; returns when each cut happened (Date.now()). */
function cutEvery(cut: () => void, ready: () => boolean): { stop(): number[] } {
  const times: number[] = [];
  let timer: NodeJS.Timeout;
  const arm = (first: boolean): void => {
    timer = setTimeout(() => {
      times.push(Date.now());
      cut();
      arm(false);
    }, (first ? 500 : 1_000) * (1 + Math.random()));
  };
  // A session resumes only once WELCOME reached the page: cut once every socket is connected.
  const wait = (): void => {
    timer = setTimeout(() => (ready() ? arm(true) : wait()), 20);
  };
  wait();
  return {
    stop() {
      clearTimeout(timer);
      return times;
    },
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/**
 * Asserts a run: every stream complete and intact both ways (SHA-256 here and at the
 * origin), nothing but data at the sockets, every cut resumed. Returns the figures.
 */
async function checkRun(t: TestContext, what: string, origin: Origin, result: BulkResult, streams: number, cuts: number[]): Promise<void> {
  const summary = `${what}: ${JSON.stringify({ timedOut: result.timedOut, elapsedMs: result.elapsedMs, received: result.streams.map((s) => s.receivedBytes), problems: result.streams.map((s) => s.problem).filter((p) => p !== ''), session: result.session, reconnects: result.reconnects.length, failed: result.reconnectFailed })}`;
  assert.equal(result.timedOut, false, summary);
  assert.deepEqual(result.reconnectFailed, [], summary);
  assert.equal(result.streams.length, streams);
  const total = MIB * 1024 * 1024;
  for (const s of result.streams) {
    assert.equal(s.problem, '', `stream ${s.index}: ${s.problem} after ${JSON.stringify(s.events.slice(0, 8))}; ${summary}`);
    // Nothing but data (and 'drain' for write()'s backpressure): no 'error', no 'timeout', 'close' once, last, without error.
    assertQuiet(s.events, `stream ${s.index}`);
    assert.equal(s.bytesWritten, total);
    assert.equal(s.overflowBytes, 0, `stream ${s.index}: no byte twice`);
    assert.equal(s.receivedBytes, total, `stream ${s.index} download length`);
    const atOrigin = origin.streams.get(s.index);
    assert.ok(atOrigin, `the origin saw stream ${s.index}`);
    const up = await atOrigin.received;
    assert.equal(up.bytes, total, `stream ${s.index} upload length`);
    assert.equal(up.hash, s.sentHash, `stream ${s.index} upload SHA-256`);
    assert.equal(s.receivedHash, await atOrigin.sent, `stream ${s.index} download SHA-256`);
  }
  assert.equal(result.liveStreams, 0, 'the session carries no stream afterwards');
  assert.ok(result.session !== null && result.session.version === 2, 'a resumable (version 2) session');
  const resumed = result.reconnects.filter((r) => r.reconnectAt !== 0);
  assert.ok(cuts.length >= 2, `${cuts.length} cuts: the run was too short to cut twice`);
  assert.ok(resumed.length >= 2, `${resumed.length} resumes`);
  assert.equal(result.session.resumes, resumed.length, "one 'reconnect' event per resume");
  // Every 'disconnect' but perhaps one racing the end of the run was followed by a 'reconnect'.
  assert.ok(result.reconnects.length - resumed.length <= 1, `disconnects ${result.reconnects.length}, resumes ${resumed.length}`);

  // Figures: from the cut (or, for blackholes, from its detection) to the first resumed byte.
  const firstByte = resumed.filter((r) => r.firstByteAt !== 0);
  const sinceCut = firstByte.map((r) => {
    const cut = cuts.filter((c) => c <= r.disconnectAt + 5).at(-1) ?? r.disconnectAt;
    return r.firstByteAt - cut;
  });
  const sinceDetect = firstByte.map((r) => r.firstByteAt - r.disconnectAt);
  const bytes = 2 * streams * total;
  t.diagnostic(
    `${what}: ${streams} × ${MIB} MiB each way in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
      `(${(bytes / 1024 / 1024 / (result.elapsedMs / 1000)).toFixed(1)} MiB/s both ways together), ` +
      `${cuts.length} cuts, ${resumed.length} resumes (attempts ${resumed.map((r) => r.attempts).join(',')}), ` +
      `cut → first resumed byte median ${median(sinceCut)} ms (max ${Math.max(...sinceCut)}), ` +
      `disconnect event → first byte median ${median(sinceDetect)} ms, downtime median ${median(resumed.map((r) => r.downtimeMs))} ms, ` +
      `client replay peak ${((result.session.replayPeak) / 1024).toFixed(0)} KiB`,
  );
}

// ---- the tests ----
let browser: Browser;
let pageDir: string;
let stand: Stand;
let origin: Origin;
let echo: TestServer;

before(async () => {
  [pageDir, origin, echo, browser] = await Promise.all([buildE2ePage(), startOrigin(MIB), startEchoServer(), launchChromium()]);
  stand = await startStand(pageDir);
});

after(async () => {
  await browser?.close();
  await stand?.close();
  await origin?.close();
  await echo?.close();
  if (pageDir) removeBuild(pageDir);
});

describe('session resume in Chromium', { timeout: 900_000 }, () => {
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(stand.url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  });

  after(async () => {
    await context?.close();
  });

  const runResume = <T>(where: 'page' | 'worker', name: string, args: Record<string, unknown>): Promise<T> =>
    page.evaluate(
      ([w, n, a]) => {
        const e2e = (globalThis as unknown as { sockwayE2E: { runResume(n: string, a: unknown): Promise<unknown>; runResumeInWorker(n: string, a: unknown): Promise<unknown> } }).sockwayE2E;
        return w === 'page' ? e2e.runResume(n, a) : e2e.runResumeInWorker(n, a);
      },
      [where, name, args] as const,
    ) as Promise<T>;

  const bulk = (where: 'page' | 'worker', streams: number, tunnel: TunnelSettings, clientDrops = false): Promise<BulkResult> =>
    runResume<BulkResult>(where, 'bulkUnderFire', { host: HOST, port: origin.port, streams, mib: MIB, tunnel, clientDrops, timeoutMs: RUN_TIMEOUT_MS });

  test('gateway side: the gateway\'s WebSocket is cut every 1–2 s; every stream completes intact, the sockets see nothing', async (t) => {
    origin.streams.clear();
    const cutter = cutEvery(() => stand.cutAll(), () => origin.streams.size >= STREAMS);
    const result = await bulk('page', STREAMS, { url: stand.gatewayUrl }).finally(() => cutter.stop());
    const cuts = cutter.stop();
    await checkRun(t, 'gateway-side cuts (page)', origin, result, STREAMS, cuts);
    assert.ok(result.reconnects.every((r) => r.code === 1006), `abnormal closes: ${result.reconnects.map((r) => r.code).join(',')}`);
  });

  test('client side: the page drops its WebSocket with tunnel.dropConnection() every 1–2 s; every stream completes intact', async (t) => {
    origin.streams.clear();
    const result = await bulk('page', STREAMS, { url: stand.gatewayUrl }, true);
    await checkRun(t, 'client-side drops (page)', origin, result, STREAMS, result.clientDrops);
    assert.ok(result.reconnects.every((r) => /dropConnection/.test(r.reason)), `reasons: ${result.reconnects.map((r) => r.reason).join(' | ')}`);
  });

  test('a proxy between the page and the gateway blackholes the link every 1–2 s: keepalive finds it, the session resumes, every stream completes intact', async (t) => {
    origin.streams.clear();
    const proxy: FaultProxy = await startFaultProxy(stand.port);
    t.after(() => proxy.close());
    const cutter = cutEvery(() => proxy.blackhole(), () => origin.streams.size >= STREAMS);
    // Short liveness (defaults 15 s / 10 s) so a blackhole is found within half a second.
    const result = await bulk('page', STREAMS, { url: `ws://${HOST}:${proxy.port}/sockway`, keepaliveInterval: 100, keepaliveTimeout: 400 }).finally(() => cutter.stop());
    const cuts = cutter.stop();
    await checkRun(t, 'proxy blackholes (page)', origin, result, STREAMS, cuts);
    assert.ok(proxy.accepted >= 3, `the page reconnected through the proxy (${proxy.accepted} connections)`);
    assert.ok(result.reconnects.some((r) => /PONG/.test(r.reason)), `keepalive found the blackhole: ${result.reconnects.map((r) => r.reason).join(' | ')}`);
  });

  test('in a Web Worker: gateway-side cuts every 1–2 s; every stream completes intact', async (t) => {
    origin.streams.clear();
    const cutter = cutEvery(() => stand.cutAll(), () => origin.streams.size >= STREAMS);
    const result = await bulk('worker', STREAMS, { url: stand.gatewayUrl }).finally(() => cutter.stop());
    const cuts = cutter.stop();
    await checkRun(t, 'gateway-side cuts (worker)', origin, result, STREAMS, cuts);
  });

  test('a gateway restart (crash, new gateway on the same port) fails the page\'s socket with SOCKWAY_ERR_RESUME_FAILED; new sockets work', async () => {
    origin.streams.clear();
    const running = runResume<{
      timedOut: boolean;
      error: Record<string, unknown> | null;
      events: string[];
      destroyed: boolean;
      disconnects: number;
      reconnects: number;
      reconnectFailed: { code: string; message: string }[];
      fresh: { text?: string; error?: unknown; events: string[] } | null;
      connected: boolean;
    }>('page', 'restartVictim', { host: HOST, port: echo.port, echoPort: echo.port, tunnel: { url: stand.gatewayUrl }, timeoutMs: 20_000 });
    // The victim's line went through the gateway: its session holds a live TCP socket.
    const deadline = Date.now() + 10_000;
    while (stand.gateway.stats().tcpSockets === 0 || echo.sockets.length === 0) {
      if (Date.now() > deadline) throw new Error('the page never opened its socket');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const port = stand.port;
    await stand.crash();
    stand = await startStand(pageDir, port);
    const result = await running;
    assert.equal(result.timedOut, false, JSON.stringify(result));
    assert.ok(result.error !== null);
    assert.equal(result.error['code'], 'SOCKWAY_ERR_RESUME_FAILED');
    assert.equal(result.error['isError'], true);
    assert.equal(result.error['name'], 'Error');
    // The new gateway has a new (random) instance id: the session is another instance's.
    assert.match(String(result.error['message']), /^the session is not on this gateway instance: .* or that instance has stopped or restarted$/);
    assert.deepEqual(result.events.filter((e) => e.startsWith('error') || e.startsWith('close')), ['error(SOCKWAY_ERR_RESUME_FAILED)', 'close(true)']);
    assert.equal(result.destroyed, true);
    assert.ok(result.disconnects >= 1, "'disconnect' was emitted");
    assert.equal(result.reconnects, 0, 'nothing resumed');
    assert.deepEqual(result.reconnectFailed.map((f) => f.code), ['SOCKWAY_ERR_RESUME_FAILED'], "'reconnect-failed' was emitted once");
    assert.ok(result.fresh !== null);
    assert.equal(result.fresh.text, 'after the restart\n', JSON.stringify(result.fresh));
    assertQuiet(result.fresh.events, 'the new socket');
    assert.equal(result.connected, true, 'the tunnel runs a fresh session');
    assert.equal(stand.gateway.sessions, 1);
    assert.equal(stand.gateway.stats().resumes, 0);
  });
});
