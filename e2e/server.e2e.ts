/**
 * net.Server in Chromium: the e2e page (built with the Vite plugin) listens through a
 * real gateway, and real node:net clients connect to the port the gateway bound.
 * Echo, 16 MiB each way, 50 concurrent clients, half-close both ways, pauseOnConnect,
 * maxConnections and 'drop', close() and getConnections(), EADDRINUSE worded as Node
 * does, a denied listen, and the port freed when the page goes away.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import nodeNet from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './fixtures/chromium.ts';
import { type PageServer, buildE2ePage, removeBuild, startPageServer } from './fixtures/e2e-page.ts';

const HOST = '127.0.0.1';

let browser: Browser;
let pageDir: string;
let server: PageServer;

before(async () => {
  [pageDir, browser] = await Promise.all([buildE2ePage(), launchChromium()]);
  // Pages may listen on loopback only, and connect nowhere.
  server = await startPageServer(pageDir, { allow: [], allowListen: [`${HOST}:*`] });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (pageDir) removeBuild(pageDir);
});

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Polls `condition` (gateway state settles asynchronously). */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = nodeNet.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

function connect(port: number, options: Partial<nodeNet.TcpNetConnectOpts> = {}): nodeNet.Socket {
  const socket = nodeNet.connect({ port, host: HOST, ...options });
  socket.on('error', () => {});
  return socket;
}

