/**
 * /metrics against real traffic: a real gateway (its admin server scraped over HTTP), a
 * client tunnel over a real ws WebSocket, streams to a local TCP echo server, one
 * refused, one denied by policy, one to a name from a local DNS server, one whose page
 * stops reading (a credit stall), a refused Origin, a dropped WebSocket and its
 * resumption. Each counter must move by exactly what the traffic did. Also: two gateways
 * in one process keep their own series, and docs/gateway.md lists every metric.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createTunnel } from '../client/index.ts';
import { NodeWebSocket } from '../e2e/fixtures/start-gateway.ts';
import { createGateway } from './gateway.ts';
import { METRIC_DOCS, metricsTable } from './metrics.ts';
import { startDnsServer } from './testing/dns-server.ts';
import { attemptClient, closedPort, startTarget, until } from './testing/harness.ts';

type Scrape = ReadonlyMap<string, number>;
/** A socket of the client's `net`. */
type Socket = ReturnType<ReturnType<typeof createTunnel>['net']['connect']>;

/** GETs /metrics and reads the samples: `name{labels}` → value. */
async function scrape(port: number): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** A sample's value (0 when absent); fails for a name the scrape does not have at all. */
function value(samples: Scrape, key: string): number {
  const found = samples.get(key);
  assert.ok(found !== undefined, `${key} is in the scrape`);
  return found;
}

/** How much `key` moved between two scrapes. */
const moved = (before: Scrape, after: Scrape, key: string): number => value(after, key) - value(before, key);

/** Writes `bytes` through `socket` once it is connected, reads the echo back, ends; resolves once it is closed. */
async function echoThrough(socket: Socket, bytes: number): Promise<void> {
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received === bytes) socket.end();
  });
  if (socket.connecting) await once(socket, 'connect');
  socket.write(Buffer.alloc(bytes, 7));
  await once(socket, 'close');
  assert.equal(received, bytes);
}

