/**
 * Session behaviour over the in-memory transport pair: handshake, ordering,
 * half-close, reset, credit exhaustion and recovery, fairness between a stalled
 * and a busy stream, transport loss, protocol violations. The tests declared with
 * behaviour() run a second time over a real ws WebSocket on 127.0.0.1
 * (gateway/testing/ws-transport-pair.ts); the rest drive the in-memory pair by hand
 * (manual flush, a transport that opens late, a forced bufferedAmount).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type WireError, SockwayErrorCode, wireError } from './errors.ts';
import { encodeFrame, type OpenFrame } from './frame.ts';
import { Session, type SessionStream, type StreamHandler } from './session.ts';
import { createTransportPair, type TappedFrame, type TransportPair } from './testing/transport-pair.ts';
import type { MessageTransport, Timers } from './transport.ts';
import { createWsTransportPair } from '../gateway/testing/ws-transport-pair.ts';

const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

const WINDOW = 64 * 1024;

/** Records what a stream handler sees. */
class Recorder implements StreamHandler {
  events: string[] = [];
  chunks: Uint8Array[] = [];
  errors: WireError[] = [];
  stream: SessionStream | null = null;
  /** When false, data is left unconsumed (a stalled reader). */
  consuming = true;
  drains = 0;

  get received(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  onResolved(address: string): void { this.events.push(`resolved:${address}`); }
  onOpened(): void { this.events.push('opened'); }
  onData(data: Uint8Array): void {
    this.chunks.push(data.slice());
    if (this.events.at(-1) !== 'data') this.events.push('data');
    if (this.consuming) this.stream?.consume(data.length);
  }
  onEnd(): void { this.events.push('end'); }
  onReset(error: WireError): void { this.events.push(`reset:${error.code}`); this.errors.push(error); }
  onDrain(): void { this.drains++; }
  onClosed(): void { this.events.push('closed'); }
}

/** What the behaviour tests need of a transport pair: both ends and the tap. */
interface PairView {
  readonly a: MessageTransport;
  readonly b: MessageTransport;
  readonly tap: TappedFrame[];
  frames(filter?: (t: TappedFrame) => boolean): string[];
  drop(): void;
}

interface Harness<P extends PairView = TransportPair> {
  pair: P;
  client: Session;
  gateway: Session;
  /** Gateway-side recorders, by stream id. */
  accepted: Map<number, Recorder>;
  gatewayClosed: Array<WireError | null>;
  clientClosed: Array<WireError | null>;
  /** Lets every message in flight arrive and what it causes happen. */
  settle(): Promise<void>;
}

interface SetupOptions {
  clientWindow?: number;
  gatewayWindow?: number;
  maxStreams?: number;
  autoFlush?: boolean;
  onOpen?: (stream: SessionStream, frame: OpenFrame) => StreamHandler | WireError;
}

function setup(options: SetupOptions = {}): Harness {
  return sessionsOver(createTransportPair({ autoFlush: options.autoFlush ?? true }), options, () => settle());
}

/** A client and a gateway Session over `pair`. */
function sessionsOver<P extends PairView>(pair: P, options: SetupOptions, settlePair: () => Promise<void>): Harness<P> {
  const accepted = new Map<number, Recorder>();
  const gatewayClosed: Array<WireError | null> = [];
  const clientClosed: Array<WireError | null> = [];
  const gateway = new Session({
    role: 'gateway',
    transport: pair.b,
    timers,
    limits: { streamWindow: options.gatewayWindow ?? WINDOW, maxPayload: 16 * 1024, ...(options.maxStreams !== undefined && { maxStreams: options.maxStreams }) },
    onOpen: options.onOpen ?? ((stream) => {
      const recorder = new Recorder();
      recorder.stream = stream;
      accepted.set(stream.id, recorder);
      stream.opened({ address: '127.0.0.1', port: 40000 + stream.id, family: 4 }, { address: '127.0.0.1', port: 9, family: 4 });
      return recorder;
    }),
    onClose: (error) => gatewayClosed.push(error),
  });
  const client = new Session({
    role: 'client',
    transport: pair.a,
    timers,
    keepaliveInterval: 0,
    limits: { streamWindow: options.clientWindow ?? WINDOW, maxPayload: 16 * 1024 },
    onClose: (error) => clientClosed.push(error),
  });
  return { pair, client, gateway, accepted, gatewayClosed, clientClosed, settle: settlePair };
}

/**
 * A behaviour test run twice: over the in-memory pair, and over a real `ws`
 * WebSocket on 127.0.0.1 (the gateway's WsTransport against a ws client), so the
 * suite also holds where frames cross a socket and ws decides the delivery turns.
 */
function behaviour(name: string, options: SetupOptions, body: (h: Harness<PairView>) => Promise<void>): void {
  test(name, () => body(setup(options)));
  test(`${name} (over a ws pair)`, async () => {
    const pair = await createWsTransportPair();
    try {
      await body(sessionsOver(pair, options, () => pair.settle()));
    } finally {
      await pair.close();
    }
  });
}

function openStream(h: Harness<PairView>, host = '127.0.0.1', port = 9): { stream: SessionStream; recorder: Recorder } {
  const recorder = new Recorder();
  const stream = h.client.open({ host, port, family: 4, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  assert.ok(stream, 'open() returned a stream');
  recorder.stream = stream;
  return { stream, recorder };
}

/** Lets every queued microtask/message run. */
async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) { out.set(c, offset); offset += c.length; }
  return out;
}

behaviour('handshake: HELLO then pipelined OPEN, WELCOME, OPENED; odd client ids', {}, async (h) => {
  const { stream, recorder } = openStream(h);
  await h.settle();
  assert.equal(stream.id, 1);
  assert.deepEqual(h.pair.frames(), ['a>hello#0', 'a>open#1', 'b>welcome#0', 'b>opened#1']);
  assert.deepEqual(recorder.events, ['opened']);
  assert.equal(h.client.version, 1);
  assert.equal(h.client.state, 'open');
  assert.equal(openStream(h).stream.id, 3);
});

behaviour('data arrives in order, both directions, split at maxPayload', {}, async (h) => {
  const { stream, recorder } = openStream(h);
  await h.settle();
  const payload = bytes(50_000);
  stream.write(payload);
  await h.settle();
  const gw = h.accepted.get(1) as Recorder;
  assert.deepEqual(concat(gw.chunks), payload);
  assert.ok(gw.chunks.every((c) => c.length <= 16 * 1024), 'no DATA above the peer maxPayload');
  gw.stream?.write(bytes(1000, 7));
  await h.settle();
  assert.deepEqual(concat(recorder.chunks), bytes(1000, 7));
});

test('small writes are coalesced into one DATA frame while queued', async () => {
  const h = setup({ autoFlush: false });
  const { stream } = openStream(h);
  for (let i = 0; i < 10; i++) stream.write(bytes(10, i));
  await h.pair.flush();
  await h.pair.flush();
  const data = h.pair.tap.filter((t) => t.from === 'a' && t.frame.type === 'data');
  assert.equal(data.length, 1);
  assert.equal(data[0]?.frame.type === 'data' && data[0].frame.data.length, 100);
});

behaviour('half-close, client first: END after data; gateway can still send; closed after both', {}, async (h) => {
  const { stream, recorder } = openStream(h);
  await h.settle();
  stream.write(bytes(100));
  stream.end();
  await h.settle();
  const gw = h.accepted.get(1) as Recorder;
  assert.deepEqual(gw.events, ['data', 'end']);
  assert.equal(stream.state, 'local-closed');
  gw.stream?.write(bytes(10));
  gw.stream?.end();
  await h.settle();
  assert.deepEqual(recorder.events, ['opened', 'data', 'end']);
  assert.equal(stream.state, 'closed');
  assert.equal(h.client.streamCount, 0);
  assert.equal(h.gateway.streamCount, 0);
});

behaviour('half-close, gateway first: client keeps sending after END', {}, async (h) => {
  const { stream, recorder } = openStream(h);
  await h.settle();
  const gw = h.accepted.get(1) as Recorder;
  gw.stream?.end();
  await h.settle();
  assert.deepEqual(recorder.events, ['opened', 'end']);
  assert.equal(stream.state, 'remote-closed');
  assert.equal(stream.write(bytes(10)), true);
  stream.end();
  await h.settle();
  assert.deepEqual(gw.events, ['data', 'end']);
  assert.equal(h.gateway.streamCount, 0);
});

behaviour('write after END is refused', {}, async (h) => {
  const { stream } = openStream(h);
  await h.settle();
  stream.end();
  assert.equal(stream.write(bytes(1)), false);
});

behaviour('reset drops queued data and reaches the peer with its error', {}, async (h) => {
  const { stream } = openStream(h);
  await h.settle();
  stream.reset(wireError({ code: 'ECONNRESET' }));
  await h.settle();
  assert.deepEqual((h.accepted.get(1) as Recorder).events, ['reset:ECONNRESET']);
  assert.equal(h.client.streamCount, 0);
  assert.equal(h.gateway.streamCount, 0);
});

behaviour('gateway RESET before OPENED (connect refused) carries the system error fields', {
  onOpen: (stream) => {
    queueMicrotask(() => stream.reset(wireError({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 9 })));
    return new Recorder();
  },
}, async (h) => {
  const { recorder } = openStream(h);
  await h.settle();
  assert.deepEqual(recorder.events, ['reset:ECONNREFUSED']);
  assert.deepEqual(recorder.errors[0], wireError({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 9 }));
});

behaviour('onOpen refusing with a WireError sends RESET (denied destination)', { onOpen: () => wireError({ code: SockwayErrorCode.Denied, message: 'connect SOCKWAY_ERR_DENIED 10.0.0.1:22' }) }, async (h) => {
  const { recorder } = openStream(h, '10.0.0.1', 22);
  await h.settle();
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.Denied}`]);
  assert.equal(h.gateway.streamCount, 0);
});

behaviour('an END that waited for credit and went out after the peer\'s closes the stream: its handler hears onClosed', {}, async (h) => {
  const { stream, recorder } = openStream(h);
  await h.settle();
  const gw = h.accepted.get(1) as Recorder;
  recorder.consuming = false;
  // Over the client's window by a little: the rest waits for credit, write() says all is well (no drain owed).
  assert.equal(gw.stream?.write(bytes(WINDOW + 100)), true);
  gw.stream?.end();
  stream.end();
  await h.settle();
  assert.deepEqual(gw.events, ['end']);
  assert.equal(gw.stream?.state, 'remote-closed', 'the gateway\'s END still waits behind its data');
  recorder.consuming = true;
  stream.consume(recorder.received);
  await h.settle();
  assert.equal(recorder.received, WINDOW + 100);
  assert.deepEqual(gw.events, ['end', 'closed']);
  assert.equal(h.gateway.streamCount, 0);
});

behaviour('credit exhaustion: sender stops at the window, queues the rest, resumes on WINDOW', {}, async (h) => {
  const { stream } = openStream(h);
  await h.settle();
  const gw = h.accepted.get(1) as Recorder;
  gw.consuming = false;
  const total = WINDOW * 3;
  assert.equal(stream.write(bytes(total)), false, 'write reports backpressure');
  await h.settle();
  assert.equal(gw.received, WINDOW, 'exactly one window delivered');
  assert.equal(stream.stats().sendCredit, 0);
  assert.equal(stream.stats().queuedBytes, total - WINDOW);
  assert.equal(stream.stats().unacknowledgedBytes, WINDOW);
  const drainsBefore = (stream as unknown as { drains?: number }).drains;
  void drainsBefore;
  // The reader consumes: credit comes back in WINDOW frames and the rest flows.
  gw.consuming = true;
  gw.stream?.consume(gw.received);
  await h.settle();
  assert.equal(gw.received, total);
  assert.deepEqual(concat(gw.chunks), bytes(total));
  assert.equal(stream.stats().queuedBytes, 0);
});

behaviour('credit is granted only on consumption, in batches of at least half a window', {}, async (h) => {
  const { stream } = openStream(h);
  await h.settle();
  const gw = h.accepted.get(1) as Recorder;
  gw.consuming = false;
  stream.write(bytes(WINDOW));
  await h.settle();
  gw.stream?.consume(WINDOW / 2 - 1);
  await h.settle();
  assert.equal(h.pair.tap.filter((t) => t.frame.type === 'window').length, 0, 'no WINDOW below half a window');
  gw.stream?.consume(1);
  await h.settle();
  const windows = h.pair.tap.filter((t) => t.frame.type === 'window');
  assert.equal(windows.length, 1);
  assert.equal(windows[0]?.frame.type === 'window' && windows[0].frame.limit, WINDOW + WINDOW / 2);
});

behaviour('a stalled stream does not slow a busy one, and its buffer stays within its window', {}, async (h) => {
  const stalled = openStream(h);
  const busy = openStream(h);
  await h.settle();
  const stalledGw = h.accepted.get(stalled.stream.id) as Recorder;
  stalledGw.consuming = false;
  stalled.stream.write(bytes(WINDOW * 8));
  const total = 4 * 1024 * 1024;
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      sent += 16 * 1024;
      if (!busy.stream.write(bytes(16 * 1024, sent))) return;
    }
  };
  busy.recorder.onDrain = () => pump();
  pump();
  for (let i = 0; i < 200 && (h.accepted.get(busy.stream.id) as Recorder).received < total; i++) await h.settle();
  assert.equal((h.accepted.get(busy.stream.id) as Recorder).received, total, 'busy stream delivered everything');
  assert.equal(stalledGw.received, WINDOW, 'stalled stream got exactly its window');
  assert.ok(stalled.stream.stats().unacknowledgedBytes <= WINDOW);
});

test('round-robin: two busy streams interleave their DATA frames', async () => {
  const h = setup({ autoFlush: false });
  const one = openStream(h);
  const two = openStream(h);
  await h.pair.flush();
  await h.pair.flush();
  // Both streams queue while the transport is full; then it drains.
  h.pair.a.bufferedAmount = 10 * 1024 * 1024;
  one.stream.write(bytes(48 * 1024));
  two.stream.write(bytes(48 * 1024));
  assert.equal(h.pair.tap.filter((t) => t.frame.type === 'data').length, 0);
  h.pair.a.bufferedAmount = 0;
  h.pair.a.sink?.onDrain();
  await h.pair.flush();
  const order = h.pair.tap.filter((t) => t.from === 'a' && t.frame.type === 'data').map((t) => t.frame.streamId);
  assert.deepEqual(order, [1, 3, 1, 3, 1, 3]);
});

test('control frames go ahead of queued data', async () => {
  const h = setup({ autoFlush: false });
  const one = openStream(h);
  await h.pair.flush();
  await h.pair.flush();
  // Hold the transport "full" so data queues, then a control frame must still go first.
  Object.defineProperty(h.pair.a, 'bufferedAmount', { value: 10 * 1024 * 1024, writable: true, configurable: true });
  one.stream.write(bytes(1024));
  const two = openStream(h);
  void two;
  const last = h.pair.tap.at(-1);
  assert.equal(last?.frame.type, 'open', 'OPEN sent while DATA waits for the transport');
  assert.equal(h.pair.tap.filter((t) => t.from === 'a' && t.frame.type === 'data').length, 0);
});

behaviour('DATA beyond credit is a flow-control violation that closes the session', {}, async (h) => {
  const { stream } = openStream(h);
  await h.settle();
  void stream;
  (h.accepted.get(1) as Recorder).consuming = false;
  // A hostile client ignores its window: inject raw DATA frames past the gateway's credit.
  for (let i = 0; i < 5; i++) h.pair.a.send(encodeFrame({ type: 'data', streamId: 1, data: bytes(16 * 1024) }));
  await h.settle();
  assert.equal(h.gatewayClosed[0]?.code, SockwayErrorCode.FlowControl);
  assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.FlowControl, 'the client hears GOAWAY with the reason');
});

behaviour('malformed bytes close the session with SOCKWAY_ERR_FRAME, never throw', {}, async (h) => {
  const { recorder } = openStream(h);
  await h.settle();
  h.pair.a.send(new Uint8Array([0xff, 0, 0, 0, 0]));
  await h.settle();
  assert.equal(h.gatewayClosed[0]?.code, SockwayErrorCode.Frame);
  assert.deepEqual(recorder.events, ['opened', `reset:${SockwayErrorCode.Frame}`]);
});

behaviour('DATA for a never-opened stream id is a protocol error; for a finished one it is ignored', {}, async (h) => {
  const { stream } = openStream(h);
  await h.settle();
  stream.reset(wireError({ code: 'ECONNRESET' }));
  await h.settle();
  h.pair.a.send(encodeFrame({ type: 'data', streamId: 1, data: bytes(4) }));
  await h.settle();
  assert.equal(h.gatewayClosed.length, 0, 'late DATA for a finished stream is ignored');
  h.pair.a.send(encodeFrame({ type: 'data', streamId: 99, data: bytes(4) }));
  await h.settle();
  assert.equal(h.gatewayClosed[0]?.code, SockwayErrorCode.Protocol);
});

behaviour('OPEN with a reused or wrong-parity id is a protocol error', {}, async (h) => {
  openStream(h);
  await h.settle();
  h.pair.a.send(encodeFrame({ type: 'open', streamId: 1, host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }));
  await h.settle();
  assert.equal(h.gatewayClosed[0]?.code, SockwayErrorCode.Protocol);
});

test('frames before HELLO are a protocol error', async () => {
  const pair = createTransportPair();
  const closed: Array<WireError | null> = [];
  new Session({ role: 'gateway', transport: pair.b, timers, onClose: (e) => closed.push(e) });
  pair.a.send(encodeFrame({ type: 'end', streamId: 1 }));
  await settle();
  assert.equal(closed[0]?.code, SockwayErrorCode.Protocol);
});

behaviour('stream limit: OPEN beyond maxStreams is refused with RESET, the session lives on', { maxStreams: 2 }, async (h) => {
  const streams = [openStream(h), openStream(h), openStream(h)];
  await h.settle();
  assert.deepEqual(streams[2]?.recorder.events, [`reset:${SockwayErrorCode.StreamLimit}`]);
  assert.deepEqual(streams[0]?.recorder.events, ['opened']);
  assert.equal(h.client.state, 'open');
});

behaviour('transport loss mid-stream fails every stream with SOCKWAY_ERR_GATEWAY_CLOSED', {}, async (h) => {
  const one = openStream(h);
  const two = openStream(h);
  await h.settle();
  one.stream.write(bytes(1000));
  h.pair.drop();
  await h.settle();
  assert.deepEqual(one.recorder.events.at(-1), `reset:${SockwayErrorCode.GatewayClosed}`);
  assert.deepEqual(two.recorder.events.at(-1), `reset:${SockwayErrorCode.GatewayClosed}`);
  assert.match(one.recorder.errors[0]?.message ?? '', /code 1006/);
  assert.equal(h.client.state, 'closed');
  assert.equal(h.client.open({ host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, new Recorder()), null);
});

test('a transport that never opens fails streams with SOCKWAY_ERR_GATEWAY_UNREACHABLE', async () => {
  const pair = createTransportPair({ startOpen: false });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0 });
  const recorder = new Recorder();
  client.open({ host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  pair.a.deliverClose({ code: 1006, reason: '', wasOpen: false });
  await settle();
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.GatewayUnreachable}`]);
});

