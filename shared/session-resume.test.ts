/**
 * Session resumption over the in-memory transport pair (PROTOCOL.md#resume): the
 * transport is dropped with frames in flight and a new one takes over; both sides
 * replay what the other missed, so every byte arrives once and in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type WireError, SockwayErrorCode, wireError } from './errors.ts';
import type { ResumeFrame } from './frame.ts';
import { Session, type SessionStream, type StreamHandler } from './session.ts';
import { createTransportPair, type TransportPair } from './testing/transport-pair.ts';
import type { MessageTransport, Timers } from './transport.ts';

const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** Collects a stream's bytes and consumes them at once. */
class Sink implements StreamHandler {
  readonly chunks: Uint8Array[] = [];
  readonly errors: WireError[] = [];
  stream: SessionStream | null = null;
  drained: (() => void) | null = null;
  ended = false;
  onOpened(): void {}
  onData(data: Uint8Array): void {
    this.chunks.push(data.slice());
    this.stream?.consume(data.length);
  }
  onEnd(): void { this.ended = true; }
  onReset(error: WireError): void { this.errors.push(error); }
  onDrain(): void {
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

interface Resumable {
  client: Session;
  gateway: Session;
  pair: TransportPair;
  /** Gateway-side sinks by stream id. */
  accepted: Map<number, Sink>;
  detaches: string[];
  /** Drops the current pair and resumes over a new one (returns once the client asked). */
  reconnect(): void;
  /** A fresh gateway-side session for a new connection, routing RESUME to the registry. */
  acceptConnection(transport: MessageTransport): Session;
}

/** A resumable client/gateway pair plus a one-entry "gateway registry" for RESUME. */
function setup(options: { gatewayResumable?: boolean; maxReplayBytes?: number; window?: number; maxPayload?: number } = {}): Resumable {
  const accepted = new Map<number, Sink>();
  const detaches: string[] = [];
  let pair = createTransportPair();
  const onOpen = (stream: SessionStream): StreamHandler => {
    const sink = new Sink();
    sink.stream = stream;
    accepted.set(stream.id, sink);
    stream.opened({ address: '127.0.0.1', port: 40000, family: 4 }, { address: '127.0.0.1', port: 9, family: 4 });
    return sink;
  };
  const limits = { streamWindow: options.window ?? 64 * 1024, maxPayload: options.maxPayload ?? 16 * 1024 };
  const gateway = new Session({
    role: 'gateway', transport: pair.b, timers, limits, onOpen,
    resumable: options.gatewayResumable ?? true,
    onDetach: () => detaches.push('gateway'),
  });
  const client = new Session({
    role: 'client', transport: pair.a, timers, limits, keepaliveInterval: 0,
    resumable: true,
    ...(options.maxReplayBytes === undefined ? {} : { maxReplayBytes: options.maxReplayBytes }),
    onDetach: () => detaches.push('client'),
  });
  const acceptConnection = (transport: MessageTransport): Session => new Session({
    role: 'gateway', transport, timers, limits, onOpen, resumable: true,
    onResumeRequest: (frame: ResumeFrame, taken: MessageTransport) => gateway.resumeWith(taken, frame),
  });
  const harness: Resumable = {
    client, gateway, accepted, detaches, acceptConnection,
    get pair() { return pair; },
    reconnect() {
      pair.drop();
      pair = createTransportPair();
      acceptConnection(pair.b);
      assert.equal(client.resume(pair.a), true);
    },
  };
  return harness;
}

/** An OPEN to some origin (the gateway side answers every OPEN at once). */
const OPEN = { host: 'origin', port: 7, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 } as const;

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Deterministic bytes: position-dependent, so a lost, doubled or swapped chunk changes them. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Writes `data` in `chunk`-byte pieces, waiting for drain on backpressure. */
async function writeAll(stream: SessionStream, sink: Sink, data: Uint8Array, chunk: number, between: (i: number) => void): Promise<void> {
  for (let offset = 0, i = 0; offset < data.length; offset += chunk, i++) {
    const more = stream.write(data.subarray(offset, offset + chunk));
    between(i);
    if (!more) await new Promise<void>((resolve) => { sink.drained = resolve; });
    if (i % 4 === 0) await settle(1);
  }
}

test('resume: both directions survive repeated drops with frames in flight, no byte lost, doubled or reordered', async () => {
  const h = setup();
  const clientSink = new Sink();
  const stream = h.client.open({ host: 'origin', port: 7, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, clientSink);
  assert.ok(stream);
  clientSink.stream = stream;
  await settle();
  const gatewaySink = h.accepted.get(stream.id) as Sink;
  const gatewayStream = h.gateway.stream(stream.id) as SessionStream;
  assert.equal(h.client.version, 2);

  const up = pattern(600_000, 1);
  const down = pattern(500_000, 2);
  let drops = 0;
  const dropEvery = (i: number): void => {
    if (i % 7 === 3) {
      h.reconnect();
      drops++;
    }
  };
  await Promise.all([
    writeAll(stream, clientSink, up, 5_000, dropEvery),
    writeAll(gatewayStream, gatewaySink, down, 7_000, () => {}),
  ]);
  stream.end();
  gatewayStream.end();
  for (let i = 0; i < 200 && !(clientSink.ended && gatewaySink.ended); i++) await settle(5);

  assert.ok(drops >= 10, `dropped ${drops} times`);
  assert.deepEqual(gatewaySink.bytes(), up);
  assert.deepEqual(clientSink.bytes(), down);
  assert.deepEqual(clientSink.errors, []);
  assert.deepEqual(gatewaySink.errors, []);
  assert.equal(h.client.sessionStats().resumes, drops);
  assert.equal(h.gateway.sessionStats().resumes, drops);
  assert.equal(h.client.state, 'open');
  assert.ok(h.detaches.includes('client') && h.detaches.includes('gateway'));
  // Everything is acknowledged once traffic stops (after the 50 ms ACK delay).
  await acknowledged(h);
  const peak = h.client.sessionStats().replayPeak;
  assert.ok(peak > 0 && peak <= 64 * 1024 * 4, `client replay peak ${peak}`);
});

test('resume: the token rotates on every resume; an old or wrong token is refused with SOCKWAY_ERR_RESUME_FAILED', async () => {
  const h = setup();
  // A stream to carry on: a session with nothing to resume is not resumed.
  assert.ok(h.client.open(OPEN, new Sink()));
  await settle();
  const first = h.pair.tap.find((t) => t.frame.type === 'welcome')?.frame;
  assert.ok(first?.type === 'welcome');
  h.reconnect();
  await settle();
  const second = h.pair.tap.find((t) => t.frame.type === 'welcome')?.frame;
  assert.ok(second?.type === 'welcome');
  assert.deepEqual(second.sessionId, first.sessionId);
  assert.notDeepEqual(second.resumeToken, first.resumeToken);
  assert.equal(h.client.detached, false);

  // A thief replays the first token on a new connection: refused, the session lives on.
  const thief = createTransportPair();
  const fresh = h.acceptConnection(thief.b);
  thief.a.send(new Uint8Array([0x03, 0, 0, 0, 0, ...first.sessionId, ...first.resumeToken, 0, 0, 0, 0, 0, 0, 0, 0]));
  await settle();
  const answer = thief.tap.find((t) => t.from === 'b' && t.frame.type === 'goaway')?.frame;
  assert.ok(answer?.type === 'goaway');
  assert.equal(answer.error.code, SockwayErrorCode.ResumeFailed);
  assert.match(answer.error.message, /invalid resume token/);
  assert.equal(fresh.state, 'closed');
  assert.equal(h.gateway.state, 'open');
  assert.equal(h.gateway.detached, false);
});

test('resume: a gateway without resumption negotiates version 1; a drop then fails the streams (SOCKWAY_ERR_GATEWAY_CLOSED)', async () => {
  const h = setup({ gatewayResumable: false });
  const sink = new Sink();
  const stream = h.client.open({ host: 'origin', port: 7, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, sink);
  assert.ok(stream);
  await settle();
  assert.equal(h.client.version, 1);
  stream.write(new Uint8Array(1000));
  await settle();
  assert.equal(h.pair.tap.filter((t) => t.frame.type === 'ack').length, 0, 'version 1 sends no ACK');
  assert.equal(h.client.sessionStats().replayBytes, 0);
  h.pair.drop();
  await settle();
  assert.deepEqual(h.detaches, []);
  assert.deepEqual(sink.errors.map((e) => e.code), [SockwayErrorCode.GatewayClosed]);
});

test('resume: closing a detached session fails its streams with the reason and reports onClose', async () => {
  const closed: Array<WireError | null> = [];
  const pair = createTransportPair();
  const gateway = new Session({
    role: 'gateway', transport: pair.b, timers, resumable: true,
    onOpen: (stream) => {
      stream.opened({ address: '127.0.0.1', port: 1, family: 4 }, { address: '127.0.0.1', port: 2, family: 4 });
      return new Sink();
    },
    onClose: (error) => closed.push(error),
  });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0, resumable: true });
  const sink = new Sink();
  client.open({ host: 'origin', port: 7, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, sink);
  await settle();
  pair.drop();
  await settle();
  assert.equal(gateway.detached, true);
  assert.equal(client.detached, true);
  assert.equal(gateway.streamCount, 1);
  const expired = wireError({ code: SockwayErrorCode.ResumeFailed, message: 'the client did not resume within 60000 ms' });
  gateway.close(expired);
  client.close(expired);
  assert.equal(gateway.state, 'closed');
  assert.equal(gateway.streamCount, 0);
  assert.deepEqual(closed.map((e) => e?.code), [SockwayErrorCode.ResumeFailed]);
  assert.deepEqual(sink.errors.map((e) => e.code), [SockwayErrorCode.ResumeFailed]);
  assert.equal(client.state, 'closed');
});

test('resume: writes queue while detached and go out after the resume; the replay buffer has a hard cap', async () => {
  const h = setup();
  const sink = new Sink();
  const stream = h.client.open({ host: 'origin', port: 7, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, sink);
  assert.ok(stream);
  await settle();
  h.pair.drop();
  await settle();
  assert.equal(h.client.detached, true);
  assert.equal(stream.write(new Uint8Array(3000).fill(7)), true);
  await settle();
  assert.equal(h.accepted.get(stream.id)?.chunks.length, 0);
  const pair = createTransportPair();
  h.acceptConnection(pair.b);
  h.client.resume(pair.a);
  await settle();
  assert.deepEqual(h.accepted.get(stream.id)?.bytes(), new Uint8Array(3000).fill(7));

  // DATA pauses once half the cap is unacknowledged, so only one frame bigger than the
  // whole cap can reach it: that fails the session.
  const capped = setup({ maxReplayBytes: 20_000, window: 256 * 1024, maxPayload: 64 * 1024 });
  const cappedSink = new Sink();
  const s2 = capped.client.open({ host: 'origin', port: 7, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, cappedSink);
  assert.ok(s2);
  await settle();
  s2.write(new Uint8Array(60_000));
  await settle();
  assert.equal(capped.client.state, 'closed');
  assert.deepEqual(cappedSink.errors.map((e) => e.code), [SockwayErrorCode.Limit]);
});

test('liveness: a link that delivers nothing after a PING is torn down and the session detaches; any traffic counts as alive', async (t) => {
  // Time is the subject: PING interval and PONG timeout run on the mock clock.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const pair = createTransportPair();
  const detached: number[] = [];
  new Session({ role: 'gateway', transport: pair.b, timers, resumable: true, onListen: () => new Sink() });
  const client = new Session({
    role: 'client', transport: pair.a, timers, resumable: true, keepaliveInterval: 10, keepaliveTimeout: 40,
    onDetach: (info) => detached.push(info.code),
  });
  // A listener to keep: a session with nothing to resume ends on a drop instead.
  assert.ok(client.listen({ host: '127.0.0.1', port: 0, backlog: 511, exclusive: false, ipv6Only: false }, new Sink()));
  await settle();
  // Three PING intervals, each PING answered well within the timeout.
  for (let i = 0; i < 3; i++) {
    t.mock.timers.tick(10);
    await settle();
  }
  assert.ok(client.rtt >= 0, 'PONGs answered: the link is alive');
  assert.deepEqual(detached, []);
  // The gateway end goes silent (a blackhole): nothing is delivered to it any more.
  pair.b.sink = null;
  // Mock milliseconds, one at a time, until the client gives the link up (the next PING
  // goes out within 10; a late ACK may re-arm the PONG timeout once).
  let silent = 0;
  while (detached.length === 0 && silent < 200) {
    t.mock.timers.tick(1);
    silent += 1;
    await settle(2);
  }
  assert.deepEqual(detached, [1006]);
  assert.ok(silent >= 40, `torn down after ${silent} ms of silence, not before the 40 ms PONG timeout`);
  assert.equal(client.detached, true);
  assert.equal(client.state, 'open', 'the session itself lives on, waiting for resume()');
  client.close();
});

/** Waits (on real timers: the ACK delay is 50 ms) until neither side holds unacknowledged frames. */
async function acknowledged(h: Resumable): Promise<void> {
  for (let i = 0; i < 100 && (h.client.sessionStats().replayBytes > 0 || h.gateway.sessionStats().replayBytes > 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(h.client.sessionStats().replayBytes, 0);
  assert.equal(h.gateway.sessionStats().replayBytes, 0);
}

test('nothing to resume: a session without streams and with everything acknowledged ends when its transport drops, on both sides', async () => {
  const h = setup();
  const sink = new Sink();
  const stream = h.client.open(OPEN, sink);
  assert.ok(stream);
  sink.stream = stream;
  await settle();
  stream.write(new Uint8Array(100));
  stream.end();
  (h.gateway.stream(stream.id) as SessionStream).end();
  await settle();
  assert.equal(h.client.streamCount, 0);
  assert.equal(h.gateway.streamCount, 0);
  // The last frames of the last stream are acknowledged on the next turn, not after the ACK
  // delay: a zero timeout set now fires after the sessions' (set earlier, same delay).
  await new Promise((resolve) => setTimeout(resolve, 0));
  await settle();
  assert.equal(h.client.sessionStats().replayBytes, 0);
  assert.equal(h.gateway.sessionStats().replayBytes, 0);
  h.pair.drop();
  await settle();
  assert.deepEqual(h.detaches, [], 'neither side waits for a resume');
  assert.equal(h.client.state, 'closed');
  assert.equal(h.gateway.state, 'closed');
  assert.equal(h.client.closeError?.code, SockwayErrorCode.GatewayClosed);
  // A RESUME of it is refused like that of any ended session.
  const again = createTransportPair();
  h.acceptConnection(again.b);
  assert.equal(h.client.resume(again.a), false, 'a client session that ended has nothing to resume');
});

test('nothing to resume: a frame the peer has not acknowledged keeps the session waiting for a resume (the peer may lack it)', async () => {
  const h = setup();
  const sink = new Sink();
  const stream = h.client.open(OPEN, sink);
  assert.ok(stream);
  sink.stream = stream;
  stream.end();
  await settle();
  await acknowledged(h);
  // The gateway's last frames (DATA, END) go out and end its stream; the link drops before
  // they arrive, so the client lacks them.
  const gatewayStream = h.gateway.stream(stream.id) as SessionStream;
  gatewayStream.write(new Uint8Array([1, 2, 3]));
  gatewayStream.end();
  assert.equal(h.gateway.streamCount, 0, 'the stream is over on the gateway');
  assert.ok(h.gateway.sessionStats().replayBytes > 0);
  h.pair.drop();
  await settle();
  assert.ok(h.detaches.includes('gateway'), 'the gateway keeps its unacknowledged frames for a resume');
  assert.equal(h.gateway.state, 'open');
  h.reconnect();
  await settle();
  assert.equal(h.gateway.detached, false);
  assert.deepEqual(sink.bytes(), new Uint8Array([1, 2, 3]));
  assert.equal(sink.ended, true);
});

test('nothing to resume: a client OPEN the gateway never saw goes to a fresh session when the resume is refused (the gateway had ended)', async () => {
  const h = setup();
  const unprocessed: number[] = [];
  const pair = createTransportPair({ autoFlush: false });
  const gatewayClosed: Array<string | undefined> = [];
  const gateway = new Session({ role: 'gateway', transport: pair.b, timers, resumable: true, onClose: (error) => gatewayClosed.push(error?.code) });
  const client = new Session({
    role: 'client', transport: pair.a, timers, keepaliveInterval: 0, resumable: true,
    onUnprocessed: (stream) => {
      unprocessed.push(stream.id);
      return true;
    },
  });
  await pair.flush();
  await pair.flush();
  assert.equal(client.version, 2);
  // The OPEN is on its way when the link drops: the client has a stream, the gateway none.
  const sink = new Sink();
  const stream = client.open(OPEN, sink);
  assert.ok(stream);
  pair.drop();
  await settle();
  assert.equal(client.detached, true, 'the client has a stream to resume');
  assert.deepEqual(gatewayClosed, [SockwayErrorCode.GatewayClosed], 'the gateway had nothing: ended at once');
  // The resume finds no session (the registry is the gateway of setup(), which never saw this one).
  const next = createTransportPair();
  h.acceptConnection(next.b);
  assert.equal(client.resume(next.a), true);
  await settle();
  const refusal = next.tap.find((t) => t.from === 'b' && t.frame.type === 'goaway')?.frame;
  assert.ok(refusal?.type === 'goaway');
  assert.equal(refusal.error.code, SockwayErrorCode.ResumeFailed);
  assert.deepEqual(unprocessed, [stream.id], 'the unanswered OPEN is handed back, to be sent on a fresh session');
  assert.deepEqual(sink.errors, [], 'the socket sees nothing');
  assert.equal(client.state, 'closed');
  void gateway;
});
