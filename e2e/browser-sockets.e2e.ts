/**
 * net.Socket in Chromium, from the page and from a Web Worker: the e2e page (built
 * with the Vite plugin) against real TCP servers through a real gateway. Where Node
 * has an answer, the same scenario runs against node:net here and the browser must
 * match it (scenarios in e2e/page/scenarios.ts).
 */
import assert from 'node:assert/strict';
import nodeNet from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { NetModule } from '../client/net.ts';
import { until } from '../gateway/testing/harness.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type PageServer, buildE2ePage, removeBuild, startPageServer } from './fixtures/e2e-page.ts';
import { type TestServer, closedPort, startEchoServer, startServer } from './fixtures/tcp-servers.ts';
import { runScenario } from './page/scenarios.ts';

const HOST = '127.0.0.1';

let browser: Browser;
let pageDir: string;
let server: PageServer;
let echo: TestServer;
/** Answers once the client has ended: half-close, client first. */
let answerAfterEnd: TestServer;
/** Ends first, then reads what the client still sends. */
let endsFirst: TestServer;
/** Listening, but not allowed by the gateway policy. */
let forbidden: TestServer;
let refusedPort: number;

before(async () => {
  [pageDir, echo, forbidden, refusedPort, browser] = await Promise.all([
    buildE2ePage(),
    startEchoServer(),
    startServer(),
    closedPort(),
    launchChromium(),
  ]);
  answerAfterEnd = await startServer((socket) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => socket.end(`pong after "${text}".`));
  });
  endsFirst = await startServer((socket) => socket.end('hello, then FIN'));
  const allow = [echo, answerAfterEnd, endsFirst].map((s) => `${HOST}:${s.port}`).concat(`${HOST}:${refusedPort}`);
  // 100 sockets connect at once below; the gateway's default admits 64 opens in flight per session.
  server = await startPageServer(pageDir, { allow, maxPendingOpens: 128 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await Promise.all([echo, answerAfterEnd, endsFirst, forbidden].map((s) => s?.close()));
  if (pageDir) removeBuild(pageDir);
});

/** The same scenario against Node's own net, for the differential assertions. */
function inNode<T>(name: string, args: unknown): Promise<T> {
  return runScenario(nodeNet as unknown as NetModule, name, args) as Promise<T>;
}