test('frames queued while the transport connects are sent after HELLO once it opens', async () => {
  const pair = createTransportPair({ startOpen: false });
  new Session({ role: 'gateway', transport: pair.b, timers, onOpen: (stream) => { stream.opened({ address: '1.2.3.4', port: 1, family: 4 }, { address: '5.6.7.8', port: 2, family: 4 }); return new Recorder(); } });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0 });
  const recorder = new Recorder();
  client.open({ host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  assert.equal(pair.tap.length, 0);
  pair.open();
  await settle();
  assert.deepEqual(pair.frames(), ['a>hello#0', 'a>open#1', 'b>welcome#0', 'b>opened#1']);
  assert.deepEqual(recorder.events, ['opened']);
});

test('version negotiation: a client speaking only a future version is refused with SOCKWAY_ERR_VERSION', async () => {
  const pair = createTransportPair();
  const closed: Array<WireError | null> = [];
  new Session({ role: 'gateway', transport: pair.b, timers, onClose: (e) => closed.push(e) });
  pair.a.attach({ onOpen() {}, onMessage() {}, onClose() {}, onDrain() {} });
  pair.a.send(encodeFrame({ type: 'hello', streamId: 0, minVersion: 7, maxVersion: 9, limits: { maxPayload: 16384, streamWindow: 65536, maxStreams: 10, idleTimeout: 0 } }));
  await settle();
  assert.equal(closed[0]?.code, SockwayErrorCode.Version);
  assert.ok(pair.tap.some((t) => t.frame.type === 'goaway' && t.frame.error.code === SockwayErrorCode.Version));
});

