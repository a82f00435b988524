/**
 * Capability tokens (token.ts) and session admission (admission.ts): issuing and
 * verifying, every way a token can be wrong, the effective policy as the intersection
 * of the gateway's and the token's, the authenticate hook, the Origin allowlist, and
 * that a token never reaches a log or a response.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type * as http from 'node:http';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { createTunnel } from '../client/tunnel.ts';
import type { WebSocketConstructor } from '../client/websocket-transport.ts';
import { originMatcher, selectProtocol } from './admission.ts';
import { createGateway } from './gateway.ts';
import { MAX_TOKEN_LENGTH, TokenError, type TokenFailure, issueToken, verifyToken } from './token.ts';
import { attemptClient, open, startGateway, startTarget, until } from './testing/harness.ts';

const T = { timeout: 20_000 };
const SECRET = 'a-test-secret-that-is-32-bytes-long!!';
const OTHER_SECRET = 'another-secret-also-32-bytes-or-more';
const NOW = Date.UTC(2030, 0, 1);

function fails(token: unknown, reason: TokenFailure, options: Partial<Parameters<typeof verifyToken>[1]> = {}): void {
  assert.throws(() => verifyToken(token, { secret: SECRET, now: NOW, ...options }), (error: unknown) => {
    assert.ok(error instanceof TokenError);
    assert.equal(error.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    assert.equal(error.reason, reason);
    assert.ok(typeof token !== 'string' || token.length < 20 || !error.message.includes(token), 'the message never quotes the token');
    return true;
  });
}

/** Re-encodes a token's claims (keeping its signature): a tampered token. */
function tamper(token: string, edit: (claims: Record<string, unknown>) => void): string {
  const [prefix, body, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as Record<string, unknown>;
  edit(claims);
  return `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('issueToken / verifyToken', () => {
  test('round trip: the claims come back, the token is subprotocol- and URL-safe', () => {
    const token = issueToken({ secret: SECRET, audience: 'gw-1', expiresIn: 60, subject: 'user-42', connect: ['db.internal:5432'], listen: ['0.0.0.0:8000-8099'], now: NOW });
    assert.match(token, /^sockway1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifyToken(token, { secret: SECRET, audience: 'gw-1', now: NOW }), {
      audience: 'gw-1',
      expiresAt: NOW / 1000 + 60,
      issuedAt: NOW / 1000,
      subject: 'user-42',
      connect: ['db.internal:5432'],
      listen: ['0.0.0.0:8000-8099'],
    });
  });

  test('defaults: audience sockway, 300 s, no grants', () => {
    const claims = verifyToken(issueToken({ secret: SECRET, now: NOW }), { secret: SECRET, now: NOW });
    assert.equal(claims.audience, 'sockway');
    assert.equal(claims.expiresAt, NOW / 1000 + 300);
    assert.deepEqual([claims.connect, claims.listen], [[], []]);
  });

  test('expired: at exp and after; clockTolerance forgives skew', () => {
    const token = issueToken({ secret: SECRET, expiresIn: 10, now: NOW });
    assert.doesNotThrow(() => verifyToken(token, { secret: SECRET, now: NOW + 9_999 }));
    fails(token, 'expired', { now: NOW + 10_000 });
    fails(token, 'expired', { now: NOW + 86_400_000 });
    assert.doesNotThrow(() => verifyToken(token, { secret: SECRET, now: NOW + 15_000, clockTolerance: 30 }));
  });

  test('forged signature: signed with another secret', () => {
    fails(issueToken({ secret: OTHER_SECRET, now: NOW }), 'signature');
  });

  test('forged signature: a signature of the right shape but wrong bytes', () => {
    const token = issueToken({ secret: SECRET, now: NOW });
    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    fails(flipped, 'signature');
  });

  test('tampered payload: widened grants, extended expiry, changed audience', () => {
    const token = issueToken({ secret: SECRET, connect: ['db.internal:5432'], now: NOW });
    fails(tamper(token, (claims) => { claims['connect'] = ['*:*']; }), 'signature');
    fails(tamper(token, (claims) => { claims['exp'] = 4_102_444_800; }), 'signature');
    fails(tamper(token, (claims) => { claims['aud'] = 'other'; }), 'signature');
    fails(tamper(token, (claims) => { claims['listen'] = ['*:*']; }), 'signature');
  });

  test('wrong audience', () => {
    fails(issueToken({ secret: SECRET, audience: 'gw-eu', now: NOW }), 'audience', { audience: 'gw-us' });
    fails(issueToken({ secret: SECRET, audience: 'gw-eu', now: NOW }), 'audience');
  });

  test('missing and malformed tokens', () => {
    const good = issueToken({ secret: SECRET, now: NOW });
    fails(undefined, 'missing');
    fails('', 'missing');
    fails(42, 'missing');
    for (const bad of ['nonsense', 'sockway2.e30.' + 'A'.repeat(43), good.replace('sockway1', 'SOCKWAY1'), `${good}.extra`, good.slice(0, -1), `${good.slice(0, -1)}=`, good.replace(/\.[^.]*\./, '.!!.'), 'x'.repeat(MAX_TOKEN_LENGTH + 1)]) {
      fails(bad, 'malformed');
    }
  });

  test('a correctly signed token with bad claims is refused (claims)', () => {
    // Signed by hand with the right secret: only the claims are wrong.
    const sign = (claims: unknown): string => {
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `sockway1.${body}.${createHmac('sha256', SECRET).update(`sockway1.${body}`).digest('base64url')}`;
    };
    const exp = NOW / 1000 + 60;
    fails(sign({ aud: 'sockway' }), 'claims');
    fails(sign({ aud: 'sockway', exp: 'soon' }), 'claims');
    fails(sign({ aud: 'sockway', exp: 1.5 }), 'claims');
    fails(sign({ aud: '', exp }), 'claims');
    fails(sign({ aud: 'sockway', exp, connect: ['not a rule'] }), 'claims');
    fails(sign({ aud: 'sockway', exp, connect: 'db:5432' }), 'claims');
    fails(sign({ aud: 'sockway', exp, admin: true }), 'claims');
    fails(sign(['array']), 'claims');
    assert.doesNotThrow(() => verifyToken(sign({ aud: 'sockway', exp }), { secret: SECRET, now: NOW }));
  });

  test('secret rotation: any of several secrets verifies', () => {
    const token = issueToken({ secret: OTHER_SECRET, now: NOW });
    assert.doesNotThrow(() => verifyToken(token, { secret: [SECRET, OTHER_SECRET], now: NOW }));
    fails(token, 'signature', { secret: [SECRET] });
  });

  test('issueToken refuses weak secrets, bad rules, bad lifetimes and oversized tokens', () => {
    assert.throws(() => issueToken({ secret: 'short' }), { code: 'ERR_INVALID_ARG_VALUE', message: /at least 32 bytes/ });
    assert.throws(() => issueToken({ secret: new Uint8Array(31) }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => issueToken({ secret: SECRET, connect: ['db.internal'] }), { code: 'SOCKWAY_ERR_INVALID_RULE' });
    assert.throws(() => issueToken({ secret: SECRET, expiresIn: 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => issueToken({ secret: SECRET, audience: 'a\nb' }), { code: 'ERR_INVALID_ARG_VALUE' });
    const many = Array.from({ length: 64 }, (_, i) => `${'h'.repeat(60)}${i}.example.com:1`);
    assert.throws(() => issueToken({ secret: SECRET, connect: many }), { message: /more than 4096/ });
    assert.throws(() => verifyToken('x', { secret: 'short' }), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('admission helpers', () => {
  test('selectProtocol picks sockway, never a token', () => {
    assert.equal(selectProtocol(new Set(['x', 'sockway', 'sockway.token.abc'])), 'sockway');
    assert.equal(selectProtocol(new Set(['sockway.token.abc', 'chat'])), 'chat');
    assert.equal(selectProtocol(new Set(['sockway.token.abc'])), false);
  });

  test('originMatcher: exact, wildcard, null, any; malformed entries throw', () => {
    const allowed = originMatcher(['https://app.example.com', 'https://*.example.org', 'http://localhost:5173']);
    assert.equal(allowed('https://app.example.com'), true);
    assert.equal(allowed('https://APP.example.com:443'), true);
    assert.equal(allowed('http://app.example.com'), false);
    assert.equal(allowed('https://app.example.com.evil.net'), false);
    assert.equal(allowed('https://a.b.example.org'), true);
    assert.equal(allowed('https://example.org'), false);
    assert.equal(allowed('https://evilexample.org'), false);
    assert.equal(allowed('http://localhost:5173'), true);
    assert.equal(allowed('http://localhost:5174'), false);
    assert.equal(allowed('null'), false);
    assert.equal(allowed('garbage'), false);
    assert.equal(allowed(undefined), true, 'not a browser: the token decides');
    assert.equal(originMatcher(['null'])('null'), true);
    assert.equal(originMatcher(['*'])('https://anything.example'), true);
    assert.equal(originMatcher(undefined)('https://anything.example'), true);
    assert.throws(() => originMatcher(['https://app.example.com/path']), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => originMatcher(['app.example.com']), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('gateway with tokenSecret', () => {
  const protocolsFor = (token: string): string[] => ['sockway', `sockway.token.${token}`];

  test('no token: GOAWAY SOCKWAY_ERR_UNAUTHORIZED before WELCOME, close 1008', T, async (t) => {
    const { url, logs, gateway } = await startGateway(t, { allow: ['*:*'], tokenSecret: SECRET });
    const c = attemptClient(t, url);
    assert.equal(await c.ready, false);
    const error = await c.closeError;
    assert.equal(error?.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    assert.equal(error?.message, 'no token');
    assert.equal((await c.closed).code, 1008);
    const refused = logs.find((entry) => entry.event === 'session-refused');
    assert.equal(refused?.['code'], 'SOCKWAY_ERR_UNAUTHORIZED');
    assert.equal(refused?.['clientAddress'], '127.0.0.1');
    await until(() => gateway.sessions === 0, 'no session');
  });

  const wrong: readonly [title: string, token: () => string, message: RegExp][] = [
    ['expired', () => issueToken({ secret: SECRET, expiresIn: 1, now: Date.now() - 5_000 }), /expired/],
    ['forged signature', () => issueToken({ secret: OTHER_SECRET }), /signature is invalid/],
    ['wrong audience', () => issueToken({ secret: SECRET, audience: 'some-other-gateway' }), /audience/],
    ['tampered payload', () => tamper(issueToken({ secret: SECRET, connect: ['localhost:1'] }), (claims) => { claims['connect'] = ['*:*']; }), /signature is invalid/],
    ['malformed', () => 'sockway1.not-a-token', /not a sockway1 token/],
  ];
  for (const [title, make, message] of wrong) {
    test(`${title} token: refused with SOCKWAY_ERR_UNAUTHORIZED, never logged`, T, async (t) => {
      const { url, logs } = await startGateway(t, { allow: ['*:*'], tokenSecret: SECRET });
      const token = make();
      const c = attemptClient(t, url, { protocols: protocolsFor(token) });
      assert.equal(await c.ready, false);
      const error = await c.closeError;
      assert.equal(error?.code, 'SOCKWAY_ERR_UNAUTHORIZED');
      assert.match(error?.message ?? '', message);
      assert.ok(!JSON.stringify(logs).includes(token.split('.')[1] ?? token), 'the token is not in the logs');
    });
  }

  test('a valid token: scope is the intersection of the gateway\'s rules and the token\'s', T, async (t) => {
    const target = await startTarget(t);
    const other = await startTarget(t);
    const { url, logs } = await startGateway(t, { allow: ['127.0.0.1:*', 'localhost:*'], tokenSecret: SECRET });
    const token = issueToken({ secret: SECRET, subject: 'user-7', connect: [`127.0.0.1:${target.port}`, '10.0.0.0/8:*'] });
    const c = attemptClient(t, url, { protocols: protocolsFor(token) });
    assert.equal(await c.ready, true);
    assert.equal(c.ws.protocol, 'sockway', 'the selected subprotocol is never the token');
    const allowed = open(c, '127.0.0.1', target.port);
    await allowed.opened.promise;
    // Scope exceeded: the gateway allows it, the token does not.
    const notGranted = await open(c, '127.0.0.1', other.port).reset.promise;
    assert.equal(notGranted.code, 'SOCKWAY_ERR_DENIED');
    // The token allows it, the gateway does not.
    const notAllowed = await open(c, '10.1.2.3', 5432).reset.promise;
    assert.equal(notAllowed.code, 'SOCKWAY_ERR_DENIED');
    const reasons = logs.filter((entry) => entry.event === 'stream-denied').map((entry) => String(entry['reason']));
    assert.match(reasons[0] ?? '', /^session policy: /);
    assert.match(reasons[1] ?? '', /^gateway policy: /);
    assert.equal(logs.find((entry) => entry.event === 'session-open')?.['subject'], 'user-7');
    assert.equal(other.sockets.length, 0);
    assert.ok(!JSON.stringify(logs).includes(token.split('.')[2] ?? token), 'the token is not in the logs');
  });

  test('a token in the query string works too (and is not logged)', T, async (t) => {
    const target = await startTarget(t);
    const { url, logs } = await startGateway(t, { allow: ['127.0.0.1:*'], tokenSecret: SECRET, tokenAudience: 'gw-q' });
    const token = issueToken({ secret: SECRET, audience: 'gw-q', connect: [`127.0.0.1:${target.port}`] });
    const c = attemptClient(t, `${url}?token=${token}`);
    assert.equal(await c.ready, true);
    await open(c, '127.0.0.1', target.port).opened.promise;
    assert.ok(!JSON.stringify(logs).includes(token.slice(9, 40)));
  });

  test('createTunnel({ token }) carries the token; a function is asked again on reconnect', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], tokenSecret: SECRET });
    let issued = 0;
    const tunnel = createTunnel({
      url,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      token: () => {
        issued += 1;
        return issueToken({ secret: SECRET, connect: [`127.0.0.1:${target.port}`] });
      },
    });
    t.after(() => tunnel.close());
    const socket = tunnel.net.connect(target.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.resume();
    socket.end('x');
    await once(socket, 'close');
    assert.equal(issued, 1);
    const denied = tunnel.net.connect(target.port + 1 > 65_535 ? 1 : target.port + 1, '127.0.0.1');
    const [error] = await once(denied, 'error') as [Error & { code: string }];
    assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
    // A new WebSocket after the old one closed asks for a new token.
    tunnel.close();
    const again = tunnel.net.connect(target.port, '127.0.0.1');
    again.on('error', () => {});
    await once(again, 'connect');
    assert.equal(issued, 2);
    again.destroy();
  });

  test('without a token the tunnel fails with SOCKWAY_ERR_UNAUTHORIZED on the socket', T, async (t) => {
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], tokenSecret: SECRET });
    const tunnel = createTunnel({ url, WebSocket: WebSocket as unknown as WebSocketConstructor });
    t.after(() => tunnel.close());
    const socket = tunnel.net.connect(1, '127.0.0.1');
    const [error] = await once(socket, 'error') as [Error & { code: string }];
    assert.equal(error.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    assert.match(error.message, /no token/);
  });
});

describe('gateway with an authenticate hook', () => {
  test('async accept with a per-session policy; the hook sees the request, address, Origin and credential', T, async (t) => {
    const target = await startTarget(t);
    const seen: { token: string | undefined; clientAddress: string; origin: string | undefined; cookie: string | undefined }[] = [];
    const { url } = await startGateway(t, {
      allow: ['127.0.0.1:*'],
      authenticate: async ({ request, clientAddress, origin, token }) => {
        seen.push({ token, clientAddress, origin, cookie: (request as http.IncomingMessage).headers.cookie });
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { accept: true, policy: { allow: [`127.0.0.1:${target.port}`] }, subject: 'cookie-user' };
      },
    });
    const c = attemptClient(t, url, { protocols: ['sockway', 'sockway.token.opaque-credential'], headers: { origin: 'https://app.example', cookie: 'sid=1' } });
    assert.equal(await c.ready, true);
    assert.deepEqual(seen, [{ token: 'opaque-credential', clientAddress: '127.0.0.1', origin: 'https://app.example', cookie: 'sid=1' }]);
    await open(c, '127.0.0.1', target.port).opened.promise;
    assert.equal((await open(c, '127.0.0.1', 1).reset.promise).code, 'SOCKWAY_ERR_DENIED');
  });

  test('reject with a reason; a throwing hook refuses without saying why', T, async (t) => {
    let mode: 'reject' | 'throw' = 'reject';
    const { url, logs } = await startGateway(t, {
      allow: ['*:*'],
      authenticate: () => {
        if (mode === 'throw') throw new Error('database down: secret detail');
        return { accept: false, reason: 'log in first' };
      },
    });
    const a = attemptClient(t, url);
    assert.equal((await a.closeError)?.message, 'log in first');
    mode = 'throw';
    const b = attemptClient(t, url);
    const error = await b.closeError;
    assert.equal(error?.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    assert.equal(error?.message, 'authentication failed');
    assert.ok(logs.some((entry) => entry.event === 'authenticate-error' && /database down/.test(String(entry['error']))));
  });

  test('expiry: no new streams after expiresAt; open ones finish; then the session closes', T, async (t) => {
    const target = await startTarget(t);
    const { url } = await startGateway(t, {
      allow: ['127.0.0.1:*'],
      authenticate: () => ({ accept: true, expiresAt: Date.now() + 300 }),
    });
    const c = attemptClient(t, url);
    assert.equal(await c.ready, true);
    const early = open(c, '127.0.0.1', target.port);
    await early.opened.promise;
    await new Promise((resolve) => setTimeout(resolve, 350));
    const late = await open(c, '127.0.0.1', target.port).reset.promise;
    assert.equal(late.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    early.stream.write(Buffer.from('still works'));
    await until(() => early.byteCount === 11, 'the echo on the older stream');
    early.stream.end();
    const error = await c.closeError;
    assert.equal(error?.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    assert.match(error?.message ?? '', /expired/);
  });

  test('authenticate and tokenSecret together are refused, and so is a weak secret', () => {
    assert.throws(() => createGateway({ allow: [], authenticate: () => ({ accept: true }), tokenSecret: SECRET }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => createGateway({ allow: [], tokenSecret: 'short' }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => createGateway({ allow: [], allowOrigins: ['not an origin'] }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => createGateway({ allow: [], trustProxy: -1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('Origin allowlist', () => {
  test('a page from another origin gets HTTP 403; allowed and absent origins pass', T, async (t) => {
    const { url, logs } = await startGateway(t, { allow: ['*:*'], allowOrigins: ['https://app.example.com', 'https://*.example.org'] });
    const evil = new WebSocket(url, { headers: { origin: 'https://evil.example' } });
    evil.on('error', () => {});
    const [, response] = await once(evil, 'unexpected-response') as [unknown, http.IncomingMessage];
    assert.equal(response.statusCode, 403);
    evil.terminate();
    assert.equal(logs.find((entry) => entry.event === 'session-refused')?.['code'], 'ORIGIN');
    for (const origin of ['https://app.example.com', 'https://x.example.org']) {
      const c = attemptClient(t, url, { headers: { origin } });
      assert.equal(await c.ready, true, origin);
    }
    assert.equal(await attemptClient(t, url).ready, true, 'no Origin: not a browser');
  });
});
