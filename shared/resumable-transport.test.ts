/**
 * The resumption layer on its own (PROTOCOL.md#resume): two ResumableTransports over the
 * in-memory pair, each under a stand-in for the session that sends frames and records
 * what arrives. Numbering, ACKs, detaching, RESUME / WELCOME / ACK, the replay, version 1
 * passing through, the nothing-to-resume rule and the replay cap, without a Session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type WireError, SockwayErrorCode } from './errors.ts';
import { type Frame, decodeFrame, encodeFrame } from './frame.ts';
import { DEFAULT_LIMITS } from './protocol.ts';
import { RESUME_REFUSED, ResumableTransport } from './resumable-transport.ts';
import { createTransportPair, type TransportPair } from './testing/transport-pair.ts';
import type { MessageTransport, Timers, TransportCloseInfo } from './transport.ts';


/** Timers that fire only when the test says so: ACK_DELAY_MS passes on fire(). */
function manualTimers(): Timers & { fire(): void; fireNextTurn(): void } {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const fireWhere = (due: (ms: number) => boolean): void => {
    for (const [handle, timer] of [...pending]) {
      if (!due(timer.ms)) continue;
      pending.delete(handle);
      timer.fn();
    }
  };
  return {
    setTimeout: (fn, ms) => {
      pending.set(++next, { fn, ms });
      return next;
    },
    clearTimeout: (handle) => {
      pending.delete(handle as number);
    },
    now: () => 0,
    fire: () => fireWhere(() => true),
    /** Only the zero-delay timers: what the next turn of the event loop runs, no time passing. */
    fireNextTurn: () => fireWhere((ms) => ms === 0),
  };
}

const SESSION_ID = new Uint8Array(16).fill(7);
const TOKEN = new Uint8Array(16).fill(9);

interface EndOptions {
  readonly maxReplayBytes?: number;
  readonly timers?: Timers;
}

/** The session's part, reduced to what the layer sees: frames down, messages and events up. */
class End {
  readonly transport: ResumableTransport;
  readonly received: Frame[] = [];
  readonly events: string[] = [];
  readonly failures: WireError[] = [];
  closeInfo: TransportCloseInfo | null = null;
  /** A live stream (holdsState / isIdle). */
  streams = 1;
  /** mayContinue(): false once the session closes or goes away. */
  live = true;

  constructor(role: 'client' | 'gateway', inner: MessageTransport, options: EndOptions = {}) {
    let tokens = 0;
    this.transport = new ResumableTransport(inner, {
      role,
      // Unless a test fires them, ACK_DELAY_MS never passes: nothing here races a timer.
      timers: options.timers ?? manualTimers(),
      sendHighWater: 1024 * 1024,
      randomBytes: (length) => new Uint8Array(length).fill(++tokens + 100),
      ...(options.maxReplayBytes === undefined ? {} : { maxReplayBytes: options.maxReplayBytes }),
      host: {
        mayContinue: () => this.live,
        holdsState: () => this.streams > 0,
        isIdle: () => this.streams === 0,
        sendControl: (frame) => this.send(frame),
        fail: (error) => {
          this.failures.push(error);
          this.live = false;
          this.transport.close(1002, error.message);
        },
        onDetach: (info) => this.events.push(`detach ${info.code}`),
        onResume: () => this.events.push('resume'),
      },
    });
    this.transport.attach({
      onOpen: () => this.events.push('open'),
      onMessage: (message) => this.received.push(decodeFrame(message)),
      onClose: (info) => {
        this.closeInfo = info;
      },
      onDrain: () => this.events.push('drain'),
    });
  }

  send(frame: Frame): void {
    this.transport.send(encodeFrame(frame));
  }

  /** Payloads of the DATA frames received, as numbers (each test DATA carries its index). */
  data(): number[] {
    return this.received.filter((f) => f.type === 'data').map((f) => (f.type === 'data' ? (f.data[0] as number) : -1));
  }
}

const data = (index: number): Frame => ({ type: 'data', streamId: 1, data: new Uint8Array([index, 0, 0, 0]) });