test('onHelloRequest refuses a new session with GOAWAY and the close code it names; the client fails its opens with that error', async () => {
  const pair = createTransportPair({ startOpen: false });
  const gatewayClosed: Array<WireError | null> = [];
  let closeCode = 0;
  const close = pair.b.close.bind(pair.b);
  pair.b.close = (code, reason) => {
    closeCode = code;
    close(code, reason);
  };
  let asked = 0;
  new Session({
    role: 'gateway', transport: pair.b, timers, onClose: (e) => gatewayClosed.push(e),
    onHelloRequest: () => {
      asked += 1;
      return { error: wireError({ code: SockwayErrorCode.Limit, message: 'too many sessions from this client (limit 2)' }), closeCode: 1013 };
    },
  });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0 });
  const recorder = new Recorder();
  client.open({ host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  pair.open();
  await settle();
  assert.equal(asked, 1);
  assert.equal(gatewayClosed[0]?.code, SockwayErrorCode.Limit);
  assert.ok(!pair.tap.some((t) => t.frame.type === 'welcome'), 'no WELCOME');
  assert.ok(pair.tap.some((t) => t.frame.type === 'goaway' && t.frame.error.code === SockwayErrorCode.Limit));
  assert.equal(closeCode, 1013);
  assert.equal(client.closeError?.code, SockwayErrorCode.Limit);
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.Limit}`]);
});

test('keepalive: PING answered by PONG, RTT measured; a silent gateway times the session out', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const pair = createTransportPair({ autoFlush: false });
  new Session({ role: 'gateway', transport: pair.b, timers });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 1000, keepaliveTimeout: 500 });
  await pair.flush();
  await pair.flush();
  t.mock.timers.tick(1000);
  assert.equal(pair.tap.at(-1)?.frame.type, 'ping');
  await pair.flush();
  await pair.flush();
  assert.equal(pair.tap.at(-1)?.frame.type, 'pong');
  assert.ok(client.rtt >= 0);
  // Next ping is never delivered: the gateway is silent.
  t.mock.timers.tick(1000);
  assert.equal(pair.tap.at(-1)?.frame.type, 'ping');
  const recorder = new Recorder();
  client.open({ host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  t.mock.timers.tick(500);
  assert.equal(client.state, 'closing');
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.GatewayTimeout}`]);
});

