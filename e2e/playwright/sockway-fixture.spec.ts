/**
 * sockway/playwright/test's own tests, in Chromium through @playwright/test: the e2e page's
 * sockway net reaches names mapped to local servers and to handlers, and sees each fault
 * the test sets as Node would report the real event; the link's latency and bandwidth
 * caps hold; drops resume (or, lossy, fail the page's sockets); waits settle on events;
 * and the end-of-test checks fail a test that leaves a stream open or whose handler throws.
 */
import net from 'node:net';
import type { Page } from '@playwright/test';
import { expect, test as base } from './fixtures.ts';

/** What the page reports of a socket: its events in order, with an error's Node fields. */
interface Outcome {
  events: string[];
  received: string;
  error?: { code?: string | undefined; syscall?: string | undefined; address?: string | undefined; port?: number | undefined; message: string };
}

interface PageNet {
  connect(port: number, host: string): PageSocket;
}
interface PageSocket {
  on(event: string, listener: (value?: unknown) => void): void;
  write(data: string): void;
  end(): void;
  destroy(): void;
}
interface PageGlobals {
  sockwayE2E: { net: PageNet };
  sockets: Record<string, PageSocket>;
  outcomes: Record<string, Outcome>;
}

/** Opens a socket in the page under `name`, recording its events; writes `write` once connected. */
async function open(page: Page, name: string, port: number, host: string, write = ''): Promise<void> {
  await page.evaluate(({ name, port, host, write }) => {
    const state = globalThis as unknown as PageGlobals;
    state.sockets ??= {};
    state.outcomes ??= {};
    const outcome: Outcome = { events: [], received: '' };
    state.outcomes[name] = outcome;
    const socket = state.sockwayE2E.net.connect(port, host);
    state.sockets[name] = socket;
    socket.on('connect', () => {
      outcome.events.push('connect');
      if (write !== '') socket.write(write);
    });
    socket.on('data', (data) => {
      outcome.received += String(data);
    });
    socket.on('end', () => outcome.events.push('end'));
    socket.on('error', (error) => {
      const fields = error as Error & { code?: string; syscall?: string; address?: string; port?: number };
      outcome.events.push('error');
      outcome.error = { code: fields.code, syscall: fields.syscall, address: fields.address, port: fields.port, message: fields.message };
    });
    socket.on('close', () => outcome.events.push('close'));
  }, { name, port, host, write });
}

const outcome = (page: Page, name: string): Promise<Outcome> =>
  page.evaluate((name) => (globalThis as unknown as PageGlobals).outcomes[name] as Outcome, name);

/** Waits until the page's socket `name` has seen `event`. */
const seen = (page: Page, name: string, event: string): Promise<unknown> =>
  page.waitForFunction(({ name, event }) => (globalThis as unknown as PageGlobals).outcomes?.[name]?.events.includes(event), { name, event });

const received = (page: Page, name: string, text: string): Promise<unknown> =>
  page.waitForFunction(({ name, text }) => (globalThis as unknown as PageGlobals).outcomes?.[name]?.received === text, { name, text });

const pageCall = (page: Page, name: string, method: 'end' | 'destroy' | 'write', data = ''): Promise<void> =>
  page.evaluate(({ name, method, data }) => {
    const socket = (globalThis as unknown as PageGlobals).sockets[name] as PageSocket;
    if (method === 'write') socket.write(data);
    else socket[method]();
  }, { name, method, data });

/** An echo server on loopback, for the names mapped to a real server. */
const test = base.extend<object, { echoPort: number }>({
  echoPort: [
    async ({}, use) => {
      const echo = net.createServer((socket) => socket.pipe(socket));
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      await use((echo.address() as net.AddressInfo).port);
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    },
    { scope: 'worker' },
  ],
});

