/**
 * Several gateways behind a load balancer (issue 15, item 5), in one process: the client's
 * route key (one per session, in every WebSocket URL of it), the instance tag in session
 * ids and the refusal of a RESUME that reaches another instance, and a draining gateway
 * that answers new sessions with HTTP 503 while the resumes of its own sessions get in.
 * The same behind real nginx and HAProxy: e2e/load-balancer.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { type Tunnel, type TunnelEvents, createTunnel, withRouteKey } from '../client/tunnel.ts';
import type { WebSocketConstructor } from '../client/websocket-transport.ts';
import { type Frame, decodeFrame } from '../shared/frame.ts';
import { ROUTE_PARAMETER } from '../shared/protocol.ts';
import { createInstance, routeKeyOf, tagOfSession } from './instance.ts';
import { type Started, closedPort, startGateway, startTarget, until } from './testing/harness.ts';

/**
 * `ws`'s WebSocket, sent wherever `route` says (a balancer in the client), recording each
 * WebSocket's URL and the frames it received.
 */
function routedWebSocket(route: (url: string, index: number) => string): { WebSocket: WebSocketConstructor; opened: { url: string; received: Frame[] }[] } {
  const opened: { url: string; received: Frame[] }[] = [];
  class Routed extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(route(url, opened.length), protocols);
      const record = { url, received: [] as Frame[] };
      opened.push(record);
      this.on('message', (data: Buffer) => record.received.push(decodeFrame(data)));
    }
  }
  return { WebSocket: Routed as unknown as WebSocketConstructor, opened };
}

/** The next `event` of `tunnel` (its on()/off(), not an EventEmitter's). */
function nextEvent<E extends keyof TunnelEvents>(tunnel: Tunnel, event: E): Promise<TunnelEvents[E]> {
  return new Promise((resolve) => {
    const listener = (value: TunnelEvents[E]): void => {
      tunnel.off(event, listener);
      resolve(value);
    };
    tunnel.on(event, listener);
  });
}

function tunnelTo(t: TestContext, url: string, WebSocketImpl: WebSocketConstructor): Tunnel {
  const tunnel = createTunnel({ url, WebSocket: WebSocketImpl, keepaliveInterval: 0, resumeTimeout: 30_000 });
  t.after(() => tunnel.close());
  return tunnel;
}

/** The URL `url` with the port of `gateway`. */
function onGateway(url: string, gateway: Started): string {
  const moved = new URL(url);
  moved.port = String(gateway.port);
  return moved.href;
}

/** The route key of a recorded WebSocket URL. */
function keyOf(url: string): string | null {
  return new URL(url).searchParams.get(ROUTE_PARAMETER);
}

