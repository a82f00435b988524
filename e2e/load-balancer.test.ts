/**
 * Several gateways behind a real load balancer, resume intact (issue 15, items 5 and 7):
 * three gateway CLI processes behind Debian's nginx (and HAProxy) configured exactly as the
 * docs/deployment.md says (e2e/fixtures/load-balancer/, compared with docs/deployment.md
 * below), clients being the real tunnel over `ws`.
 *
 * - Streams move data while their WebSockets are cut again and again (from the client, at
 *   fixed points of the transfer, not on a clock): every resume lands on the instance that
 *   holds the session (each session's WebSockets all show up in one instance's log), no
 *   resume is refused, SHA-256 equal.
 * - Rolling restart: one instance drains (SIGTERM) while new sessions keep coming; they go
 *   to the others, its open stream finishes, and once restarted it takes its sessions again.
 * - A resume forced onto the wrong instance gets the misrouted refusal (last: its session
 *   then waits out its grace period, which a drain would wait for).
 *
 * In-process tests of the same mechanisms: gateway/scale-out.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { type Tunnel, createTunnel } from '../client/tunnel.ts';
import type { WebSocketConstructor } from '../client/websocket-transport.ts';
import { until } from '../gateway/testing/harness.ts';
import { createInstance } from '../gateway/instance.ts';
import { ROUTE_PARAMETER } from '../shared/protocol.ts';
import { type GatewayInstance, startInstances } from './fixtures/gateway-instances.ts';
import { freePort } from './fixtures/servers/daemon.ts';
import { startHaproxy } from './fixtures/servers/haproxy.ts';
import { startNginx } from './fixtures/servers/nginx.ts';
import { balancerConfig, deployed } from './fixtures/load-balancer/deployed.ts';
import { type TestServer, startEchoServer } from './fixtures/tcp-servers.ts';

const MIB = 1024 * 1024;
const config = balancerConfig;
/** The address clients connect from: not the balancer's, so X-Forwarded-For is what tells it. */
const CLIENT_ADDRESS = '127.0.0.2';


test('the nginx and HAProxy configurations of docs/deployment.md are the ones tested here', () => {
  const docs = readFileSync(new URL('../docs/deployment.md', import.meta.url), 'utf8');
  assert.ok(docs.includes(`\`\`\`nginx\n${config('nginx.conf')}\`\`\``), 'docs/deployment.md must contain e2e/fixtures/load-balancer/nginx.conf verbatim in a ```nginx block');
  assert.ok(docs.includes(`\`\`\`haproxy\n${config('haproxy.cfg')}\`\`\``), 'docs/deployment.md must contain e2e/fixtures/load-balancer/haproxy.cfg verbatim in a ```haproxy block');
  assert.ok(docs.includes('--trust-proxy 1'), 'docs/deployment.md runs the gateways with --trust-proxy 1');
});

// ---- clients ----

interface Client {
  readonly tunnel: Tunnel;
  /** The URL of every WebSocket the tunnel opened, in order. */
  readonly urls: string[];
}

/**
 * A tunnel to `url` over `ws` from CLIENT_ADDRESS. `forceKey(index)`: the route key its
 * index-th WebSocket must carry instead of the tunnel's own (a balancer's view of another session).
 */