test.describe('destinations', () => {
  test.use({
    sockwayOptions: {
      hosts: {
        'redis.internal:6379': (socket) => {
          socket.on('data', (data) => socket.write(String(data) === 'PING\r\n' ? '+PONG\r\n' : '-ERR\r\n'));
          socket.on('end', () => socket.end());
        },
      },
    },
  });

  test('a name mapped at run time reaches a local server; streams() tells what happened', async ({ page, sockway, echoPort }) => {
    await sockway.map({ 'db.internal:5432': `localhost:${echoPort}` });
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'hello');
    await received(page, 'db', 'hello');
    // The mapping is transparent: the page's socket is connected to the port it dialed.
    const remote = await page.evaluate(() => {
      const socket = (globalThis as unknown as PageGlobals).sockets['db'] as PageSocket & { remoteAddress?: string; remotePort?: number };
      return `${String(socket.remoteAddress)}:${String(socket.remotePort)}`;
    });
    expect(remote).toBe('127.0.0.1:5432');
    await pageCall(page, 'db', 'end');
    const stream = await sockway.waitForStream('db.internal:5432', { state: 'ended' });
    expect(stream).toEqual({ destination: 'db.internal:5432', bytesSent: 5, bytesReceived: 5, state: 'closed' });
  });

  test('a handler serves a name: the page talks to the test\'s code', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'redis', 6379, 'redis.internal', 'PING\r\n');
    await received(page, 'redis', '+PONG\r\n');
    await pageCall(page, 'redis', 'end');
    await seen(page, 'redis', 'close');
    expect(await outcome(page, 'redis')).toEqual({ events: ['connect', 'end', 'close'], received: '+PONG\r\n' });
    expect(sockway.streams()).toEqual([{ destination: 'redis.internal:6379', bytesSent: 6, bytesReceived: 7, state: 'closed' }]);
  });

  test('an unmapped name is refused by the policy, as the gateway refuses it', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'other', 25, 'mail.internal');
    await seen(page, 'other', 'close');
    expect((await outcome(page, 'other')).error?.code).toBe('SOCKWAY_ERR_DENIED');
    expect(sockway.streams()).toEqual([{ destination: 'mail.internal:25', bytesSent: 0, bytesReceived: 0, state: 'denied' }]);
  });
});

test.describe('faults', () => {
  // An option may be a fixture: here it needs the echo server's port.
  test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` }, gateway: { connectTimeout: 300 } }) });

  test('refuse: connect ECONNREFUSED with the address and port the page dialed', async ({ page, sockway }) => {
    sockway.fault('db.internal:5432', 'refuse');
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal');
    await seen(page, 'db', 'close');
    expect(await outcome(page, 'db')).toEqual({
      events: ['error', 'close'],
      received: '',
      error: { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 5432, message: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
    expect(sockway.streams()).toEqual([{ destination: 'db.internal:5432', bytesSent: 0, bytesReceived: 0, state: 'ECONNREFUSED' }]);
    // Cleared: the next connection gets through.
    sockway.fault('db.internal:5432', null);
    await open(page, 'again', 5432, 'db.internal', 'up');
    await received(page, 'again', 'up');
    await pageCall(page, 'again', 'end');
    await seen(page, 'again', 'close');
  });

  test('reset: an open stream fails with ECONNRESET (read)', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'one');
    await received(page, 'db', 'one');
    sockway.fault('db.internal:5432', 'reset');
    await seen(page, 'db', 'close');
    const { events, error } = await outcome(page, 'db');
    expect(events).toEqual(['connect', 'error', 'close']);
    expect(error).toEqual({ code: 'ECONNRESET', syscall: 'read', message: 'read ECONNRESET' });
  });

  test('blackhole: connecting never ends, until the gateway\'s connect timeout (here 300 ms)', async ({ page, sockway }) => {
    sockway.fault('db.internal:5432', 'blackhole');
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal');
    await sockway.waitForStream('db.internal:5432');
    expect((await outcome(page, 'db')).events).toEqual([]);
    await seen(page, 'db', 'close');
    expect(await outcome(page, 'db')).toEqual({
      events: ['error', 'close'],
      received: '',
      error: { code: 'ETIMEDOUT', syscall: 'connect', address: '127.0.0.1', port: 5432, message: 'connect ETIMEDOUT 127.0.0.1:5432' },
    });
  });

  test('stall: the page receives nothing until the fault is cleared, then all of it', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'one');
    await received(page, 'db', 'one');
    sockway.fault('db.internal:5432', 'stall');
    await pageCall(page, 'db', 'write', 'two');
    // The echo server got 'two' and sent it back; the gateway holds it unread.
    await sockway.waitFor(() => sockway.streams()[0]?.bytesSent === 6, { description: '6 bytes sent' });
    await open(page, 'probe', 5432, 'db.internal');
    await seen(page, 'probe', 'connect');
    expect((await outcome(page, 'db')).received).toBe('one');
    expect(sockway.streams()[0]?.bytesReceived).toBe(3);
    sockway.fault('db.internal:5432', null);
    await received(page, 'db', 'onetwo');
    await pageCall(page, 'db', 'end');
    await pageCall(page, 'probe', 'end');
    await seen(page, 'db', 'close');
    await seen(page, 'probe', 'close');
  });
});

test.describe('the link', () => {
  test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` } }) });

  test('throttle(): latency each way and a download cap hold (lower bounds: a message never arrives early)', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'warm');
    await received(page, 'db', 'warm');
    sockway.throttle({ latency: 150 });
    const roundTrip = await page.evaluate(() => new Promise<number>((resolve) => {
      const state = globalThis as unknown as PageGlobals & { outcomes: Record<string, Outcome> };
      const started = performance.now();
      const socket = state.sockets['db'] as PageSocket;
      socket.on('data', () => {
        if ((state.outcomes['db'] as Outcome).received === 'warmping') resolve(performance.now() - started);
      });
      socket.write('ping');
    }));
    // One way up and one way down, 150 ms each.
    expect(roundTrip).toBeGreaterThanOrEqual(299);
    sockway.throttle({ download: 256 * 1024 });
    const bytes = 128 * 1024;
    const elapsed = await page.evaluate((bytes) => new Promise<number>((resolve) => {
      const state = globalThis as unknown as PageGlobals & { outcomes: Record<string, Outcome> };
      const outcome = state.outcomes['db'] as Outcome;
      const before = outcome.received.length;
      const started = performance.now();
      (state.sockets['db'] as PageSocket).on('data', () => {
        if (outcome.received.length === before + bytes) resolve(performance.now() - started);
      });
      (state.sockets['db'] as PageSocket).write('x'.repeat(bytes));
    }), bytes);
    // 128 KiB at 256 KiB/s: half a second at least.
    expect(elapsed).toBeGreaterThanOrEqual(495);
    sockway.throttle(null);
    await pageCall(page, 'db', 'end');
    await seen(page, 'db', 'close');
  });

  test('dropConnection(): the page resumes, its stream goes on', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'one');
    await received(page, 'db', 'one');
    const resumed = sockway.waitForEvent('session-resumed');
    await sockway.dropConnection();
    await resumed;
    await pageCall(page, 'db', 'write', 'two');
    await received(page, 'db', 'onetwo');
    expect((await outcome(page, 'db')).events).toEqual(['connect']);
    await pageCall(page, 'db', 'end');
    await seen(page, 'db', 'close');
  });

  test('dropConnection({ resume: false }): the session is lost, its socket fails, a new one works', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'one');
    await received(page, 'db', 'one');
    await sockway.dropConnection({ resume: false });
    await seen(page, 'db', 'close');
    const lost = await outcome(page, 'db');
    expect([lost.events, lost.error?.code]).toEqual([['connect', 'error', 'close'], 'SOCKWAY_ERR_RESUME_FAILED']);
    await open(page, 'next', 5432, 'db.internal', 'again');
    await received(page, 'next', 'again');
    await pageCall(page, 'next', 'end');
    await seen(page, 'next', 'close');
  });
});

