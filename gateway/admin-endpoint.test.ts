/**
 * /healthz and /readyz as a probe sees them, on a real gateway: ready, at the session
 * limit (503, then ready again), draining (503 on the admin port while close() lets a
 * stream finish, with the one `draining` log line), where each endpoint is served (the
 * gateway's port by default, the admin port alone once there is one, /metrics on the
 * gateway's port only when asked), HEAD, other methods, and no count in any answer.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { describe, test } from 'node:test';
import { type Gateway, type GatewayLogEntry, type GatewayOptions, createGateway } from './gateway.ts';
import { attemptClient, client, open, startTarget, until } from './testing/harness.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One plain HTTP request (its own connection, as a probe makes it). */
function request(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', path, method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function started(t: { after(fn: () => unknown): void }, options: Partial<GatewayOptions> = {}, listen: { metrics?: boolean } = {}): Promise<{ gateway: Gateway; port: number; url: string; logs: GatewayLogEntry[] }> {
  const logs: GatewayLogEntry[] = [];
  const gateway = createGateway({ allow: ['127.0.0.1:*'], keepaliveInterval: 0, log: (entry) => logs.push(entry), ...options });
  t.after(() => gateway.close());
  const { port } = await gateway.listen(listen);
  return { gateway, port, url: `ws://127.0.0.1:${port}/`, logs };
}

describe('health and readiness', () => {
  test('the gateway\'s port answers /healthz and /readyz, HEAD too, and neither /metrics nor other methods', async (t) => {
    const { port } = await started(t);
    const health = await request(port, '/healthz');
    assert.deepEqual([health.status, health.body], [200, 'ok\n']);
    assert.equal(health.headers['cache-control'], 'no-store');
    const ready = await request(port, '/readyz?probe=1');
    assert.deepEqual([ready.status, ready.body], [200, 'ready\n']);
    const head = await request(port, '/readyz', 'HEAD');
    assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '6']);
    const post = await request(port, '/healthz', 'POST');
    assert.deepEqual([post.status, post.headers.allow], [405, 'GET, HEAD']);
    assert.equal((await request(port, '/metrics')).status, 404, 'metrics are off on the public port by default');
    assert.equal((await request(port, '/')).status, 426, 'the upgrade path still answers plain GET with 426');
    assert.equal((await request(port, '/other')).status, 404);
  });

  test('listen({ metrics: true }) serves /metrics on the gateway\'s port', async (t) => {
    const { port } = await started(t, {}, { metrics: true });
    const metrics = await request(port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^sockway_sessions_open 0$/m);
  });

  test('at the session limit /readyz is 503 (no count in it), and 200 again once a session is gone', async (t) => {
    const { gateway, port, url } = await started(t, { maxSessions: 1 });
    const c = attemptClient(t, url);
    assert.equal(await c.ready, true);
    const full = await request(port, '/readyz');
    assert.deepEqual([full.status, full.body], [503, 'not ready: at its session limit\n']);
    assert.doesNotMatch(full.body, /\d/);
    assert.deepEqual(gateway.readiness(), { ready: false, reason: 'at its session limit' });
    assert.equal((await request(port, '/healthz')).status, 200, 'alive all the same');
    c.ws.close();
    await c.closed;
    await until(() => gateway.sessions === 0, 'the session to be gone');
    assert.equal((await request(port, '/readyz')).status, 200);
  });

  test('with an admin port: everything there, nothing on the gateway\'s port; draining is 503 there until close() is done', async (t) => {
    const echo = await startTarget(t);
    const { gateway, port, url, logs } = await started(t, { drainTimeout: 30_000 });
    const admin = await gateway.listenAdmin();
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await request(port, path)).status, 404, `${path} on the gateway's port`);
    assert.equal((await request(admin.port, '/readyz')).status, 200);
    assert.equal((await request(admin.port, '/healthz')).status, 200);
    const metrics = await request(admin.port, '/metrics');
    assert.match(metrics.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal((await request(admin.port, '/')).status, 404);

    // One open stream keeps the drain going.
    const c = await client(t, url);
    const stream = open(c, '127.0.0.1', echo.port);
    await stream.opened.promise;
    const closed = gateway.close();
    const draining = await request(admin.port, '/readyz');
    assert.deepEqual([draining.status, draining.body], [503, 'not ready: draining: the gateway is shutting down\n']);
    assert.equal((await request(admin.port, '/healthz')).status, 200, 'alive while it drains');
    const line = logs.find((entry) => entry.event === 'draining');
    assert.ok(line, 'one draining line');
    assert.deepEqual([line.level, line['streams'], line['sessions'], line['timeoutMs']], ['info', 1, 1, 30_000]);
    const deadline = Date.parse(String(line['deadline']));
    assert.ok(deadline > Date.now() + 20_000 && deadline <= Date.now() + 30_000, `deadline ${String(line['deadline'])}`);
    assert.equal(logs.filter((entry) => entry.event === 'draining').length, 1);

    // The stream finishes: the drain is over, and so is the admin server.
    stream.stream.end();
    await closed;
    await assert.rejects(request(admin.port, '/healthz'), { code: 'ECONNREFUSED' });
  });

  test('listenAdmin() twice, or after close(), is refused', async (t) => {
    const { gateway } = await started(t);
    await gateway.listenAdmin();
    await assert.rejects(gateway.listenAdmin(), { code: 'ERR_SERVER_ALREADY_LISTEN' });
    await gateway.close();
    await assert.rejects(gateway.listenAdmin(), { code: 'ERR_SERVER_NOT_RUNNING' });
  });
});