/** Sends `payload` and reads until the peer ends; resolves with what came back. */
async function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  const socket = connect(port);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'connect');
  for (let offset = 0; offset < payload.length; offset += 256 * 1024) {
    if (!socket.write(payload.subarray(offset, offset + 256 * 1024))) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

// Page-side code below runs in Chromium through page.evaluate(): `net` is what the
// page's `import net from 'net'` gives (sockway's, via the Vite plugin). Plain arrow
// functions only: they are sent as source text.
type PageGlobals = {
  sockwayE2E: { net: import('../client/net.ts').NetModule };
  servers: Record<string, { server: import('../client/server.ts').Server; events: string[]; sockets: import('../client/socket.ts').Socket[]; texts: string[] }>;
};

describe('net.Server in a Chromium page', () => {
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  });

  after(async () => {
    await context?.close();
  });

  /** Starts a page server named `name`; `kind` picks its connection handler. Resolves with address() or the error. */
  const listen = (name: string, kind: 'echo' | 'replyAfterEnd' | 'endsFirst' | 'paused' | 'hold', options: Record<string, unknown> = {}, port = 0, host = HOST) =>
    page.evaluate(async ({ name, kind, options, port, host }) => {
      const g = globalThis as unknown as PageGlobals;
      g.servers ??= {};
      const entry = { server: null as unknown as PageGlobals['servers'][string]['server'], events: [] as string[], sockets: [] as PageGlobals['servers'][string]['sockets'], texts: [] as string[] };
      const server = g.sockwayE2E.net.createServer(options, (socket) => {
        entry.sockets.push(socket);
        entry.events.push(`connection:${socket.readyState}:${socket.remoteAddress}:${socket.remotePort}:${socket.localPort}:${socket.bytesRead}:${socket.isPaused()}`);
        let text = '';
        socket.on('data', (chunk: { toString(): string }) => { text += chunk.toString(); });
        socket.on('end', () => { entry.texts.push(text); entry.events.push(`end:${text.length}`); });
        socket.on('close', (hadError: boolean) => entry.events.push(`socket-close:${hadError}`));
        if (kind === 'echo') socket.pipe(socket);
        if (kind === 'replyAfterEnd') socket.on('end', () => socket.end(`got ${text}`));
        if (kind === 'endsFirst') socket.end('hello, then FIN');
      });
      entry.server = server;
      server.on('drop', (data: Record<string, unknown>) => entry.events.push(`drop:${Object.getPrototypeOf(data) === null}:${Object.keys(data).join(',')}:${String(data['remoteAddress'])}`));
      server.on('close', () => entry.events.push('close'));
      g.servers[name] = entry;
      return new Promise<unknown>((resolve) => {
        server.once('error', (error: Error & Record<string, unknown>) => resolve({
          error: { message: error.message, code: error['code'], errno: error['errno'], syscall: error['syscall'], address: error['address'], port: error['port'], keys: Object.keys(error) },
        }));
        server.listen(port, host, () => resolve({ address: server.address(), listening: server.listening }));
      });
    }, { name, kind, options, port, host }) as Promise<{ address?: nodeNet.AddressInfo; listening?: boolean; error?: Record<string, unknown> }>;

  const events = (name: string): Promise<string[]> =>
    page.evaluate((name) => (globalThis as unknown as PageGlobals).servers[name]?.events ?? [], name);

  test('echo through a page server: the accepted socket knows the real TCP peer', async () => {
    const { address } = await listen('echo', 'echo');
    assert.ok(address && address.port > 0);
    assert.equal(address.address, HOST);
    const socket = connect(address.port);
    await once(socket, 'connect');
    const peerPort = socket.localPort;
    socket.end('hello from node');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'close');
    assert.equal(Buffer.concat(chunks).toString(), 'hello from node');
    const [connection] = await events('echo');
    assert.equal(connection, `connection:open:${HOST}:${peerPort}:${address.port}:0:false`);
  });

  test('16 MiB each way through the page, checksummed', async () => {
    const { address } = (await page.evaluate(() => ({ address: (globalThis as unknown as PageGlobals).servers['echo']?.server.address() }))) as { address: nodeNet.AddressInfo };
    const payload = randomBytes(16 * 1024 * 1024);
    const back = await roundTrip(address.port, payload);
    assert.equal(back.length, payload.length);
    assert.equal(sha256(back), sha256(payload));
  });

  test('50 concurrent node:net clients, each echoed its own bytes, over the page\'s one WebSocket', async () => {
    const { address } = (await page.evaluate(() => ({ address: (globalThis as unknown as PageGlobals).servers['echo']?.server.address() }))) as { address: nodeNet.AddressInfo };
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const payload = randomBytes(32 * 1024 + i);
      return sha256(await roundTrip(address.port, payload)) === sha256(payload);
    }));
    assert.deepEqual(results.filter(Boolean).length, 50);
    assert.equal(server.gateway.sessions, 1, 'one WebSocket carries the listener and every connection');
  });

  test('half-close, client first: the page replies after the client\'s FIN', async () => {
    const { address } = await listen('replyAfterEnd', 'replyAfterEnd', { allowHalfOpen: true });
    const socket = connect((address as nodeNet.AddressInfo).port, { allowHalfOpen: true });
    const seen: string[] = [];
    socket.on('data', (chunk: Buffer) => seen.push(`data:${chunk.toString()}`));
    socket.on('end', () => seen.push('end'));
    socket.end('ping');
    await once(socket, 'close');
    assert.deepEqual(seen, ['data:got ping', 'end']);
  });

  test('half-close, server first: the page ends, then still reads the client', async () => {
    const { address } = await listen('endsFirst', 'endsFirst', { allowHalfOpen: true });
    const socket = connect((address as nodeNet.AddressInfo).port, { allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'hello, then FIN');
    socket.end('late reply');
    await once(socket, 'close');
    await waitFor(async () => (await events('endsFirst')).includes('end:10'), 'the page to read the reply');
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as PageGlobals).servers['endsFirst']?.texts), ['late reply']);
  });

  test('pauseOnConnect: nothing reaches the page (no credit) until resume()', async () => {
    const { address } = await listen('paused', 'paused', { pauseOnConnect: true });
    const port = (address as nodeNet.AddressInfo).port;
    const socket = connect(port);
    await once(socket, 'connect');
    socket.write('held');
    await waitFor(() => server.gateway.stats().streams.some((s) => s.id % 2 === 0 && s.port === socket.localPort && s.queuedBytes === 4), 'the gateway to hold the bytes');
    const before = await page.evaluate(() => {
      const s = (globalThis as unknown as PageGlobals).servers['paused']?.sockets[0];
      return { bytesRead: s?.bytesRead, paused: s?.isPaused(), flowing: s?.readableFlowing };
    });
    assert.deepEqual(before, { bytesRead: 0, paused: true, flowing: false });
    const text = await page.evaluate(() => new Promise<string>((resolve) => {
      const s = (globalThis as unknown as PageGlobals).servers['paused']?.sockets[0];
      s?.once('data', (chunk: { toString(): string }) => resolve(chunk.toString()));
      s?.resume();
    }));
    assert.equal(text, 'held');
    socket.destroy();
  });

  test('maxConnections: the next client is dropped (\'drop\'), seeing end then close', async () => {
    const { address } = await listen('limited', 'hold');
    const port = (address as nodeNet.AddressInfo).port;
    await page.evaluate(() => { (globalThis as unknown as PageGlobals).servers['limited']!.server.maxConnections = 1; });
    const first = connect(port);
    await waitFor(async () => (await events('limited')).length === 1, 'the first connection');
    const second = connect(port);
    const seen: string[] = [];
    second.on('end', () => seen.push('end'));
    second.on('close', (hadError) => seen.push(`close:${hadError}`));
    await once(second, 'close');
    assert.deepEqual(seen, ['end', 'close:false']);
    const log = await events('limited');
    assert.equal(log[1], `drop:true:localAddress,localPort,localFamily,remoteAddress,remotePort,remoteFamily:${HOST}`);
    assert.equal(await page.evaluate(() => new Promise((resolve) => (globalThis as unknown as PageGlobals).servers['limited']!.server.getConnections((_e, n) => resolve(n)))), 1);
    first.destroy();
  });

  test('close(): listening ends at once, \'close\' after the last connection, then ERR_SERVER_NOT_RUNNING', async () => {
    const { address } = await listen('closing', 'hold');
    const port = (address as nodeNet.AddressInfo).port;
    const peer = connect(port);
    await waitFor(async () => (await events('closing')).length === 1, 'the connection');
    const state = await page.evaluate(() => {
      const entry = (globalThis as unknown as PageGlobals).servers['closing']!;
      (entry as unknown as { closed: Promise<string> }).closed = new Promise((resolve) => entry.server.close((error) => resolve(String(error))));
      return new Promise((resolve) => entry.server.getConnections((_e, n) => resolve({ listening: entry.server.listening, address: entry.server.address(), connections: n })));
    });
    assert.deepEqual(state, { listening: false, address: null, connections: 1 });
    await waitFor(async () => (await new Promise<string>((resolve) => {
      const probe = connect(port);
      probe.once('connect', () => { probe.destroy(); resolve('connected'); });
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
    })) === 'ECONNREFUSED', 'the gateway to close the port');
    assert.equal((await events('closing')).includes('close'), false, "'close' waits for the open connection");
    peer.end();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { servers: Record<string, { closed: Promise<string> }> }).servers['closing']!.closed), 'undefined');
    const again = await page.evaluate(() => new Promise((resolve) => (globalThis as unknown as PageGlobals).servers['closing']!.server.close((error) => resolve((error as { code?: string } | undefined)?.code))));
    assert.equal(again, 'ERR_SERVER_NOT_RUNNING');
  });

  test('EADDRINUSE against a port Node holds: the page gets Node\'s error, word for word', async () => {
    const holder = nodeNet.createServer();
    await new Promise<void>((resolve) => holder.listen(0, HOST, resolve));
    const port = (holder.address() as nodeNet.AddressInfo).port;
    try {
      const expected = await new Promise<NodeJS.ErrnoException & Record<string, unknown>>((resolve) => {
        const other = nodeNet.createServer();
        other.once('error', resolve);
        other.listen(port, HOST);
      });
      const { error } = await listen('inUse', 'hold', {}, port);
      assert.equal(error?.['message'], `listen EADDRINUSE: address already in use ${HOST}:${port}`);
      assert.deepEqual(error, {
        message: expected.message, code: expected.code, errno: expected.errno, syscall: expected.syscall,
        address: expected['address'], port: expected['port'], keys: Object.keys(expected),
      });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('a listen the gateway\'s policy does not allow: SOCKWAY_ERR_DENIED', async () => {
    const { error } = await listen('denied', 'hold', {}, 0, '0.0.0.0');
    assert.equal(error?.['code'], 'SOCKWAY_ERR_DENIED');
    assert.equal(error?.['syscall'], 'listen');
    assert.equal(error?.['message'], 'listen SOCKWAY_ERR_DENIED 0.0.0.0:0 (not allowed by the gateway policy)');
  });

  test('closing the page frees its ports within a second and drops its connections', async () => {
    const { address } = await listen('last', 'hold');
    const port = (address as nodeNet.AddressInfo).port;
    const peer = connect(port);
    await waitFor(async () => (await events('last')).length === 1, 'the connection');
    const peerClosed = once(peer, 'close');
    assert.equal(await canBind(port), false);
    await context.close();
    // The page and its WebSocket are gone now: the gateway has a second to release the port.
    const started = Date.now();
    await waitFor(() => canBind(port), `port ${port} to be released`, 1000);
    assert.ok(Date.now() - started < 1000);
    await peerClosed;
    await waitFor(() => server.gateway.sessions === 0, 'the session to end');
  });
});
