/**
 * The admission module alone (admission.ts): each stream request passes the same checks
 * in the same order, and each refusal is worded in one place (the token-expiry RESET is the
 * same for OPEN, LISTEN and QUERY; the session-limit GOAWAY the same at the upgrade and at
 * HELLO). The gateway-level tests (limits, token, listen, eviction) show the same through
 * real WebSockets.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { SockwayErrorCode, type WireError } from '../shared/errors.ts';
import { Admission, type AdmissionOptions, type Admitted, type AdmittedSession, type Refusal, type RequestingSession, type StreamRequest, expiredError } from './admission.ts';
import { FdBudget } from './fd-budget.ts';
import { type GatewayLimits, TokenBucket } from './limits.ts';
import { createPolicy } from './policy.ts';
import type { GatewayLogEntry } from './gateway-log.ts';

/** Limits spelled out (the defaults' home is the options schema's business). */
const LIMITS: GatewayLimits = {
  maxSessions: 1024,
  maxSessionsPerClient: 32,
  ipv6ClientPrefix: 56,
  maxPendingOpens: 64,
  maxDnsLookups: 512,
  queryTimeout: 10_000,
  maxListeners: 8,
  openRate: 100,
  openBurst: 256,
  pingRate: 10,
  handshakeTimeout: 10_000,
  sessionIdleTimeout: 300_000,
  streamIdleTimeout: 1_800_000,
  maxSessionBufferedBytes: 32 * 1024 * 1024,
  memoryBudget: 256 * 1024 * 1024,
  maxConnections: 1024,
  maxPendingConnectionsPerAddress: 32,
  maxTcpSockets: 4096,
  maxTcpSocketsPerClient: 256,
};

const POLICY = createPolicy({ allow: ['127.0.0.1:*'], listen: { allow: ['127.0.0.1:8000'], deny: [] } });

function admission(overrides: Omit<Partial<AdmissionOptions>, 'limits'> & { limits?: Partial<AdmissionOptions['limits']> } = {}): { admission: Admission; logs: GatewayLogEntry[]; fds: FdBudget } {
  const logs: GatewayLogEntry[] = [];
  const fds = overrides.fds ?? new FdBudget(100, 10);
  return {
    admission: new Admission({
      policy: POLICY,
      authenticate: undefined,
      originAllowed: () => true,
      trustProxy: 0,
      sessions: () => [],
      closing: () => false,
      holdsRoute: () => false,
      log: (entry) => logs.push(entry),
      metrics: { sessionRefused: () => {} },
      ...overrides,
      fds,
      limits: { ...LIMITS, ...overrides.limits },
    }),
    logs,
    fds,
  };
}

function requester(fields: Partial<RequestingSession> = {}): RequestingSession & { expirations: number } {
  const session = {
    clientKey: '127.0.0.1',
    expiresAt: Infinity,
    opens: new TokenBucket(100, 10),
    policy: POLICY,
    listenerCount: 0,
    log: () => {},
    expirations: 0,
    onExpired() {
      session.expirations += 1;
    },
    ...fields,
  };
  return session;
}

const OPEN: StreamRequest = { kind: 'connect', stream: 1, host: '127.0.0.1', port: 5432 };
const LISTEN: StreamRequest = { kind: 'listen', stream: 3, host: '127.0.0.1', port: 8000 };
const QUERY: StreamRequest = { kind: 'query', stream: 5, syscall: 'getaddrinfo' };

function refusal(result: ReturnType<Admission['stream']>): WireError {
  assert.ok(!('release' in result), 'refused');
  return result;
}

