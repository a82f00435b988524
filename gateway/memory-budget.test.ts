/**
 * The gateway's memory budget (memory-budget.ts): one byte budget for what all sessions
 * make the gateway hold towards pages (stream queues plus frames kept for replay until
 * ACKed), with backpressure, and a reserved share per session so that sessions that
 * never acknowledge stall themselves only.
 *
 * The attack (issue 12, finding 6): sessions announce a 2 GiB−1 receive window on every
 * stream and never ACK; each made the gateway keep up to half its 64 MiB replay cap plus
 * 192 KiB per stream (32 × 256 streams: RSS 65 → 2,075 MiB).
 */
import assert from 'node:assert/strict';
import type * as net from 'node:net';
import { describe, test } from 'node:test';
import { wireError } from '../shared/errors.ts';
import { encodeFrame } from '../shared/frame.ts';
import { DEFAULT_LIMITS, MAX_FRAME_LENGTH, PROTOCOL_VERSION } from '../shared/protocol.ts';
import type { GatewayStats } from './gateway.ts';
import { MemoryBudget } from './memory-budget.ts';
import { assertEchoes, client, open, openFrame, rawSocket, startGateway, startTarget, until } from './testing/harness.ts';

const T = { timeout: 30_000 };
const KiB = 1024;
const MiB = 1024 * KiB;

/** HELLO announcing the largest receive window the protocol allows, resumable (version 2). */
const GREEDY_HELLO = encodeFrame({
  type: 'hello', streamId: 0, minVersion: 1, maxVersion: PROTOCOL_VERSION, limits: { ...DEFAULT_LIMITS, streamWindow: 0x7fff_ffff },
});

/** A destination that sends as fast as the gateway reads. */
function pump(socket: net.Socket): void {
  const chunk = Buffer.alloc(64 * KiB, 0x61);
  const write = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', write);
  write();
}

/** What the gateway holds towards pages, from the counters that existed before the budget. */
function heldTowardsPages(stats: GatewayStats): number {
  return stats.replayBytes + stats.streams.reduce((sum, stream) => sum + stream.queuedBytes, 0);
}

describe('MemoryBudget', () => {
  test('a session within its reserved share always has room; beyond it, only while the budget has', () => {
    const budget = new MemoryBudget({ limit: 1000, reserve: 100 });
    const a = budget.account();
    const b = budget.account();
    assert.equal(budget.charged, 200, 'each account is charged its reserve from the start');
    a.adjust(700);
    assert.equal(budget.held, 700);
    assert.equal(budget.charged, 800);
    assert.equal(a.hasRoom, true);
    a.adjust(200);
    assert.equal(budget.charged, 1000);
    assert.equal(a.hasRoom, false, 'the budget is used up');
    b.adjust(99);
    assert.equal(b.hasRoom, true, 'b still has its own reserve');
    b.adjust(1);
    assert.equal(b.hasRoom, false);
    assert.equal(budget.charged, 1000, 'bytes within a reserve cost the budget nothing more');
    a.adjust(-300);
    assert.equal(a.hasRoom, true);
    a.close();
    assert.equal(budget.held, 100);
    assert.equal(budget.charged, 100);
  });

  test('waiters are woken (asynchronously, once) when room comes back', async () => {
    const budget = new MemoryBudget({ limit: 300, reserve: 100 });
    const a = budget.account();
    const b = budget.account();
    a.adjust(200);
    b.adjust(150);
    assert.equal(b.hasRoom, false);
    let woken = 0;
    b.waitForRoom(() => {
      woken += 1;
    });
    b.waitForRoom(() => {
      woken += 1;
    });
    a.adjust(-10);
    assert.equal(woken, 0, 'not from inside adjust()');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, 0, 'still no room: charged 200 + 150 - 10 > 300');
    a.adjust(-100);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, 1, 'one wake per account');
    assert.equal(budget.peak, 350);
  });

  test('a session back within its reserve is woken while the budget stays used up', async () => {
    const budget = new MemoryBudget({ limit: 300, reserve: 100 });
    const hog = budget.account();
    const fair = budget.account();
    hog.adjust(250);
    fair.adjust(120);
    assert.equal(fair.hasRoom, false);
    let woken = false;
    fair.waitForRoom(() => {
      woken = true;
    });
    fair.adjust(-30);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, true);
    assert.equal(budget.hasRoom, false, 'the hog still holds the shared part');
  });

  test('pressure: called when an account must wait, so the owner can free memory', () => {
    let calls = 0;
    const budget = new MemoryBudget({ limit: 300, reserve: 100, onPressure: () => {
      calls += 1;
    } });
    const a = budget.account();
    a.adjust(300);
    a.waitForRoom(() => {});
    assert.equal(calls, 1);
  });

  test('the default is a quarter of the machine\'s memory, at least 64 MiB and at most 256 MiB', () => {
    assert.equal(MemoryBudget.defaultLimit(16 * 1024 * MiB), 256 * MiB);
    assert.equal(MemoryBudget.defaultLimit(512 * MiB), 128 * MiB);
    assert.equal(MemoryBudget.defaultLimit(128 * MiB), 64 * MiB);
  });
});