/** The HTTP status a WebSocket upgrade to `url` gets (101 when it opens). */
async function upgradeStatus(url: string): Promise<number> {
  const ws = new WebSocket(url);
  return new Promise<number>((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('route key', () => {
  test('withRouteKey() adds the parameter and keeps the rest of the URL as written', () => {
    assert.equal(withRouteKey('wss://gw.example/sockway', 'k1'), 'wss://gw.example/sockway?sockway_route=k1');
    assert.equal(withRouteKey('wss://gw.example/?token=a%20b&x', 'k1'), 'wss://gw.example/?token=a%20b&x&sockway_route=k1');
    assert.equal(withRouteKey('ws://h:1/p?', 'k1'), 'ws://h:1/p?sockway_route=k1');
    assert.equal(withRouteKey('ws://h:1/p?a=1&', 'k1'), 'ws://h:1/p?a=1&sockway_route=k1');
    assert.equal(withRouteKey('ws://h:1/p?a=1#frag', 'k1'), 'ws://h:1/p?a=1&sockway_route=k1#frag');
  });

  test('routeKeyOf() reads a well-formed key and nothing else', () => {
    assert.equal(routeKeyOf('/sockway?a=1&sockway_route=0123456789abcdef'), '0123456789abcdef');
    assert.equal(routeKeyOf('/sockway'), undefined);
    assert.equal(routeKeyOf('/?sockway_route='), undefined);
    assert.equal(routeKeyOf('/?sockway-route=abc'), undefined);
    assert.equal(routeKeyOf(`/?sockway_route=${'a'.repeat(65)}`), undefined);
    assert.equal(routeKeyOf('/?sockway_route=a%2Fb'), undefined);
    assert.equal(routeKeyOf(undefined), undefined);
  });

  test('every WebSocket of a session carries its key, the resume too; a new session gets a new one; the page\'s query string stays', async (t) => {
    const echo = await startTarget(t);
    const gateway = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`] });
    const routed = routedWebSocket((url) => url);
    const tunnel = tunnelTo(t, `${gateway.url}?app=demo`, routed.WebSocket);
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(socket, 'connect');
    const resumed = nextEvent(tunnel, 'reconnect');
    tunnel.dropConnection();
    await resumed;
    socket.write('after the resume');
    assert.equal(String((await once(socket, 'data'))[0]), 'after the resume');
    assert.equal(routed.opened.length, 2);
    const [first, resume] = routed.opened.map((entry) => entry.url);
    assert.match(first ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/\?app=demo&sockway_route=[0-9a-f]{16}$/);
    assert.equal(keyOf(resume ?? ''), keyOf(first ?? ''), 'the resume carries the session\'s key');
    // The session ends; the next connect opens a new one, with a new key.
    socket.on('error', () => {});
    tunnel.close();
    const fresh = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(fresh, 'connect');
    assert.equal(routed.opened.length, 3);
    assert.notEqual(keyOf(routed.opened[2]?.url ?? ''), keyOf(first ?? ''), 'a new session, a new key');
    fresh.destroy();
  });
});

describe('instances', () => {
  test('session ids start with the instance tag; a RESUME that reaches another instance is refused as such, and the session there is untouched', async (t) => {
    const echo = await startTarget(t);
    const a = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`], instanceId: 'gw-a' });
    const b = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`], instanceId: 'gw-b' });
    // The balancer sends the first WebSocket to a and every later one to b.
    const routed = routedWebSocket((url, index) => onGateway(url, index === 0 ? a : b));
    const tunnel = tunnelTo(t, a.url, routed.WebSocket);
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(socket, 'connect');
    const welcome = routed.opened[0]?.received.find((frame) => frame.type === 'welcome');
    assert.ok(welcome?.type === 'welcome');
    assert.equal(tagOfSession(welcome.sessionId), createInstance('gw-a').tagHex);
    const failed = once(socket, 'error') as Promise<[Error & { code: string }]>;
    const reconnectFailed = nextEvent(tunnel, 'reconnect-failed');
    tunnel.dropConnection();
    const [error] = await failed;
    assert.equal(error.code, 'SOCKWAY_ERR_RESUME_FAILED');
    assert.match(error.message, new RegExp(`not on this gateway instance: it was opened on the instance tagged ${createInstance('gw-a').tagHex}, this is ${createInstance('gw-b').tagHex}\\..*${ROUTE_PARAMETER}`));
    await reconnectFailed;
    const refused = b.logs.find((entry) => entry.event === 'resume-refused');
    assert.equal(refused?.['instance'], 'gw-b');
    assert.equal(refused?.['sessionInstanceTag'], createInstance('gw-a').tagHex);
    // a still holds the session, detached, for its grace period: b's refusal did not touch it.
    assert.equal(a.gateway.stats().detachedSessions, 1);
  });

  test('a RESUME for an unknown session of this very instance (it restarted with the same id) gets the unknown-session refusal', async (t) => {
    const echo = await startTarget(t);
    const first = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`], instanceId: 'gw-a' });
    const second = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`], instanceId: 'gw-a' });
    const routed = routedWebSocket((url, index) => onGateway(url, index === 0 ? first : second));
    const tunnel = tunnelTo(t, first.url, routed.WebSocket);
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(socket, 'connect');
    const failed = once(socket, 'error') as Promise<[Error & { code: string }]>;
    tunnel.dropConnection();
    const [error] = await failed;
    assert.equal(error.code, 'SOCKWAY_ERR_RESUME_FAILED');
    assert.match(error.message, /^unknown session or invalid resume token/);
  });

  test('--instance-id is checked', async () => {
    const { createGateway } = await import('./gateway.ts');
    assert.throws(() => createGateway({ allow: [], instanceId: 'has space' }), { code: 'ERR_INVALID_ARG_VALUE', message: /instanceId must be 1 to 64 letters/ });
    assert.throws(() => createGateway({ allow: [], instanceId: 'x'.repeat(65) }), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('draining instance', () => {
  test('new sessions get HTTP 503, a resume of its own session gets in', async (t) => {
    const echo = await startTarget(t);
    const gateway = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`], drainTimeout: 20_000 });
    const routed = routedWebSocket((url) => url);
    const tunnel = tunnelTo(t, gateway.url, routed.WebSocket);
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    await once(socket, 'connect');
    const key = keyOf(routed.opened[0]?.url ?? '');
    const closing = gateway.gateway.close();
    assert.equal(await upgradeStatus(`${gateway.url}?${ROUTE_PARAMETER}=someone-else`), 503);
    assert.equal(await upgradeStatus(gateway.url), 503);
    assert.equal(await upgradeStatus(`${gateway.url}?${ROUTE_PARAMETER}=${key}`), 101);
    // The stream still flows during the drain, and the gateway is done once it ends.
    socket.write('draining');
    assert.equal(String((await once(socket, 'data'))[0]), 'draining');
    socket.end();
    await closing;
  });

  test('a session waiting for its client when the drain starts is resumed, gets the GOAWAY and its stream finishes', async (t) => {
    const echo = await startTarget(t);
    const gateway = await startGateway(t, { allow: [`127.0.0.1:${echo.port}`], drainTimeout: 20_000 });
    const dead = await closedPort();
    // While `held`, the client's reconnects go to a closed port (its network is down).
    let held = false;
    const routed = routedWebSocket((url) => (held ? url.replace(`:${gateway.port}/`, `:${dead}/`) : url));
    const tunnel = tunnelTo(t, gateway.url, routed.WebSocket);
    const socket = tunnel.net.connect(echo.port, '127.0.0.1');
    const errors: Error[] = [];
    socket.on('error', (error) => errors.push(error));
    await once(socket, 'connect');
    held = true;
    tunnel.dropConnection();
    await until(() => gateway.gateway.stats().detachedSessions === 1, 'the gateway to detach the session');
    const closing = gateway.gateway.close();
    const resumed = nextEvent(tunnel, 'reconnect');
    held = false;
    await resumed;
    const goaway = routed.opened.at(-1)?.received;
    await until(() => goaway?.some((frame) => frame.type === 'goaway') === true, 'the drain\'s GOAWAY on the resumed link');
    socket.write('after the drain began');
    assert.equal(String((await once(socket, 'data'))[0]), 'after the drain began');
    socket.end();
    await once(socket, 'close');
    await closing;
    assert.deepEqual(errors, []);
  });
});
