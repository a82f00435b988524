/**
 * Fair session admission (eviction.ts). The attack (issue 12, finding 6): 1,100 idle
 * sessions from 35 addresses filled maxSessions, and every other client was refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pickEviction } from './eviction.ts';
import { encodeFrame } from '../shared/frame.ts';
import { type AttemptedClient, HELLO, attemptClient, open, openFrame, rawSocket, startGateway, startTarget, until } from './testing/harness.ts';

const T = { timeout: 20_000 };

describe('pickEviction', () => {
  const s = (clientKey: string, idleSince: number, evictable = true) => ({ clientKey, idleSince, evictable });

  test('the biggest holder gives up its longest-idle session without streams', () => {
    const sessions = [s('a', 30), s('a', 10, false), s('a', 20), s('b', 5), s('b', 1)];
    assert.equal(pickEviction(sessions, 0), sessions[2]);
  });

  test('only holders of at least two more than the newcomer give one up (no ping-pong)', () => {
    const sessions = [s('a', 1), s('a', 2), s('b', 3)];
    assert.equal(pickEviction(sessions, 0), sessions[0]);
    assert.equal(pickEviction(sessions, 1), undefined, 'a would then hold as many as the newcomer had: no gain in fairness');
  });

  test('a biggest holder with nothing evictable: the next holder with room to give', () => {
    const sessions = [s('a', 1, false), s('a', 2, false), s('a', 3, false), s('b', 9), s('b', 8), s('c', 0)];
    assert.equal(pickEviction(sessions, 0), sessions[4]);
  });

  test('nothing evictable: undefined', () => {
    assert.equal(pickEviction([s('a', 1, false), s('a', 2, false)], 0), undefined);
    assert.equal(pickEviction([], 0), undefined);
  });
});

describe('fair admission at maxSessions', () => {
  const from = (address: string): { headers: Record<string, string> } => ({ headers: { 'x-forwarded-for': address } });

  test('idle sessions of a few clients fill maxSessions: a new client gets in, the biggest holder\'s longest-idle session is closed', T, async (t) => {
    const echo = await startTarget(t);
    const { url, gateway, logs } = await startGateway(t, { allow: ['127.0.0.1:*'], maxSessions: 4, trustProxy: 1, keepaliveInterval: 0 });
    const hogs: AttemptedClient[] = [];
    for (let i = 0; i < 3; i += 1) {
      const c = attemptClient(t, url, from('203.0.113.1'));
      assert.equal(await c.ready, true);
      hogs.push(c);
    }
    // The oldest hog session carries a stream: it is not evictable.
    const busy = open(hogs[0] as AttemptedClient, '127.0.0.1', echo.port);
    await busy.opened.promise;
    const other = attemptClient(t, url, from('203.0.113.2'));
    assert.equal(await other.ready, true);
    assert.equal(gateway.sessions, 4);

    // The biggest holder itself is not let in at the expense of others.
    const more = attemptClient(t, url, from('203.0.113.1'));
    assert.equal((await more.closeError)?.code, 'SOCKWAY_ERR_LIMIT');

    const newcomer = attemptClient(t, url, from('203.0.113.3'));
    assert.equal(await newcomer.ready, true, 'the new client is admitted');
    const evicted = await hogs[1]?.closeError;
    assert.equal(evicted?.code, 'SOCKWAY_ERR_IDLE_TIMEOUT', 'the longest-idle session without streams');
    assert.match(evicted?.message ?? '', /maximum of 4 sessions/);
    assert.ok(logs.some((entry) => entry.event === 'session-evicted'));
    assert.equal(hogs[0]?.session.state, 'open', 'the session with a stream stays');
    assert.equal(hogs[2]?.session.state, 'open');
    await until(() => gateway.sessions === 4, 'the evicted session to be gone');
  });

  test('nothing evictable (every session of the biggest holder has a stream): the new session is refused', T, async (t) => {
    const echo = await startTarget(t);
    const { url } = await startGateway(t, { allow: ['127.0.0.1:*'], maxSessions: 2, trustProxy: 1, keepaliveInterval: 0 });
    for (let i = 0; i < 2; i += 1) {
      const c = attemptClient(t, url, from('203.0.113.1'));
      assert.equal(await c.ready, true);
      await open(c, '127.0.0.1', echo.port).opened.promise;
    }
    const newcomer = attemptClient(t, url, from('203.0.113.3'));
    assert.equal((await newcomer.closeError)?.code, 'SOCKWAY_ERR_LIMIT');
  });

  test('sessions waiting to resume are evictable too (they count against maxSessions at HELLO)', T, async (t) => {
    // The destination ends each connection at once: a stream that is over, whose last frames
    // (OPENED, END) the client has not acknowledged yet, so its session waits to be resumed.
    const closing = await startTarget(t, (socket) => socket.end());
    const { url, gateway } = await startGateway(t, { allow: ['127.0.0.1:*'], maxSessions: 2, trustProxy: 1, keepaliveInterval: 0, resumeGracePeriod: 60_000 });
    // Both from 127.0.0.1 (no X-Forwarded-For), raw: they never ACK.
    for (let i = 0; i < 2; i += 1) {
      const raw = await rawSocket(t, url);
      raw.ws.send(HELLO);
      raw.ws.send(openFrame(1, '127.0.0.1', closing.port));
      await until(() => raw.frames().some((frame) => frame.type === 'end'), 'the destination\'s END');
      raw.ws.send(encodeFrame({ type: 'end', streamId: 1 }));
      await until(() => gateway.stats().streams.length === 0 && gateway.stats().tcpSockets === 0, 'the stream to be over');
      raw.ws.terminate();
    }
    await until(() => gateway.stats().detachedSessions === 2, 'both sessions to detach');
    const newcomer = attemptClient(t, url, from('203.0.113.3'));
    assert.equal(await newcomer.ready, true);
    assert.equal(gateway.stats().detachedSessions, 1);
  });
});