behaviour('GOAWAY: client streams above lastStreamId fail, new opens are refused', {}, async (h) => {
  const one = openStream(h);
  await h.settle();
  h.gateway.close(wireError({ code: SockwayErrorCode.GoingAway, message: 'gateway shutting down' }));
  await h.settle();
  assert.equal(one.recorder.events.at(-1), `reset:${SockwayErrorCode.GoingAway}`);
  assert.equal(h.client.closeError?.code, SockwayErrorCode.GoingAway);
});

for (const reopen of [true, false]) {
  test(`GOAWAY crossing an OPEN: the unprocessed stream is ${reopen ? 'handed to onUnprocessed and ends silently' : 'failed with the GOAWAY error when onUnprocessed declines'}`, async () => {
    const pair = createTransportPair();
    const offered: SessionStream[] = [];
    const gateway = new Session({
      role: 'gateway', transport: pair.b, timers,
      onOpen: (stream) => {
        stream.opened({ address: '127.0.0.1', port: 40000, family: 4 }, { address: '127.0.0.1', port: 9, family: 4 });
        return new Recorder();
      },
    });
    const client = new Session({
      role: 'client', transport: pair.a, timers, keepaliveInterval: 0,
      onUnprocessed: (stream) => {
        offered.push(stream);
        return reopen;
      },
    });
    const open = { host: 'db.example', port: 5432, family: 0 as const, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0 };
    const first = new Recorder();
    client.open(open, first);
    await settle();
    assert.deepEqual(first.events, ['opened']);
    // The gateway starts draining while the client's next OPEN is on the wire.
    const second = new Recorder();
    const crossing = client.open({ ...open, port: 6379 }, second);
    gateway.goAway(wireError({ code: SockwayErrorCode.GoingAway, message: 'draining' }));
    await settle();
    assert.deepEqual(offered, [crossing], 'only the stream above lastStreamId is offered');
    assert.deepEqual(crossing?.request, { type: 'open', streamId: 3, ...open, port: 6379 }, 'with the OPEN it carried');
    assert.deepEqual(second.events, reopen ? [] : [`reset:${SockwayErrorCode.GoingAway}`]);
    assert.equal(crossing?.state, 'reset');
    assert.deepEqual(first.events, ['opened'], 'the processed stream lives on');
    assert.equal(client.streamCount, 1);
  });
}