describe('/metrics', () => {
  test('every counter moves as the traffic does', async (t) => {
    const echo = await startTarget(t);
    // The bulk target sends 4 MiB at once, far beyond a stream's window, to a page that is not reading yet.
    const BULK = 4 * 1024 * 1024;
    const bulk = await startTarget(t, (socket) => {
      socket.end(Buffer.alloc(BULK, 1));
      socket.resume();
    });
    const refusedPort = await closedPort();
    const dns = await startDnsServer({ 'echo.test': { A: ['127.0.0.1'] } });
    t.after(() => dns.close());
    const gateway = createGateway({
      allow: [`127.0.0.1:${echo.port}`, `127.0.0.1:${bulk.port}`, `127.0.0.1:${refusedPort}`, `echo.test:${echo.port}`],
      dnsServers: [dns.address],
      allowOrigins: ['https://app.example'],
      keepaliveInterval: 0,
    });
    t.after(() => gateway.close());
    const { port } = await gateway.listen();
    const admin = await gateway.listenAdmin();
    const url = `ws://127.0.0.1:${port}/`;

    const before = await scrape(admin.port);
    for (const key of ['sockway_sessions_open', 'sockway_streams_open', 'sockway_credit_stalls_total', 'sockway_bytes_relayed_total{direction="in"}']) {
      assert.equal(value(before, key), 0, key);
    }
    assert.ok(value(before, 'nodejs_eventloop_lag_seconds') >= 0, 'Node\'s process metrics are in the registry');

    const tunnel = createTunnel({ url, WebSocket: NodeWebSocket, keepaliveInterval: 0 });
    t.after(() => tunnel.close());
    // Three echoes, one of them to a name the gateway resolves through the DNS server.
    await Promise.all([
      echoThrough(tunnel.net.connect(echo.port, '127.0.0.1'), 100_000),
      echoThrough(tunnel.net.connect(echo.port, '127.0.0.1'), 200_000),
      echoThrough(tunnel.net.connect(echo.port, 'echo.test'), 300_000),
    ]);
    const refused = tunnel.net.connect(refusedPort, '127.0.0.1');
    assert.equal((await once(refused, 'error'))[0].code, 'ECONNREFUSED');
    const denied = tunnel.net.connect(echo.port + (echo.port === 65_535 ? -1 : 1), '127.0.0.1');
    assert.equal((await once(denied, 'error'))[0].code, 'SOCKWAY_ERR_DENIED');

    // A page that does not read: the gateway stops reading the socket when the credit is gone.
    const slow = tunnel.net.connect(bulk.port, '127.0.0.1');
    slow.pause();
    await once(slow, 'connect');
    await until(() => gateway.stats().streams.some((stream) => stream.socketPaused), 'the gateway to stop reading for lack of credit');
    let slowBytes = 0;
    slow.on('data', (chunk: Buffer) => {
      slowBytes += chunk.length;
    });
    slow.resume();
    await once(slow, 'end');
    assert.equal(slowBytes, BULK);
    slow.end();
    await once(slow, 'close');

    // An Origin the gateway does not allow.
    const foreign = attemptClient(t, url, { headers: { Origin: 'https://evil.example' } });
    assert.equal(await foreign.ready, false);

    // The WebSocket drops under an open stream; the tunnel resumes and the stream carries on.
    const kept = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(kept, 'connect');
    const reconnected = new Promise<void>((resolve) => tunnel.on('reconnect', () => resolve()));
    tunnel.dropConnection();
    await reconnected;
    await echoThrough(kept, 50_000);
    await until(() => gateway.stats().streams.length === 0, 'every stream to be done at the gateway');

    const after = await scrape(admin.port);
    const expect = (key: string, delta: number): void => assert.equal(moved(before, after, key), delta, key);
    expect('sockway_sessions_total', 1);
    expect('sockway_sessions_resumed_total', 1);
    expect('sockway_sessions_refused_total{reason="origin"}', 1);
    expect('sockway_sessions_refused_total{reason="gateway_limit"}', 0);
    expect('sockway_streams_opened_total{outcome="connected"}', 5);
    expect('sockway_streams_opened_total{outcome="refused"}', 1);
    expect('sockway_streams_opened_total{outcome="denied"}', 1);
    expect('sockway_streams_opened_total{outcome="timed_out"}', 0);
    expect('sockway_connect_duration_seconds_count', 5);
    expect('sockway_handshake_duration_seconds_count', 1);
    expect('sockway_dns_queries_total', 1);
    expect('sockway_websocket_closes_total{code="1006"}', 1);
    // Echoed bytes come back as many as went out; the bulk stream only came in.
    const echoed = 100_000 + 200_000 + 300_000 + 50_000;
    expect('sockway_bytes_relayed_total{direction="in"}', echoed);
    expect('sockway_bytes_relayed_total{direction="out"}', echoed + BULK);
    assert.ok(moved(before, after, 'sockway_credit_stalls_total') >= 1, 'the credit stall is counted');
    assert.equal(value(after, 'sockway_sessions_open'), 1);
    assert.equal(value(after, 'sockway_sessions_detached'), 0);
    assert.equal(value(after, 'sockway_streams_open'), 0);
    assert.equal(value(after, 'sockway_tcp_sockets'), 0);
    assert.ok(value(after, 'sockway_memory_budget_bytes') > 0);
    // Bounded labels: no address or port anywhere in a series name.
    for (const key of after.keys()) assert.doesNotMatch(key, /127\.0\.0\.1|echo\.test|:\d+/, key);
  });

  test('two gateways in one process keep their own series', async (t) => {
    const echo = await startTarget(t);
    const gateways = [createGateway({ allow: [`127.0.0.1:${echo.port}`] }), createGateway({ allow: [`127.0.0.1:${echo.port}`] })];
    for (const gateway of gateways) t.after(() => gateway.close());
    const [one, two] = await Promise.all(gateways.map((gateway) => gateway.listen()));
    const admins = await Promise.all(gateways.map((gateway) => gateway.listenAdmin()));
    const tunnel = createTunnel({ url: `ws://127.0.0.1:${one?.port}/`, WebSocket: NodeWebSocket });
    t.after(() => tunnel.close());
    await echoThrough(tunnel.net.connect(echo.port, '127.0.0.1'), 10);
    const [first, second] = await Promise.all(admins.map((admin) => scrape(admin.port)));
    assert.ok(first && second && two);
    assert.equal(value(first, 'sockway_sessions_total'), 1);
    assert.equal(value(second, 'sockway_sessions_total'), 0);
    assert.equal(value(first, 'sockway_streams_opened_total{outcome="connected"}'), 1);
    assert.equal(value(second, 'sockway_streams_opened_total{outcome="connected"}'), 0);
  });

  test('the registry defines exactly the documented metrics, and docs/gateway.md lists them', async (t) => {
    const gateway = createGateway({ allow: ['127.0.0.1:1'] });
    t.after(() => gateway.close());
    const names = (await gateway.metricsRegistry.getMetricsAsJSON()).map((metric) => metric.name).filter((name) => name.startsWith('sockway_'));
    assert.deepEqual(names.sort(), METRIC_DOCS.map((doc) => doc.name).sort());
    const docs = readFileSync(new URL('../docs/gateway.md', import.meta.url), 'utf8');
    assert.ok(docs.includes(metricsTable()), 'docs/gateway.md does not contain the metrics table; paste the output of node --import tsx scripts/options-doc.ts metrics');
  });
});