describe('replay/window attack against a small budget', () => {
  test('sessions that announce 2 GiB windows and never ACK stall themselves; the gateway holds at most its budget, and others are served', T, async (t) => {
    const budget = 4 * MiB;
    const flood = await startTarget(t, pump);
    const echo = await startTarget(t);
    const { url, gateway } = await startGateway(t, { allow: ['127.0.0.1:*'], maxSessions: 8, memoryBudget: budget, keepaliveInterval: 0 });
    const sessions = 2;
    const streams = 8;
    for (let s = 0; s < sessions; s += 1) {
      const raw = await rawSocket(t, url);
      // Reads everything (so the WebSocket never backs up) and keeps nothing.
      raw.ws.removeAllListeners('message');
      raw.ws.send(GREEDY_HELLO);
      for (let i = 0; i < streams; i += 1) raw.ws.send(openFrame(2 * i + 1, '127.0.0.1', flood.port));
    }
    const attacking = (): GatewayStats['streams'] => gateway.stats().streams.filter((stream) => stream.port === flood.port);
    // Every attacking stream ends up with its TCP socket paused: the gateway stopped reading.
    await until(() => {
      const list = attacking();
      return list.length === sessions * streams && list.every((stream) => stream.socketPaused);
    }, 'the gateway to stop reading every attacking socket', 30_000);
    const stats = gateway.stats();
    const held = heldTowardsPages(stats);
    // Past the budget by at most one read per stream (the one that found it used up).
    const slack = sessions * streams * MAX_FRAME_LENGTH;
    assert.ok(held <= budget + slack, `the gateway holds ${held} bytes for pages with a budget of ${budget}`);
    assert.ok(held >= budget / 2, `the attack did fill the budget (${held} bytes)`);
    assert.equal(stats.heldBytes, held, 'stats().heldBytes counts queues and replay');
    assert.ok(stats.heldPeak <= budget + slack, `peak ${stats.heldPeak}`);
    assert.equal(stats.memoryBudget, budget);

    // Another client is served: echo, and a download bigger than its reserved share.
    const c = await client(t, url, { resumable: true });
    await assertEchoes(c, echo.port);
    const download = open(c, '127.0.0.1', flood.port);
    await download.bytes(4 * MiB);
    download.stream.reset(wireError({ code: 'ECONNRESET', message: 'enough' }));
  });
});

describe('detached sessions under memory pressure', () => {
  test('a session waiting to resume that holds the budget is ended when a live session needs room (memory-pressure)', T, async (t) => {
    const budget = 4 * MiB;
    const flood = await startTarget(t, pump);
    const { url, gateway, logs } = await startGateway(t, { allow: ['127.0.0.1:*'], maxSessions: 8, memoryBudget: budget, keepaliveInterval: 0 });
    const hog = await rawSocket(t, url);
    hog.ws.removeAllListeners('message');
    hog.ws.send(GREEDY_HELLO);
    for (let i = 0; i < 4; i += 1) hog.ws.send(openFrame(2 * i + 1, '127.0.0.1', flood.port));
    await until(() => gateway.stats().heldBytes >= budget, 'the unacknowledging session to fill the budget', 20_000);
    // Its link drops: the session waits to be resumed, holding what it held.
    hog.ws.terminate();
    await until(() => gateway.stats().detachedSessions === 1, 'the session to detach');

    const live = await rawSocket(t, url);
    live.ws.removeAllListeners('message');
    live.ws.send(GREEDY_HELLO);
    live.ws.send(openFrame(1, '127.0.0.1', flood.port));
    await until(() => logs.some((entry) => entry.event === 'memory-pressure'), 'the gateway to end the detached session', 20_000);
    await until(() => gateway.stats().detachedSessions === 0 && gateway.sessions === 1, 'only the live session left');
    // The live session got the room the detached one held, beyond its own reserve.
    await until(() => gateway.stats().heldBytes >= budget / 2, 'the live session to use the freed budget', 20_000);
    const entry = logs.find((e) => e.event === 'memory-pressure');
    assert.equal(entry?.['action'], 'end-detached');
    assert.ok(logs.some((e) => e.event === 'session-closed' && e['code'] === 'SOCKWAY_ERR_RESUME_FAILED'));
  });
});