/** Runs one of the e2e page's scenarios in its Web Worker (its own sockway net, its own WebSocket). */
const inWorker = (page: Page, scenario: string, target: { host: string; port: number }): Promise<Record<string, unknown>> =>
  page.evaluate(({ scenario, target }) => {
    const e2e = (globalThis as unknown as { sockwayE2E: { runInWorker(name: string, args: unknown): Promise<unknown> } }).sockwayE2E;
    return e2e.runInWorker(scenario, target).then(
      (value) => value as Record<string, unknown>,
      (error: { detail?: Record<string, unknown> }) => ({ failed: error.detail ?? {} }),
    );
  }, { scenario, target });

test.describe('a Web Worker\'s sockets', () => {
  test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` } }) });

  test('are routed too, though Playwright\'s routeWebSocket() does not see a worker\'s WebSocket', async ({ page, sockway }) => {
    await page.goto('/');
    const echoed = await inWorker(page, 'echo', { host: 'db.internal', port: 5432 });
    expect([echoed['text'], echoed['sent'], echoed['remotePort']]).toEqual(['hello from the browser ✓\n', 'hello from the browser ✓\n', 5432]);
    expect(sockway.streams()).toEqual([{ destination: 'db.internal:5432', bytesSent: 27, bytesReceived: 27, state: 'closed' }]);
    sockway.fault('db.internal:5432', 'refuse');
    const refused = await inWorker(page, 'echo', { host: 'db.internal', port: 5432 });
    expect(refused['failed']).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:5432' });
  });

  test.describe('with workers: false', () => {
    test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` }, workers: false }) });

    test('a worker\'s WebSocket goes past the test to the page\'s server (here none)', async ({ page, sockway }) => {
      await page.goto('/');
      const failed = await inWorker(page, 'echo', { host: 'db.internal', port: 5432 });
      expect(failed['failed']).toMatchObject({ code: 'SOCKWAY_ERR_GATEWAY_UNREACHABLE' });
      expect(sockway.streams()).toEqual([]);
    });
  });
});