/** A client and a gateway end after HELLO / WELCOME with `version`. */
async function handshake(version = 2, options: EndOptions = {}): Promise<{ pair: TransportPair; client: End; gateway: End }> {
  const pair = createTransportPair();
  const client = new End('client', pair.a, options);
  const gateway = new End('gateway', pair.b, options);
  client.send({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: 2, limits: DEFAULT_LIMITS });
  gateway.send({ type: 'welcome', streamId: 0, version, limits: DEFAULT_LIMITS, sessionId: SESSION_ID, resumeToken: TOKEN });
  await until(() => client.received.some((f) => f.type === 'welcome'));
  return { pair, client, gateway };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition never became true');
}

/** The gateway's side of a new connection: RESUME goes to `target` (the registry's job). */
function acceptResume(transport: MessageTransport, target: End, refusals: WireError[] = []): void {
  transport.attach({
    onOpen() {},
    onMessage(message) {
      const frame = decodeFrame(message);
      if (frame.type !== 'resume') throw new Error(`expected RESUME, got ${frame.type}`);
      const refused = target.transport.resumeWith(transport, frame);
      if (refused !== null) refusals.push(refused);
    },
    onClose() {},
    onDrain() {},
  });
}

test('reliable frames are numbered and kept until ACKed; session frames are not', async () => {
  const clock = manualTimers();
  const { pair, client, gateway } = await handshake(2, { timers: clock });
  for (let i = 0; i < 5; i++) client.send(data(i));
  client.send({ type: 'ping', streamId: 0, payload: new Uint8Array(8) });
  assert.equal(client.transport.stats().framesSent, 5, 'HELLO and PING are not counted');
  assert.equal(client.transport.stats().replayFrames, 5);
  await until(() => gateway.data().length === 5);
  await until(() => pair.pending === 0);
  assert.equal(client.transport.stats().replayFrames, 5, 'fewer than ACK_FRAMES: the ACK waits for ACK_DELAY_MS');
  clock.fire();
  await until(() => client.transport.stats().replayFrames === 0);
  assert.equal(gateway.transport.stats().framesReceived, 5);
  assert.equal(client.transport.stats().replayBytes, 0);
  assert.ok(client.received.some((f) => f.type === 'ack'), 'the ACK reaches the session too (version 1 ignores it)');
});

test('ACK on the next turn when no stream is left (nothing to resume soon), at once after ACK_FRAMES frames', async () => {
  const clock = manualTimers(); // only next-turn timers fire: no ACK here waits for the delay
  const { client, gateway } = await handshake(2, { timers: clock });
  gateway.streams = 0;
  client.send(data(1));
  await until(() => {
    clock.fireNextTurn();
    return client.transport.stats().replayFrames === 0;
  });
  gateway.streams = 1;
  for (let i = 0; i < 32; i++) client.send(data(i));
  await until(() => client.transport.stats().replayFrames === 0);
  assert.equal(gateway.transport.stats().framesReceived, 33);
});

test('a drop detaches both ends; RESUME, WELCOME, ACK and the replay deliver every frame once, in order', async () => {
  const { pair, client, gateway } = await handshake(2, {});
  // Gateway frames still in flight when the link dies are lost with it.
  for (let i = 0; i < 3; i++) gateway.send(data(i));
  for (let i = 0; i < 3; i++) client.send(data(i));
  pair.drop();
  assert.deepEqual(client.events, ['detach 1006']);
  assert.deepEqual(gateway.events, ['detach 1006']);
  assert.equal(client.transport.detached, true);
  assert.equal(client.transport.isOpen, false);
  assert.equal(client.closeInfo, null, 'the session above sees no close');
  // Written while detached: kept, sent by the replay.
  client.send(data(3));

  const next = createTransportPair();
  acceptResume(next.b, gateway);
  assert.equal(client.transport.resume(next.a), true);
  assert.equal(client.transport.resume(next.a), false, 'one resume at a time');
  await until(() => client.events.includes('resume') && gateway.events.includes('resume'));
  await until(() => client.data().length === 3 && gateway.data().length === 4);
  assert.deepEqual(client.data(), [0, 1, 2]);
  assert.deepEqual(gateway.data(), [0, 1, 2, 3]);
  assert.deepEqual(next.frames().slice(0, 3), ['a>resume#0', 'b>welcome#0', 'b>ack#0']);
  assert.equal(client.transport.detached, false);
  assert.equal(client.transport.isOpen, true);
  assert.ok(client.events.includes('drain'), 'the session is told it may send again');
  assert.equal(client.transport.stats().resumes, 1);
  // The new token came with the resume's WELCOME; the client's ACK tells the gateway so.
  const welcome = next.tap.find((t) => t.frame.type === 'welcome')?.frame;
  assert.ok(welcome?.type === 'welcome' && welcome.resumeToken[0] !== TOKEN[0]);
  assert.equal(client.received.filter((f) => f.type === 'welcome').length, 1, 'the resume WELCOME is the layer\'s, not the session\'s');
});

