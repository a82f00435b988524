/**
 * Session resume under drops (e2e/resume.e2e.ts) ported to sockway/playwright/test: the
 * e2e page's `bulkUnderFire` moves STREAMS × MIB MiB each way to an origin the page dials
 * as `bulk.internal:9000` (SHA-256 of both directions checked at both ends), and the drops
 * come from the test, each at a mark of bytes moved (sockway.waitFor(), not a timer), each
 * awaited to its resume. What the kit adds over resume.e2e.ts: no gateway or stand to cut
 * by hand, and the drops land where the test says, so their number is exact.
 */
import type { Page } from '@playwright/test';
import type { SockwayRoute } from '../../playwright/test.ts';
import type { StreamRun, TunnelSettings } from '../page/resume-scenarios.ts';
import { type Origin, startOrigin } from '../fixtures/resume-origin.ts';
import { expect, test as base } from './fixtures.ts';

const STREAMS = 4;
const MIB = 8;
const BULK = { host: 'bulk.internal', port: 9000 } as const;

const test = base.extend<object, { origin: Origin }>({
  origin: [
    async ({}, use) => {
      const origin = await startOrigin(MIB);
      await use(origin);
      await origin.close();
    },
    { scope: 'worker' },
  ],
  sockwayOptions: async ({ origin }, use) => use({
    // No allowOpen: the end-of-test check holds the gateway to releasing every stream. It found
    // a bridge kept for good when its END went out last, after waiting for credit (onClosed).
    hosts: { [`${BULK.host}:${BULK.port}`]: `localhost:${origin.port}` },
  }),
});

/** What bulkUnderFire reports of each stream. */
type StreamResult = Readonly<StreamRun>;

interface BulkResult {
  readonly timedOut: boolean;
  readonly elapsedMs: number;
  readonly streams: StreamResult[];
  readonly reconnects: { readonly code: number; readonly reason: string; readonly reconnectAt: number }[];
  readonly reconnectFailed: unknown[];
  readonly session: { version: number; resumes: number } | null;
  readonly liveStreams: number;
}

/** What a socket that only moved data emits (besides 'data' and 'drain'): nothing about the link ('lookup': it dials a name). */
const LIFECYCLE = ['lookup', 'connectionAttempt', 'connect', 'ready', 'resume', 'readable', 'prefinish', 'finish', 'end', 'close(false)'];

/** Runs bulkUnderFire in the page against the origin's name, on a fresh tunnel to the page's own gateway URL. */
async function bulk(page: Page, streams: number, mib: number): Promise<BulkResult> {
  await page.goto('/');
  await expect(page.locator('#status')).toHaveText('ready');
  return page.evaluate(async ({ host, port, streams, mib }) => {
    const e2e = (globalThis as unknown as { sockwayE2E: { gatewayUrl: string; runResume(name: string, args: unknown): Promise<unknown> } }).sockwayE2E;
    const tunnel: TunnelSettings = { url: e2e.gatewayUrl };
    return e2e.runResume('bulkUnderFire', { host, port, streams, mib, tunnel, timeoutMs: 60_000 }) as Promise<BulkResult>;
  }, { ...BULK, streams, mib });
}

/** Bytes moved through the route so far, both ways, every stream. */
const moved = (sockway: SockwayRoute): number => sockway.streams().reduce((sum, stream) => sum + stream.bytesSent + stream.bytesReceived, 0);

/** Drops the WebSocket each time `every` more bytes have moved, `count` times, each drop awaited to its resume. */
async function dropEvery(sockway: SockwayRoute, every: number, count: number): Promise<void> {
  for (let drop = 1; drop <= count; drop++) {
    await sockway.waitFor(() => moved(sockway) >= drop * every, { description: `${drop * every} bytes moved`, timeout: 20_000 });
    const resumed = sockway.waitForEvent('session-resumed');
    await sockway.dropConnection();
    await resumed;
  }
}

/** Every stream complete and intact both ways (SHA-256 at both ends); the sockets saw nothing of the drops; one resume per drop. */
async function checkRun(result: BulkResult, origin: Origin, streams: number, mib: number, drops: number): Promise<void> {
  const summary = JSON.stringify({ timedOut: result.timedOut, received: result.streams.map((s) => s.receivedBytes), problems: result.streams.map((s) => s.problem), failed: result.reconnectFailed });
  expect(result.timedOut, summary).toBe(false);
  expect(result.reconnectFailed).toEqual([]);
  expect(result.streams).toHaveLength(streams);
  const total = mib * 1024 * 1024;
  for (const stream of result.streams) {
    const what = `stream ${stream.index}`;
    expect(stream.problem, what).toBe('');
    // Nothing but data: no 'error', no 'timeout'; 'close' once, last, without error.
    expect(stream.events.filter((event) => !LIFECYCLE.includes(event)), what).toEqual([]);
    expect(stream.events.at(-1), what).toBe('close(false)');
    expect([stream.bytesWritten, stream.receivedBytes, stream.overflowBytes], what).toEqual([total, total, 0]);
    const atOrigin = origin.streams.get(stream.index);
    expect(atOrigin, `the origin saw ${what}`).toBeDefined();
    expect(await atOrigin?.received, `${what} upload`).toEqual({ hash: stream.sentHash, bytes: total });
    expect(stream.receivedHash, `${what} download SHA-256`).toBe(await atOrigin?.sent);
  }
  expect(result.liveStreams).toBe(0);
  // Each drop resumed, on both sides: the page's tunnel and the gateway count the same.
  expect(result.reconnects.filter((reconnect) => reconnect.reconnectAt !== 0)).toHaveLength(drops);
  expect(result.session?.resumes).toBe(drops);
}

test(`${STREAMS} streams × ${MIB} MiB each way, the WebSocket dropped every MiB moved: every stream intact, the sockets see nothing, one resume per drop`, async ({ page, sockway, origin }) => {
  origin.streams.clear();
  const total = 2 * STREAMS * MIB * 1024 * 1024;
  const every = 1024 * 1024;
  // Up to 4 MiB before the end: the last drop lands while the streams still run.
  const drops = total / every - 4;
  const running = bulk(page, STREAMS, MIB);
  await dropEvery(sockway, every, drops);
  const result = await running;
  await checkRun(result, origin, STREAMS, MIB, drops);
  expect(sockway.gateway.stats().resumes).toBe(drops);
  expect(moved(sockway)).toBe(total);
  test.info().annotations.push({ type: 'figures', description: `${drops} drops, ${(total / 1024 / 1024)} MiB in ${result.elapsedMs} ms` });
});

test(`the same with 20 ms latency each way (2 streams × ${MIB} MiB, a drop every 2 MiB)`, async ({ page, sockway, origin }) => {
  origin.streams.clear();
  sockway.throttle({ latency: 20 });
  const streams = 2;
  const total = 2 * streams * MIB * 1024 * 1024;
  const every = 2 * 1024 * 1024;
  const drops = total / every - 1;
  const running = bulk(page, streams, MIB);
  await dropEvery(sockway, every, drops);
  const result = await running;
  await checkRun(result, origin, streams, MIB, drops);
  expect(sockway.gateway.stats().resumes).toBe(drops);
  test.info().annotations.push({ type: 'figures', description: `${drops} drops, ${(total / 1024 / 1024)} MiB in ${result.elapsedMs} ms at 20 ms latency` });
});