for (const where of ['page', 'worker'] as const) {
  describe(`net.Socket in a Chromium ${where}`, () => {
    let context: BrowserContext;
    let page: Page;

    before(async () => {
      // One WebSocket per realm: wait for the previous realm's session to go.
      await until(() => server.gateway.sessions === 0, 'no gateway sessions');
      context = await browser.newContext();
      page = await context.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    });

    after(async () => {
      await context?.close();
    });

    const run = <T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}): Promise<T> =>
      page.evaluate(
        ([w, n, a]) => {
          const e2e = (globalThis as unknown as { sockwayE2E: { run(n: string, a: unknown): Promise<unknown>; runInWorker(n: string, a: unknown): Promise<unknown> } }).sockwayE2E;
          return w === 'page' ? e2e.run(n, a) : e2e.runInWorker(n, a);
        },
        [where, name, args] as const,
      ) as Promise<T>;

    test('echo round trip: Buffer chunks, readyState, counters, and no Node globals', async () => {
      const target = { host: HOST, port: echo.port };
      const result = await run('echo', target);
      const node = await inNode<Record<string, unknown>>('echo', target);
      assert.equal(result['text'], result['sent']);
      assert.equal(result['buffers'], true, "'data' chunks are Buffers");
      for (const key of ['text', 'states', 'pendingBefore', 'hadError', 'bytesRead', 'bytesWritten', 'remoteAddress', 'remoteFamily', 'buffers']) {
        assert.deepEqual(result[key], node[key], `${key} as in Node`);
      }
      assert.deepEqual(result['states'], ['opening', 'open', 'readOnly', 'closed']);
      assert.equal(result['remotePort'], echo.port);
      assert.deepEqual(result['nodeGlobals'], { Buffer: 'undefined', process: 'undefined', global: 'undefined', require: 'undefined' }, 'nothing of Node leaks into the realm');
    });

    test('16 MiB each way, checksummed; write() returns false and drain fires', async () => {
      const result = await run('bulk', { host: HOST, port: echo.port, mib: 16 });
      assert.equal(result['got'], 16 * 1024 * 1024);
      assert.equal(result['receivedHash'], result['sentHash'], 'SHA-256 of what came back equals what was sent');
      assert.equal(result['allBuffers'], true);
      assert.ok((result['falseWrites'] as number) > 0, 'write() returned false');
      assert.equal(result['drains'], result['falseWrites'], "one 'drain' per false write()");
      assert.equal(result['bytesRead'], 16 * 1024 * 1024);
      assert.equal(result['bytesWritten'], 16 * 1024 * 1024);
    });

    test('100 concurrent sockets over exactly one WebSocket', async (t) => {
      // The previous test's stream may still be closing at the gateway (slow under load):
      // give it time, then count only what this test adds.
      for (let i = 0; i < 1000 && server.gateway.stats().streams.length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = server.gateway.stats().streams.length;
      if (before > 0) t.diagnostic(`stream(s) still closing from the previous test: ${JSON.stringify(server.gateway.stats().streams)}`);
      const result = await run('openMany', { host: HOST, port: echo.port, count: 100 });
      assert.deepEqual(result, { opened: 100, correct: 100, localPorts: 100 });
      const stats = server.gateway.stats();
      assert.equal(server.gateway.sessions, 1, 'one WebSocket session at the gateway');
      assert.equal(stats.streams.length - before, 100, 'carrying 100 streams');
      assert.equal(new Set(stats.streams.map((s) => s.session)).size, 1);
      assert.deepEqual(await run('closeAll'), { closed: 100 });
      // Only this test's 100 streams: a straggler from the bulk test is reported above, not judged here.
      await until(() => server.gateway.stats().streams.length <= before, 'the streams to close at the gateway');
      assert.equal(server.gateway.sessions, 1, 'the session outlives its sockets');
    });

    test('a throwing \'data\' listener is the app\'s uncaught error: the session and the other socket carry on', async () => {
      const result = await run('throwingListener', { host: HOST, port: echo.port });
      assert.deepEqual(result['uncaught'], ['app bug in data']);
      assert.equal(result['echoed'], 'still here');
      assert.equal(result['otherDestroyed'], false);
      assert.equal(result['buggyDestroyed'], false, 'as in Node, the throwing listener\'s socket itself stays open');
      assert.equal(server.gateway.sessions, 1);
    });

    test('ECONNREFUSED carries the code, syscall, errno and message Node gives', async () => {
      const target = { host: HOST, port: refusedPort };
      const result = await run<{ error: Record<string, unknown>; events: string[]; hadError: boolean }>('connectError', target);
      const node = await inNode<typeof result>('connectError', target);
      assert.equal(result.error['message'], `connect ECONNREFUSED ${HOST}:${refusedPort}`);
      assert.deepEqual(result.error, node.error);
      assert.deepEqual(result.events, node.events);
      assert.deepEqual(result.events, ['error', 'close']);
      assert.equal(result.hadError, true);
    });

    test('a destination the gateway denies: SOCKWAY_ERR_DENIED in the connect error shape, nothing dialed', async () => {
      const result = await run<{ error: Record<string, unknown>; events: string[] }>('connectError', { host: HOST, port: forbidden.port });
      assert.deepEqual(
        { code: result.error['code'], syscall: result.error['syscall'], address: result.error['address'], port: result.error['port'], message: result.error['message'], isError: result.error['isError'] },
        {
          code: 'SOCKWAY_ERR_DENIED',
          syscall: 'connect',
          address: HOST,
          port: forbidden.port,
          message: `connect SOCKWAY_ERR_DENIED ${HOST}:${forbidden.port} (not allowed by the gateway policy)`,
          isError: true,
        },
      );
      assert.deepEqual(result.events, ['error', 'close']);
      assert.equal(forbidden.sockets.length, 0, 'the gateway never dialed it');
    });

    test('half-close, client first: end() and still read the answer', async () => {
      const target = { host: HOST, port: answerAfterEnd.port };
      const result = await run('clientEndsFirst', target);
      assert.deepEqual(result, await inNode('clientEndsFirst', target));
      assert.deepEqual(result, { text: 'pong after "ping".', stateAfterFinish: 'readOnly', events: ['finish', 'end', 'close'] });
    });

    test('half-close, server first: read to FIN, then write and end', async () => {
      const target = { host: HOST, port: endsFirst.port };
      const nodeResult = await inNode('serverEndsFirst', target);
      const accepted = endsFirst.nextSocket();
      const result = await run('serverEndsFirst', target);
      assert.deepEqual(result, nodeResult);
      assert.deepEqual(result, { text: 'hello, then FIN', stateAfterEnd: 'writeOnly', writableAfterEnd: true });
      const serverSide = await accepted;
      let received = '';
      serverSide.on('data', (chunk: Buffer) => (received += chunk.toString()));
      if (!serverSide.readableEnded) await new Promise((resolve) => serverSide.once('end', resolve));
      // Data that arrived before the listener was attached is still buffered (paused mode until 'data').
      assert.equal(received, 'reply after your FIN');
    });
  });
}