test('a RESUME with a wrong token is refused with the one answer; a count outside the buffer fails the session', async () => {
  const { pair, gateway } = await handshake();
  gateway.send(data(0));
  pair.drop();
  const wrong = createTransportPair();
  const refusals: WireError[] = [];
  acceptResume(wrong.b, gateway, refusals);
  wrong.a.send(encodeFrame({ type: 'resume', streamId: 0, sessionId: SESSION_ID, resumeToken: new Uint8Array(16), received: 0 }));
  await until(() => refusals.length === 1);
  assert.equal(refusals[0]?.code, SockwayErrorCode.ResumeFailed);
  assert.equal(refusals[0]?.message, RESUME_REFUSED);
  assert.equal(gateway.transport.detached, true, 'a wrong token does not end the session');

  const ahead = createTransportPair();
  acceptResume(ahead.b, gateway, refusals);
  ahead.a.send(encodeFrame({ type: 'resume', streamId: 0, sessionId: SESSION_ID, resumeToken: TOKEN, received: 5 }));
  await until(() => refusals.length === 2);
  assert.match(refusals[1]?.message ?? '', /the client has 5 frames; the gateway can replay after 0 up to 1/);
  assert.equal(gateway.failures.length, 1, 'it cannot be resumed any more');
  assert.equal(gateway.closeInfo?.code, 1002, 'a detached session ends at once on close');
});

test('version 1: everything passes through, nothing is kept, a drop is the end', async () => {
  const { pair, client, gateway } = await handshake(1);
  client.send(data(0));
  assert.equal(client.transport.stats().framesSent, 0, 'the frames kept before WELCOME were released');
  await until(() => gateway.data().length === 1);
  pair.drop();
  assert.deepEqual(client.events, []);
  assert.equal(client.closeInfo?.code, 1006);
  assert.equal(gateway.closeInfo?.code, 1006);
});

test('nothing to resume: no stream and everything acknowledged, a drop ends the session', async () => {
  const clock = manualTimers();
  const { pair, client, gateway } = await handshake(2, { timers: clock });
  client.streams = 0;
  gateway.streams = 0;
  client.send(data(0)); // the last frame of the last stream: ACKed on the next turn
  await until(() => {
    clock.fireNextTurn();
    return client.transport.stats().replayFrames === 0;
  });
  pair.drop();
  assert.deepEqual(client.events, []);
  assert.equal(client.closeInfo?.code, 1006);
  assert.equal(gateway.closeInfo?.code, 1006);
});

test('unacknowledged frames alone are worth resuming', async () => {
  const { pair, client } = await handshake();
  client.streams = 0;
  client.send(data(0));
  pair.drop();
  assert.deepEqual(client.events, ['detach 1006']);
});

test('a session going away or closing does not detach', async () => {
  const { pair, client } = await handshake();
  client.send(data(0));
  client.live = false;
  pair.drop();
  assert.deepEqual(client.events, []);
  assert.equal(client.closeInfo?.code, 1006);
});

test('abort() detaches at once when there is something to resume', async () => {
  const { client } = await handshake();
  client.send(data(0));
  client.transport.abort('no PONG');
  assert.deepEqual(client.events, ['detach 1006']);
  assert.equal(client.transport.isOpen, false);
});