test.describe('offline', () => {
  test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` } }) });

  test('setOffline(): while offline the page\'s attempts fail; back online, its session resumes and its stream goes on', async ({ page, sockway }) => {
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'one');
    await received(page, 'db', 'one');
    await sockway.setOffline(true);
    await sockway.waitFor(() => (sockway.trace().match(/offline: the WebSocket fails/g)?.length ?? 0) >= 2, { description: 'two failed attempts' });
    await pageCall(page, 'db', 'write', 'two');
    expect(await outcome(page, 'db')).toEqual({ events: ['connect'], received: 'one' });
    const resumed = sockway.waitForEvent('session-resumed');
    await sockway.setOffline(false);
    await resumed;
    await received(page, 'db', 'onetwo');
    await pageCall(page, 'db', 'end');
    await seen(page, 'db', 'close');
    expect((await outcome(page, 'db')).events).toEqual(['connect', 'end', 'close']);
  });
});

test.describe('sockway\'s end-of-test checks', () => {
  test.use({
    sockwayOptions: async ({ echoPort }, use) => use({
      hosts: {
        'db.internal:5432': `localhost:${echoPort}`,
        'broken.internal:1': () => {
          throw new Error('the handler broke');
        },
      },
    }),
  });

  test('a stream left open fails the test (sockway\'s end-of-test check)', async ({ page }) => {
    test.fail(true, 'expected: the end-of-test leak check fails it');
    await page.goto('/');
    await open(page, 'db', 5432, 'db.internal', 'kept');
    await received(page, 'db', 'kept');
  });

  test('a handler that throws fails the test (sockway\'s end-of-test check)', async ({ page }) => {
    test.fail(true, 'expected: the handler\'s exception fails it');
    await page.goto('/');
    await open(page, 'broken', 1, 'broken.internal');
    await seen(page, 'broken', 'close');
  });

  test.describe('listeners', () => {
    test.use({ sockwayOptions: { gateway: { allowListen: ['127.0.0.1:*'] } } });

    test('a listener left listening fails the test (sockway\'s end-of-test check)', async ({ page, sockway }) => {
      test.fail(true, 'expected: the end-of-test leak check fails it');
      await page.goto('/');
      const port = await page.evaluate(() => new Promise<number>((resolve, reject) => {
        const server = (globalThis as unknown as { sockwayE2E: { net: { createServer(): { listen(port: number, host: string, callback: () => void): void; address(): { port: number }; once(event: string, listener: (error: Error) => void): void } } } }).sockwayE2E.net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server.address().port));
      }));
      expect(port).toBeGreaterThan(0);
      expect(sockway.leaks()).toEqual(['1 net.Server listener(s) still listening']);
    });
  });

  test.describe('allowOpen', () => {
    test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` }, allowOpen: ['db.internal:5432'] }) });

    test('a stream listed in allowOpen may stay open', async ({ page }) => {
      await page.goto('/');
      await open(page, 'db', 5432, 'db.internal', 'kept');
      await received(page, 'db', 'kept');
    });
  });
});

test.describe('the upgrade the gateway sees', () => {
  test.describe('from the page\'s origin', () => {
    test.use({ sockwayOptions: async ({ echoPort, baseURL }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` }, gateway: { allowOrigins: [new URL(baseURL as string).origin] } }) });

    test('a gateway that allows the page\'s origin serves it', async ({ page }) => {
      await page.goto('/');
      await open(page, 'db', 5432, 'db.internal', 'hi');
      await received(page, 'db', 'hi');
      await pageCall(page, 'db', 'end');
      await seen(page, 'db', 'close');
    });
  });

  test.describe('from elsewhere', () => {
    test.use({ sockwayOptions: async ({ echoPort }, use) => use({ hosts: { 'db.internal:5432': `localhost:${echoPort}` }, gateway: { allowOrigins: ['https://app.example'] } }) });

    test('a gateway that allows only another origin refuses the page\'s session', async ({ page, sockway }) => {
      const refused = sockway.waitForEvent('session-refused');
      await page.goto('/');
      await open(page, 'db', 5432, 'db.internal');
      expect(await refused).toMatchObject({ code: 'ORIGIN', origin: new URL(page.url()).origin });
      await seen(page, 'db', 'close');
      const { events, error } = await outcome(page, 'db');
      expect([events, error?.code, error?.message]).toEqual([['error', 'close'], 'SOCKWAY_ERR_GATEWAY_UNREACHABLE', 'could not connect to the gateway (code 1008: Forbidden)']);
    });
  });
});