function client(url: string, forceKey: (index: number) => string | undefined = () => undefined): Client {
  const urls: string[] = [];
  class Recorded extends WebSocket {
    constructor(target: string, protocols?: string | string[]) {
      const forced = forceKey(urls.length);
      const actual = forced === undefined ? target : target.replace(/sockway_route=[^&#]*/, `${ROUTE_PARAMETER}=${forced}`);
      urls.push(actual);
      super(actual, protocols, { localAddress: CLIENT_ADDRESS });
    }
  }
  const tunnel = createTunnel({ url, WebSocket: Recorded as unknown as WebSocketConstructor, keepaliveInterval: 0, resumeTimeout: 30_000 });
  return { tunnel, urls };
}

function keyOf(url: string | undefined): string {
  const key = new URL(url ?? 'ws://x/').searchParams.get(ROUTE_PARAMETER);
  assert.ok(key !== null, `a route key in ${String(url)}`);
  return key;
}

/** The instances whose log shows a WebSocket with route key `key` (in run `run` of each, if given), and how many. */
function whereKey(instances: readonly GatewayInstance[], key: string, run?: number): Map<string, number> {
  const found = new Map<string, number>();
  for (const instance of instances) {
    const count = instance.logs.filter((entry) => entry['event'] === 'session-open' && entry['routeKey'] === key && (run === undefined || entry.run === run)).length;
    if (count > 0) found.set(instance.id, count);
  }
  return found;
}

/** The one instance that took the WebSocket(s) with route key `key`. */
async function instanceOf(instances: readonly GatewayInstance[], key: string): Promise<GatewayInstance> {
  await until(() => whereKey(instances, key).size > 0, `an instance to log the WebSocket of route key ${key}`);
  const ids = [...whereKey(instances, key).keys()];
  assert.equal(ids.length, 1, `route key ${key} on one instance, not ${ids.join(', ')}`);
  return instances.find((instance) => instance.id === ids[0]) as GatewayInstance;
}

/** A route key the balancer sends to `target` (found by opening bare WebSockets with keys probe-0, probe-1, …). */
async function keyFor(instances: readonly GatewayInstance[], url: string, target: GatewayInstance | ((instance: GatewayInstance) => boolean)): Promise<string> {
  const wanted = typeof target === 'function' ? target : (instance: GatewayInstance) => instance === target;
  for (let n = 0; n < 100; n++) {
    const key = `probe-${n}-${Math.random().toString(16).slice(2, 8)}`;
    const ws = new WebSocket(`${url}?${ROUTE_PARAMETER}=${key}`);
    await once(ws, 'open');
    ws.terminate();
    if (wanted(await instanceOf(instances, key))) return key;
  }
  throw new Error('no route key found for the instance in 100 tries');
}

// ---- data ----

/** A socket of a tunnel's net module. */
type PageSocket = ReturnType<Tunnel['net']['connect']>;

/** Deterministic bytes: chunk `n` of stream `seed`. */
function chunkOf(seed: number, n: number): Buffer {
  const chunk = Buffer.alloc(64 * 1024);
  for (let offset = 0; offset < chunk.length; offset += 4) chunk.writeUInt32BE((seed * 2_654_435_761 + n * 40_503 + offset) >>> 0, offset);
  return chunk;
}

/**
 * Sends `bytes` through `socket` to the echo server and hashes what comes back; calls
 * `onProgress(received)` on every 'data'. Resolves with both SHA-256s once all came back.
 */
async function echoBulk(socket: PageSocket, seed: number, bytes: number, onProgress: (received: number) => void = () => {}): Promise<{ sent: string; echoed: string }> {
  const sentHash = createHash('sha256');
  const echoedHash = createHash('sha256');
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (data: Buffer) => {
      echoedHash.update(data);
      received += data.length;
      onProgress(received);
      if (received === bytes) resolve();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${received} of ${bytes} bytes`)));
  });
  for (let n = 0; n * 64 * 1024 < bytes; n++) {
    const chunk = chunkOf(seed, n);
    sentHash.update(chunk);
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  await done;
  return { sent: sentHash.digest('hex'), echoed: echoedHash.digest('hex') };
}

/** One echo round trip of `text`. */
async function roundTrip(socket: PageSocket, text: string): Promise<void> {
  socket.write(text);
  let echoed = '';
  while (echoed.length < text.length) echoed += String((await once(socket, 'data'))[0]);
  assert.equal(echoed, text);
}

/**
 * `streams` tunnels (sessions), one stream of `bytes` each to the echo server, each tunnel's
 * WebSocket cut from the client side every time another `cutEvery` bytes came back (once the
 * previous cut has resumed). Asserts the hashes, no socket error, a resume per cut, and that
 * every WebSocket of each session went to one instance. Returns the cuts and where sessions went.
 */
async function bulkWithCuts(url: string, instances: readonly GatewayInstance[], echo: TestServer, streams: number, bytes: number, cutEvery: number): Promise<{ cuts: number; spread: Map<string, number> }> {
  const clients = Array.from({ length: streams }, () => client(url));
  try {
    const runs = clients.map(async ({ tunnel }, index) => {
      let cuts = 0;
      let resumes = 0;
      tunnel.on('reconnect', () => {
        resumes += 1;
      });
      const socket = tunnel.net.connect(echo.port, '127.0.0.1');
      await once(socket, 'connect');
      const result = await echoBulk(socket, index, bytes, (received) => {
        if (received >= (cuts + 1) * cutEvery && received < bytes && tunnel.stats().connected) {
          cuts += 1;
          tunnel.dropConnection();
        }
      });
      assert.equal(result.echoed, result.sent, `stream ${index}: SHA-256 of what came back`);
      socket.end();
      await once(socket, 'close');
      return { cuts, resumes };
    });
    const results = await Promise.all(runs);
    const spread = new Map<string, number>();
    let cuts = 0;
    for (const [index, { urls }] of clients.entries()) {
      const result = results[index] as { cuts: number; resumes: number };
      assert.ok(result.cuts >= 2, `session ${index} was cut (${result.cuts} times)`);
      assert.equal(result.resumes, result.cuts, `session ${index}: one resume per cut`);
      const key = keyOf(urls[0]);
      assert.ok(urls.every((entry) => keyOf(entry) === key), `session ${index}: one route key for all its WebSockets`);
      // Each of its WebSockets, the first and one per resume, reached the same instance.
      await until(() => [...whereKey(instances, key).values()].reduce((a, b) => a + b, 0) === urls.length, `the WebSockets of session ${index} in the logs`);
      const where = whereKey(instances, key);
      assert.equal(where.size, 1, `session ${index}'s WebSockets went to ${[...where.keys()].join(' and ')}`);
      const [id] = where.keys();
      spread.set(id as string, (spread.get(id as string) ?? 0) + 1);
      cuts += result.cuts;
    }
    const refused = instances.flatMap((instance) => instance.logs.filter((entry) => entry['event'] === 'resume-refused'));
    assert.deepEqual(refused, [], 'no resume was refused');
    return { cuts, spread };
  } finally {
    for (const { tunnel } of clients) tunnel.close();
  }
}

const GATEWAY_ARGS = (echo: TestServer): string[] => ['--path', '/sockway', '--trust-proxy', '1', '--drain-timeout', '30s', '--allow', `127.0.0.1:${echo.port}`];

describe('three gateways behind nginx (the configuration of docs/deployment.md)', { timeout: 240_000 }, () => {
  let echo: TestServer;
  let fleet: Awaited<ReturnType<typeof startInstances>>;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let url: string;

  before(async () => {
    echo = await startEchoServer();
    fleet = await startInstances(3, GATEWAY_ARGS(echo));
    const port = await freePort();
    nginx = await startNginx(deployed(config('nginx.conf'), ['listen 80;', `listen 127.0.0.1:${port};`], fleet.instances.map((instance) => instance.port)));
    url = `ws://127.0.0.1:${port}/sockway`;
  });

  after(async () => {
    await nginx?.close();
    await fleet?.close();
    await echo?.close();
  });

  test('4 streams of 8 MiB while their WebSockets are cut every 2 MiB: every resume lands on its session\'s instance, SHA-256 equal', async (t) => {
    const { cuts, spread } = await bulkWithCuts(url, fleet.instances, echo, 4, 8 * MIB, 2 * MIB);
    t.diagnostic(`${cuts} cuts, all resumed; sessions per instance: ${JSON.stringify(Object.fromEntries(spread))}`);
    // X-Forwarded-For with --trust-proxy 1: the client's address, not nginx's.
    const opened = fleet.instances.flatMap((instance) => instance.logs.filter((entry) => entry['event'] === 'session-open'));
    assert.ok(opened.length > 0 && opened.every((entry) => entry['clientAddress'] === CLIENT_ADDRESS), 'every session is logged with the client\'s address');
  });

  test('rolling restart: one instance drains while new sessions go to the others, its stream finishes; restarted, it takes its sessions again', async () => {
    const errors: Error[] = [];
    const long = client(url);
    const closeAll: Tunnel[] = [long.tunnel];
    try {
      const stream = long.tunnel.net.connect(echo.port, '127.0.0.1');
      stream.on('error', (error) => errors.push(error));
      await once(stream, 'connect');
      await roundTrip(stream, 'before');
      const draining = await instanceOf(fleet.instances, keyOf(long.urls[0]));
      const run = draining.logs.at(-1)?.run ?? 0;
      // A key that nginx hashes to the draining instance: its new sessions must go elsewhere.
      const keyOfDraining = await keyFor(fleet.instances, url, draining);

      const exited = draining.stop();
      await until(() => draining.logs.some((entry) => entry['event'] === 'shutdown' && entry.run === run), 'the instance to start draining');
      const fresh = [...Array.from({ length: 6 }, () => client(url)), client(url, () => keyOfDraining)];
      closeAll.push(...fresh.map(({ tunnel }) => tunnel));
      await Promise.all(fresh.map(async ({ tunnel }, index) => {
        const socket = tunnel.net.connect(echo.port, '127.0.0.1');
        socket.on('error', (error) => errors.push(error));
        await once(socket, 'connect');
        await roundTrip(socket, `new session ${index}`);
        socket.end();
        await once(socket, 'close');
      }));
      // Each new session is on one of the others (the one keyed to the draining instance too:
      // its 503 made nginx try the next); the draining one took none of them.
      const others = fleet.instances.filter((instance) => instance !== draining);
      for (const { urls } of fresh) assert.equal(whereKey(others, keyOf(urls[0])).size, 1, `new session ${keyOf(urls[0])} on one of the other instances`);
      const drainStart = draining.logs.findIndex((entry) => entry['event'] === 'shutdown' && entry.run === run);
      const tookDuringDrain = draining.logs.slice(drainStart).filter((entry) => entry['event'] === 'session-open');
      assert.deepEqual(tookDuringDrain, [], 'the draining instance took no new session');
      // Its own stream carries on through the drain and finishes; then the instance exits.
      await roundTrip(stream, 'during the drain');
      stream.end();
      await once(stream, 'close');
      assert.equal(await exited, 0, 'the drained instance exits cleanly');
      for (const { tunnel } of fresh) tunnel.close();
      // Stopped, its port refuses connections: nginx tries the next instance then too.
      const meanwhile = client(url, () => keyOfDraining);
      closeAll.push(meanwhile.tunnel);
      const refusedFirst = meanwhile.tunnel.net.connect(echo.port, '127.0.0.1');
      refusedFirst.on('error', (error) => errors.push(error));
      await once(refusedFirst, 'connect');
      await roundTrip(refusedFirst, 'while it is down');
      refusedFirst.end();
      await once(refusedFirst, 'close');
      assert.equal(whereKey(others, keyOfDraining).size, 1);

      await draining.start();
      const back = client(url, () => keyOfDraining);
      closeAll.push(back.tunnel);
      const socket = back.tunnel.net.connect(echo.port, '127.0.0.1');
      socket.on('error', (error) => errors.push(error));
      await once(socket, 'connect');
      await roundTrip(socket, 'restarted');
      socket.end();
      await once(socket, 'close');
      assert.deepEqual([...whereKey(fleet.instances, keyOfDraining, run + 1).keys()], [draining.id], 'the restarted instance takes its key\'s sessions again');
      assert.deepEqual(errors, []);
    } finally {
      for (const tunnel of closeAll) tunnel.close();
    }
  });

  test('a resume sent to another instance than the session\'s is refused as misrouted; the session is left waiting on its own', async () => {
    // The balancer's view: the resume (the second WebSocket) carries a key of another instance.
    let otherKey = '';
    const misrouted = client(url, (index) => (index === 0 ? undefined : otherKey));
    try {
      const socket = misrouted.tunnel.net.connect(echo.port, '127.0.0.1');
      await once(socket, 'connect');
      await roundTrip(socket, 'hello');
      const home = await instanceOf(fleet.instances, keyOf(misrouted.urls[0]));
      otherKey = await keyFor(fleet.instances, url, (instance) => instance !== home);
      const failed = once(socket, 'error') as Promise<[Error & { code: string }]>;
      misrouted.tunnel.dropConnection();
      const [error] = await failed;
      assert.equal(error.code, 'SOCKWAY_ERR_RESUME_FAILED');
      assert.match(error.message, new RegExp(`^the session is not on this gateway instance: it was opened on the instance tagged ${createInstance(home.id).tagHex}, this is [0-9a-f]{8}\\. .*${ROUTE_PARAMETER}`));
      // The operator finds which instance a tag is in each instance's listening line.
      assert.equal(home.logs.find((entry) => entry['event'] === 'listening')?.['instanceTag'], createInstance(home.id).tagHex);
      const detachedAtHome = home.logs.filter((entry) => entry['event'] === 'session-detached').length;
      assert.ok(detachedAtHome >= 1, 'the session waits on its own instance');
    } finally {
      misrouted.tunnel.close();
    }
  });
});

describe('three gateways behind HAProxy (the configuration of docs/deployment.md)', { timeout: 120_000 }, () => {
  let echo: TestServer;
  let fleet: Awaited<ReturnType<typeof startInstances>>;
  let haproxy: Awaited<ReturnType<typeof startHaproxy>>;
  let url: string;

  before(async () => {
    echo = await startEchoServer();
    fleet = await startInstances(3, GATEWAY_ARGS(echo));
    const port = await freePort();
    haproxy = await startHaproxy(deployed(config('haproxy.cfg'), ['bind :80', `bind 127.0.0.1:${port}`], fleet.instances.map((instance) => instance.port)), port);
    url = `ws://127.0.0.1:${port}/sockway`;
  });

  after(async () => {
    await haproxy?.close();
    await fleet?.close();
    await echo?.close();
  });

  test('2 streams of 4 MiB while their WebSockets are cut every 1 MiB: every resume lands on its session\'s instance, SHA-256 equal', async (t) => {
    const { cuts, spread } = await bulkWithCuts(url, fleet.instances, echo, 2, 4 * MIB, MIB);
    t.diagnostic(`${cuts} cuts, all resumed; sessions per instance: ${JSON.stringify(Object.fromEntries(spread))}`);
    const opened = fleet.instances.flatMap((instance) => instance.logs.filter((entry) => entry['event'] === 'session-open'));
    assert.ok(opened.every((entry) => entry['clientAddress'] === CLIENT_ADDRESS), 'every session is logged with the client\'s address');
  });
});