test('RESUME is answered with GOAWAY SOCKWAY_ERR_UNSUPPORTED by this version', async () => {
  const pair = createTransportPair();
  const closed: Array<WireError | null> = [];
  new Session({ role: 'gateway', transport: pair.b, timers, onClose: (e) => closed.push(e) });
  pair.a.attach({ onOpen() {}, onMessage() {}, onClose() {}, onDrain() {} });
  pair.a.send(encodeFrame({ type: 'resume', streamId: 0, sessionId: new Uint8Array(16), resumeToken: new Uint8Array(16), received: 0 }));
  await settle();
  assert.equal(closed[0]?.code, SockwayErrorCode.Unsupported);
});

test('a GOAWAY instead of WELCOME is reported with its own code (version refused)', async () => {
  // The gateway side is played by hand: it answers HELLO with GOAWAY, as a gateway that speaks no common version does.
  const pair2 = createTransportPair();
  const closed2: Array<WireError | null> = [];
  const client2 = new Session({ role: 'client', transport: pair2.a, timers, keepaliveInterval: 0, onClose: (e) => closed2.push(e) });
  const recorder = new Recorder();
  client2.open({ host: 'x', port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  pair2.b.attach({ onOpen() {}, onMessage() {}, onClose() {}, onDrain() {} });
  pair2.b.send(encodeFrame({ type: 'goaway', streamId: 0, lastStreamId: 0, error: wireError({ code: SockwayErrorCode.Version, message: 'no common version' }) }));
  pair2.b.close(1002, 'version');
  await settle();
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.Version}`]);
  assert.equal(closed2[0]?.code, SockwayErrorCode.Version);
  assert.equal(pair2.tap.filter((t) => t.from === 'a' && t.frame.type === 'goaway').length, 0, 'no GOAWAY echoed back');
});

behaviour('OPENED from the side that opened the stream is a protocol error (direction check)', { onOpen: () => new Recorder() }, async (h) => { // the gateway never answers
  openStream(h);
  await h.settle();
  h.pair.a.send(encodeFrame({ type: 'opened', streamId: 1, local: { address: '1.1.1.1', port: 1, family: 4 }, remote: { address: '2.2.2.2', port: 2, family: 4 } }));
  await h.settle();
  assert.equal(h.gatewayClosed[0]?.code, SockwayErrorCode.Protocol);
  assert.match(h.gatewayClosed[0]?.message ?? '', /which the peer opened/);
});

behaviour('a throwing onOpen refuses that stream only', {
  onOpen: (stream) => {
    if (stream.id === 1) throw new Error('boom');
    stream.opened({ address: '1.1.1.1', port: 1, family: 4 }, { address: '2.2.2.2', port: 2, family: 4 });
    return new Recorder();
  },
}, async (h) => {
  const first = openStream(h);
  const second = openStream(h);
  await h.settle();
  assert.deepEqual(first.recorder.events, [`reset:${SockwayErrorCode.Internal}`]);
  assert.match(first.recorder.errors[0]?.message ?? '', /boom/);
  assert.deepEqual(second.recorder.events, ['opened']);
  assert.equal(h.gateway.state, 'open');
});

behaviour('open() with a host that cannot be encoded throws and leaves no stream behind', {}, async (h) => {
  assert.throws(() => h.client.open({ host: 'a'.repeat(300), port: 1, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, new Recorder()), { code: SockwayErrorCode.Frame });
  assert.equal(h.client.streamCount, 0);
  assert.equal(openStream(h).stream.id, 1, 'the id was not used up');
});

behaviour('DATA larger than the announced maxPayload is a protocol error', {}, async (h) => {
  openStream(h);
  await h.settle();
  h.pair.a.send(encodeFrame({ type: 'data', streamId: 1, data: bytes(16 * 1024 + 1) }));
  await h.settle();
  assert.equal(h.gatewayClosed[0]?.code, SockwayErrorCode.Protocol);
  assert.match(h.gatewayClosed[0]?.message ?? '', /maxPayload/);
});

behaviour('maxStreams counts only streams the peer opened', { maxStreams: 1 }, async (h) => {
  const one = openStream(h);
  await h.settle();
  assert.deepEqual(one.recorder.events, ['opened']);
  const two = openStream(h);
  await h.settle();
  assert.deepEqual(two.recorder.events, [`reset:${SockwayErrorCode.StreamLimit}`]);
  one.stream.reset(wireError({ code: 'ECONNRESET' }));
  await h.settle();
  const three = openStream(h);
  await h.settle();
  assert.deepEqual(three.recorder.events, ['opened'], 'a freed slot is usable again');
});

test('auto-tune: a fast reader\'s window doubles up to maxStreamWindow; a stalled one keeps its window', async () => {
  const h = setup();
  const fast = openStream(h);
  const stalled = openStream(h);
  await settle();
  (h.accepted.get(stalled.stream.id) as Recorder).consuming = false;
  stalled.stream.write(bytes(WINDOW * 4));
  fast.stream.write(bytes(WINDOW * 16));
  for (let i = 0; i < 100 && (h.accepted.get(fast.stream.id) as Recorder).received < WINDOW * 16; i++) await settle(5);
  const limits = h.pair.tap.filter((t) => t.frame.type === 'window' && t.frame.streamId === fast.stream.id).map((t) => t.frame.type === 'window' ? t.frame.limit : 0);
  const steps = limits.slice(1).map((limit, i) => limit - (limits[i] as number));
  assert.ok(Math.max(...steps) > WINDOW, `window grew beyond ${WINDOW}: grants ${steps.join(',')}`);
  assert.equal(stalled.stream.stats().unacknowledgedBytes, WINDOW, 'the stalled stream is still held to its initial window');
});