test('DATA waits while half the replay cap is unacknowledged; the ACK that frees it drains the session', async () => {
  const clock = manualTimers();
  const { pair, client } = await handshake(2, { maxReplayBytes: 4096, timers: clock });
  const big = (index: number): Frame => ({ type: 'data', streamId: 1, data: new Uint8Array(1024).fill(index) });
  client.send(big(0));
  assert.ok(client.transport.bufferedAmount < 1024 * 1024, 'below half the cap: the transport\'s own buffer');
  client.send(big(1));
  assert.ok(client.transport.bufferedAmount >= 1024 * 1024, 'half the cap unacknowledged: the session sees a full buffer');
  client.transport.requestDrain();
  await until(() => pair.pending === 0);
  assert.ok(!client.events.includes('drain'), 'no drain before the ACK');
  clock.fire(); // the gateway's ACK_DELAY_MS passes
  await until(() => client.events.includes('drain'));
  assert.equal(client.transport.stats().replayFrames, 0);
  assert.ok(client.transport.bufferedAmount < 1024 * 1024);
});

test('past the hard cap the session fails (SOCKWAY_ERR_LIMIT)', async () => {
  const { client } = await handshake(2, { maxReplayBytes: 1024 });
  client.send({ type: 'data', streamId: 1, data: new Uint8Array(2048) });
  assert.equal(client.failures[0]?.code, SockwayErrorCode.Limit);
  assert.match(client.failures[0]?.message ?? '', /replay buffer over its cap of 1024 bytes/);
});

test('an ACK for frames never sent fails the session (SOCKWAY_ERR_PROTOCOL)', async () => {
  const { client, gateway } = await handshake();
  gateway.send({ type: 'ack', streamId: 0, received: 3 });
  await until(() => client.failures.length === 1);
  assert.equal(client.failures[0]?.code, SockwayErrorCode.Protocol);
  assert.equal(client.failures[0]?.message, 'ACK of 3 frames, but only 0 were sent');
});

test('while resuming, anything but WELCOME then ACK (or GOAWAY) fails the session', async () => {
  const { pair, client } = await handshake();
  client.send(data(0));
  pair.drop();
  const next = createTransportPair();
  next.b.attach({ onOpen() {}, onMessage() {}, onClose() {}, onDrain() {} });
  client.transport.resume(next.a);
  next.b.send(encodeFrame({ type: 'ack', streamId: 0, received: 0 }));
  await until(() => client.failures.length === 1);
  assert.equal(client.failures[0]?.message, 'ACK while resuming');
});

test('a resume that gets no WELCOME and ACK within the handshake timeout drops that transport and detaches again', async () => {
  const timers = manualTimers();
  const { pair, client } = await handshake(2, { timers });
  client.send(data(0));
  pair.drop();
  await until(() => client.events.includes(`detach ${1006}`));

  // The new WebSocket opens but its far end never answers RESUME (a gateway that stalls).
  const silent = createTransportPair();
  let silentClosed = false;
  silent.b.attach({ onOpen() {}, onMessage() {}, onClose: () => { silentClosed = true; }, onDrain() {} });
  assert.equal(client.transport.resume(silent.a), true);
  timers.fire();
  await until(() => silentClosed);
  assert.deepEqual(client.events.filter((event) => event.startsWith('detach')), ['detach 1006', 'detach 1006']);
  assert.equal(client.transport.detached, true);
  assert.deepEqual(client.failures, []);

  // A WebSocket that never opens is bounded the same way.
  const neverOpens = createTransportPair({ startOpen: false });
  assert.equal(client.transport.resume(neverOpens.a), true);
  timers.fire();
  assert.equal(client.events.filter((event) => event.startsWith('detach')).length, 3);
  assert.equal(client.transport.resume(createTransportPair().a), true, 'the session still waits for a transport');
});

test('the handshake timer stops once the resume completes', async () => {
  const timers = manualTimers();
  const { pair, client, gateway } = await handshake(2, { timers });
  client.send(data(0));
  pair.drop();
  await until(() => client.transport.detached && gateway.transport.detached);
  const next = createTransportPair();
  acceptResume(next.b, gateway);
  client.transport.resume(next.a);
  await until(() => client.events.includes('resume'));
  timers.fire();
  await until(() => gateway.data().length === 1);
  assert.equal(client.transport.detached, false);
  assert.equal(client.events.filter((event) => event.startsWith('detach')).length, 1);
});