describe('admission: stream requests', () => {
  test('an expired token refuses OPEN, LISTEN and QUERY with one message, and tells the session once per request', async () => {
    const { admission: gate } = admission();
    const session = requester({ expiresAt: 0 });
    const errors = [OPEN, LISTEN, QUERY].map((request) => refusal(gate.stream(session, request)));
    assert.deepEqual(errors.map((error) => [error.code, error.syscall]), [
      [SockwayErrorCode.Unauthorized, 'connect'],
      [SockwayErrorCode.Unauthorized, 'listen'],
      // The page's dns module names the query's own syscall.
      [SockwayErrorCode.Unauthorized, ''],
    ]);
    for (const error of errors) assert.equal(error.message, expiredError().message);
    assert.equal(session.expirations, 0, 'not from inside the handler');
    await Promise.resolve();
    assert.equal(session.expirations, 3);
  });

  test('order: shutdown before expiry before the open rate before the listen policy before the TCP socket budget', () => {
    const closing = admission({ closing: () => true }).admission;
    assert.equal(refusal(closing.stream(requester({ expiresAt: 0 }), OPEN)).code, SockwayErrorCode.GoingAway);

    const { admission: gate } = admission({ fds: new FdBudget(0, 0) });
    const empty = new TokenBucket(1, 0);
    assert.equal(refusal(gate.stream(requester({ expiresAt: 0, opens: empty }), OPEN)).code, SockwayErrorCode.Unauthorized);
    const limited = refusal(gate.stream(requester({ opens: empty }), LISTEN));
    assert.deepEqual([limited.code, limited.syscall], [SockwayErrorCode.RateLimit, 'listen']);
    assert.equal(refusal(gate.stream(requester(), { ...LISTEN, port: 9000 })).code, SockwayErrorCode.Denied);
    assert.equal(refusal(gate.stream(requester({ listenerCount: LIMITS.maxListeners }), LISTEN)).code, SockwayErrorCode.Limit);
    const full = refusal(gate.stream(requester(), OPEN));
    assert.deepEqual([full.code, full.message], [SockwayErrorCode.Limit, 'connect SOCKWAY_ERR_LIMIT 127.0.0.1:5432 (this client is at its connection limit)']);
  });

  test('an admitted OPEN or LISTEN holds one TCP socket until released; a QUERY holds none', () => {
    const { admission: gate, fds } = admission();
    const session = requester();
    const open = gate.stream(session, OPEN);
    const listen = gate.stream(session, LISTEN);
    const query = gate.stream(session, QUERY);
    assert.ok('release' in open && 'release' in listen && 'release' in query);
    assert.equal(fds.total, 2);
    open.release();
    listen.release();
    query.release();
    assert.equal(fds.total, 0);
  });

  test('rate: each request takes a token; one over the burst is refused alone, with its own syscall', () => {
    const { admission: gate, logs } = admission();
    const session = requester({ opens: new TokenBucket(0.001, 2), log: (entry) => logs.push(entry) });
    assert.ok('release' in gate.stream(session, QUERY));
    assert.ok('release' in gate.stream(session, OPEN));
    const refused = refusal(gate.stream(session, QUERY));
    assert.deepEqual([refused.code, refused.syscall], [SockwayErrorCode.RateLimit, 'getaddrinfo']);
    assert.deepEqual(logs.map((entry) => [entry.event, entry['what']]), [['rate-limit', 'open']]);
  });
});

function live(id: number, clientKey: string, fields: Partial<AdmittedSession> = {}): AdmittedSession & { ended: WireError[] } {
  const ended: WireError[] = [];
  return { id, clientKey, counted: true, detached: false, idle: true, idleSince: id, ended, end: (error) => ended.push(error), log: () => {}, ...fields };
}

describe('admission: sessions', () => {
  test('HELLO counts handshaken sessions, detached ones too, and words the limit as the upgrade does', () => {
    const sessions = [live(1, 'a', { detached: true }), live(2, 'a'), live(3, 'a', { counted: false })];
    const fresh = live(4, 'a', { counted: false });
    const { admission: gate, logs } = admission({ sessions: () => [...sessions, fresh], limits: { maxSessionsPerClient: 2 } });
    const refused = gate.hello(fresh);
    assert.equal(refused?.error.code, SockwayErrorCode.Limit);
    assert.equal(refused?.error.message, 'too many sessions from this client (limit 2), counting those waiting to resume; close one or try again later');
    assert.equal(refused?.closeCode, 1013);
    assert.deepEqual(logs.map((entry) => [entry.event, entry['session']]), [['session-refused', 4]]);
    assert.equal(admission({ sessions: () => [...sessions, fresh], limits: { maxSessionsPerClient: 3 } }).admission.hello(fresh), null);
  });

  test('HELLO on a full gateway ends the longest-idle session of a bigger holder (fair admission) instead of refusing', () => {
    const big = [live(1, 'big', { idleSince: 30 }), live(2, 'big', { idleSince: 10 }), live(3, 'big', { idle: false, idleSince: 0 })];
    const fresh = live(4, 'small', { counted: false });
    const { admission: gate } = admission({ sessions: () => [...big, fresh], limits: { maxSessions: 3 } });
    assert.equal(gate.hello(fresh), null);
    assert.deepEqual(big.map((session) => session.ended.map((error) => error.code)), [[], [SockwayErrorCode.IdleTimeout], []]);
    assert.match(big[1]?.ended[0]?.message ?? '', /maximum of 3 sessions/);
  });

  test('upgrade: the slot is held until the socket closes, released at once when authentication refuses', async () => {
    const request = (address: string): IncomingMessage => ({ headers: {}, socket: { remoteAddress: address } } as unknown as IncomingMessage);
    let accept = true;
    const { admission: gate } = admission({
      limits: { maxSessions: 1 },
      authenticate: () => (accept ? { accept: true } : { accept: false, reason: 'no' }),
    });
    const upgrade = (address: string, socket = new PassThrough()): Promise<Admitted | Refusal> => new Promise((resolve) => gate.upgrade(request(address), socket, resolve));
    const first = new PassThrough();
    const admitted = await upgrade('10.0.0.1', first);
    assert.ok('policy' in admitted);
    const full = await upgrade('10.0.0.2');
    assert.equal('error' in full && full.error.message, 'the gateway has its maximum of 1 sessions; try again later');
    first.destroy();
    await new Promise((resolve) => first.once('close', resolve));
    accept = false;
    const refused = await upgrade('10.0.0.3');
    assert.equal('error' in refused && refused.error.code, SockwayErrorCode.Unauthorized);
    accept = true;
    assert.ok('policy' in await upgrade('10.0.0.4'), 'the refused upgrade freed its slot');
  });
});
