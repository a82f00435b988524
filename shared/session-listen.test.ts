/**
 * net.Server at the session level over the in-memory pair: LISTEN / LISTENING /
 * ACCEPT, listener close by END and RESET, credit on ACCEPT streams (the gateway
 * waits for the client's first WINDOW), and the violations a hostile peer can try.
 * @see PROTOCOL.md#server
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type WireError, SockwayErrorCode, wireError } from './errors.ts';
import { type AcceptFrame, type Endpoint, encodeFrame, type ListenFrame } from './frame.ts';
import { Session, type SessionStream, type StreamHandler } from './session.ts';
import { createTransportPair, type TransportPair } from './testing/transport-pair.ts';
import type { Timers } from './transport.ts';

const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

const WINDOW = 64 * 1024;
const LOCAL: Endpoint = { address: '127.0.0.1', port: 8000, family: 4 };
const REMOTE: Endpoint = { address: '127.0.0.1', port: 50000, family: 4 };
const LISTEN: Omit<ListenFrame, 'type' | 'streamId'> = { host: '127.0.0.1', port: 8000, backlog: 511, ipv6Only: false, exclusive: false };

/** Records what a stream handler sees; as a listener it accepts with a new Recorder unless told otherwise. */
class Recorder implements StreamHandler {
  events: string[] = [];
  chunks: Uint8Array[] = [];
  errors: WireError[] = [];
  stream: SessionStream | null = null;
  accepted: Recorder[] = [];
  /** Refuse ACCEPTs with this error. */
  refuse: WireError | null = null;
  consuming = true;

  get received(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  onData(data: Uint8Array): void {
    this.chunks.push(data.slice());
    if (this.events.at(-1) !== 'data') this.events.push('data');
    if (this.consuming) this.stream?.consume(data.length);
  }
  onEnd(): void { this.events.push('end'); }
  onReset(error: WireError): void { this.events.push(`reset:${error.code}`); this.errors.push(error); }
  onDrain(): void {}
  onListening(local: Endpoint): void { this.events.push(`listening:${local.address}:${local.port}`); }
  onAccept(stream: SessionStream, frame: AcceptFrame): StreamHandler | WireError {
    this.events.push(`accept:${frame.streamId}:${frame.remote.port}`);
    if (this.refuse !== null) return this.refuse;
    const recorder = new Recorder();
    recorder.stream = stream;
    this.accepted.push(recorder);
    return recorder;
  }
}

interface Harness {
  pair: TransportPair;
  client: Session;
  gateway: Session;
  /** Gateway-side listener recorders, by stream id. */
  listeners: Map<number, Recorder>;
  clientClosed: Array<WireError | null>;
}

function setup(options: { autoFlush?: boolean; onListen?: (stream: SessionStream, frame: ListenFrame) => StreamHandler | WireError } = {}): Harness {
  // OPENs are answered at once, so a connect stream can sit next to the listeners.
  const onOpen = (stream: SessionStream): StreamHandler => {
    queueMicrotask(() => stream.opened(LOCAL, REMOTE));
    return new Recorder();
  };
  const pair = createTransportPair({ autoFlush: options.autoFlush ?? true });
  const listeners = new Map<number, Recorder>();
  const clientClosed: Array<WireError | null> = [];
  const gateway = new Session({
    role: 'gateway',
    transport: pair.b,
    timers,
    limits: { streamWindow: WINDOW, maxPayload: 16 * 1024 },
    onOpen,
    onListen: options.onListen ?? ((stream) => {
      const recorder = new Recorder();
      recorder.stream = stream;
      listeners.set(stream.id, recorder);
      return recorder;
    }),
  });
  const client = new Session({
    role: 'client',
    transport: pair.a,
    timers,
    keepaliveInterval: 0,
    limits: { streamWindow: WINDOW, maxPayload: 16 * 1024 },
    onClose: (error) => clientClosed.push(error),
  });
  return { pair, client, gateway, listeners, clientClosed };
}

async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A client listener the gateway has answered with LISTENING. */
async function listening(h: Harness): Promise<{ listener: SessionStream; recorder: Recorder; gatewaySide: SessionStream }> {
  const recorder = new Recorder();
  const listener = h.client.listen(LISTEN, recorder);
  assert.ok(listener);
  recorder.stream = listener;
  await settle();
  const gatewaySide = h.listeners.get(listener.id)?.stream;
  assert.ok(gatewaySide, 'the gateway saw LISTEN');
  gatewaySide.listening(LOCAL);
  await settle();
  return { listener, recorder, gatewaySide };
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

test('LISTEN → LISTENING → ACCEPT: odd listener id, even accepted ids, both sides open', async () => {
  const h = setup();
  const { listener, recorder, gatewaySide } = await listening(h);
  assert.equal(listener.id, 1);
  assert.equal(listener.kind, 'listener');
  assert.equal(listener.state, 'open');
  assert.deepEqual(recorder.events, ['listening:127.0.0.1:8000']);
  const gwRecorder = new Recorder();
  const first = h.gateway.accept(gatewaySide, LOCAL, REMOTE, gwRecorder);
  const second = h.gateway.accept(gatewaySide, LOCAL, { ...REMOTE, port: 50001 }, new Recorder());
  assert.ok(first && second);
  assert.deepEqual([first.id, second.id, first.kind, first.state], [2, 4, 'accepted', 'open']);
  await settle();
  assert.deepEqual(recorder.events, ['listening:127.0.0.1:8000', 'accept:2:50000', 'accept:4:50001']);
  assert.deepEqual(h.pair.frames(), ['a>hello#0', 'a>listen#1', 'b>welcome#0', 'b>listening#1', 'b>accept#2', 'b>accept#4']);
  assert.equal(h.client.stream(2)?.state, 'open');
});

test('ACCEPT stream credit: the gateway sends nothing until the client grants its window', async () => {
  const h = setup();
  const { recorder, gatewaySide } = await listening(h);
  const gwRecorder = new Recorder();
  const accepted = h.gateway.accept(gatewaySide, LOCAL, REMOTE, gwRecorder) as SessionStream;
  gwRecorder.stream = accepted;
  assert.equal(accepted.stats().sendCredit, 0);
  accepted.write(bytes(1000));
  await settle();
  const clientSide = recorder.accepted[0] as Recorder;
  assert.equal(clientSide.received, 0, 'no DATA without credit (pauseOnConnect)');
  assert.equal(h.pair.frames((t) => t.frame.type === 'data').length, 0);
  // The client's consumer starts reading: consume(0) grants the first window.
  (clientSide.stream as SessionStream).consume(0);
  await settle();
  assert.equal(clientSide.received, 1000);
  assert.deepEqual(h.pair.frames((t) => t.frame.type === 'window'), ['a>window#2']);
  // Client → gateway needs no grant: the gateway's window applies from the start.
  (clientSide.stream as SessionStream).write(bytes(2000));
  await settle();
  assert.equal(gwRecorder.received, 2000);
});

test('ACCEPT stream: DATA beyond the (zero) initial credit fails the session with SOCKWAY_ERR_FLOW_CONTROL', async () => {
  const h = setup();
  const { gatewaySide } = await listening(h);
  h.gateway.accept(gatewaySide, LOCAL, REMOTE, new Recorder());
  await settle();
  h.pair.b.send(encodeFrame({ type: 'data', streamId: 2, data: bytes(1) }));
  await settle();
  assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.FlowControl);
  assert.match(h.clientClosed[0]?.message ?? '', /stream 2 received 1 bytes against credit 0/);
});

test('listener closed with END: the gateway answers END, ACCEPTs stop, accepted streams live on', async () => {
  const h = setup();
  const { listener, recorder, gatewaySide } = await listening(h);
  const gwAccepted = new Recorder();
  const accepted = h.gateway.accept(gatewaySide, LOCAL, REMOTE, gwAccepted) as SessionStream;
  gwAccepted.stream = accepted;
  await settle();
  listener.end();
  assert.equal(listener.state, 'local-closed');
  await settle();
  const gwListener = h.listeners.get(1) as Recorder;
  assert.deepEqual(gwListener.events, ['end']);
  assert.equal(gatewaySide.state, 'remote-closed');
  assert.equal(h.gateway.accept(gatewaySide, LOCAL, REMOTE, new Recorder()), null, 'no ACCEPT on an ended listener');
  gatewaySide.end();
  await settle();
  assert.equal(listener.state, 'closed');
  assert.deepEqual(recorder.events, ['listening:127.0.0.1:8000', 'accept:2:50000', 'end']);
  // The accepted stream still carries data both ways.
  (recorder.accepted[0]?.stream as SessionStream).consume(0);
  accepted.write(bytes(10));
  await settle();
  assert.equal(recorder.accepted[0]?.received, 10);
});

test('ACCEPT crossing the client\'s END of its listener is refused with RESET SOCKWAY_ERR_CLOSED', async () => {
  const h = setup({ autoFlush: false });
  const recorder = new Recorder();
  const listener = h.client.listen(LISTEN, recorder) as SessionStream;
  await h.pair.flush();
  const gatewaySide = (h.listeners.get(1) as Recorder).stream as SessionStream;
  gatewaySide.listening(LOCAL);
  await h.pair.flush();
  // Both in flight at once: the client ends, the gateway accepts.
  listener.end();
  const gwAccepted = new Recorder();
  assert.ok(h.gateway.accept(gatewaySide, LOCAL, REMOTE, gwAccepted));
  await h.pair.flush();
  await h.pair.flush();
  assert.deepEqual(gwAccepted.events, [`reset:${SockwayErrorCode.Closed}`]);
  assert.deepEqual(recorder.events, ['listening:127.0.0.1:8000']);
  assert.equal(h.client.state, 'open');
});

test('listener closed with RESET: both sides forget it, a late ACCEPT is refused', async () => {
  const h = setup({ autoFlush: false });
  const recorder = new Recorder();
  const listener = h.client.listen(LISTEN, recorder) as SessionStream;
  await h.pair.flush();
  const gatewaySide = (h.listeners.get(1) as Recorder).stream as SessionStream;
  gatewaySide.listening(LOCAL);
  await h.pair.flush();
  listener.reset(wireError({ code: SockwayErrorCode.Closed }));
  const gwAccepted = new Recorder();
  h.gateway.accept(gatewaySide, LOCAL, REMOTE, gwAccepted);
  await h.pair.flush();
  await h.pair.flush();
  assert.deepEqual((h.listeners.get(1) as Recorder).events, [`reset:${SockwayErrorCode.Closed}`]);
  assert.deepEqual(gwAccepted.events, [`reset:${SockwayErrorCode.Closed}`]);
  assert.equal(h.client.stream(1), undefined);
  assert.equal(h.client.state, 'open');
});

test('LISTEN refused with RESET (EADDRINUSE) reaches the listener as onReset with the fields', async () => {
  const h = setup({
    onListen: (stream) => {
      queueMicrotask(() => stream.reset(wireError({ code: 'EADDRINUSE', errno: -98, syscall: 'listen', address: '127.0.0.1', port: 8000 })));
      return new Recorder();
    },
  });
  const recorder = new Recorder();
  h.client.listen(LISTEN, recorder);
  await settle();
  assert.deepEqual(recorder.events, ['reset:EADDRINUSE']);
  assert.deepEqual(recorder.errors[0], wireError({ code: 'EADDRINUSE', errno: -98, syscall: 'listen', address: '127.0.0.1', port: 8000 }));
});

test('a gateway without onListen refuses LISTEN with RESET SOCKWAY_ERR_UNSUPPORTED', async () => {
  const pair = createTransportPair();
  new Session({ role: 'gateway', transport: pair.b, timers });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0 });
  const recorder = new Recorder();
  client.listen(LISTEN, recorder);
  await settle();
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.Unsupported}`]);
});

test('rejects ACCEPT for unknown listener', async () => {
  const h = setup();
  await listening(h);
  h.pair.b.send(encodeFrame({ type: 'accept', streamId: 2, listenerId: 7, local: LOCAL, remote: REMOTE }));
  await settle();
  assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.Protocol);
  assert.equal(h.clientClosed[0]?.message, 'ACCEPT for unknown listener 7');
});

test('rejects ACCEPT naming a connect stream or a listener still opening', async () => {
  for (const kind of ['connect', 'opening'] as const) {
    const h = setup({ onListen: () => new Recorder() });
    const noop = new Recorder();
    const stream = kind === 'connect'
      ? h.client.open({ host: '127.0.0.1', port: 9, family: 4, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, noop)
      : h.client.listen(LISTEN, noop);
    await settle();
    h.pair.b.send(encodeFrame({ type: 'accept', streamId: 2, listenerId: (stream as SessionStream).id, local: LOCAL, remote: REMOTE }));
    await settle();
    assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.Protocol, kind);
    assert.match(h.clientClosed[0]?.message ?? '', /is not a listening listener/);
  }
});

test('rejects DATA on a listener stream', async () => {
  const h = setup();
  await listening(h);
  h.pair.b.send(encodeFrame({ type: 'data', streamId: 1, data: bytes(1) }));
  await settle();
  assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.Protocol);
  assert.equal(h.clientClosed[0]?.message, 'DATA on stream 1 in state open');
});

test('rejects OPENED on a listener and LISTENING on a connect stream', async () => {
  const h = setup({ onListen: () => new Recorder() });
  h.client.listen(LISTEN, new Recorder());
  await settle();
  h.pair.b.send(encodeFrame({ type: 'opened', streamId: 1, local: LOCAL, remote: REMOTE }));
  await settle();
  assert.equal(h.clientClosed[0]?.message, 'OPENED on stream 1 in state opening');

  const g = setup();
  g.client.open({ host: '127.0.0.1', port: 9, family: 4, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, new Recorder());
  await settle();
  assert.equal(g.client.stream(1)?.state, 'open');
  g.pair.b.send(encodeFrame({ type: 'listening', streamId: 1, local: LOCAL }));
  await settle();
  assert.equal(g.clientClosed[0]?.message, 'LISTENING on stream 1 in state open');
});

test('rejects ACCEPT received by a gateway and LISTEN received by a client', async () => {
  const h = setup();
  h.pair.a.send(encodeFrame({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: 1, limits: { maxPayload: 16384, streamWindow: WINDOW, maxStreams: 10, idleTimeout: 0 } }));
  await settle();
  const pair = createTransportPair();
  const closed: Array<WireError | null> = [];
  new Session({ role: 'gateway', transport: pair.b, timers, onClose: (e) => closed.push(e) });
  pair.a.send(encodeFrame({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: 1, limits: { maxPayload: 16384, streamWindow: WINDOW, maxStreams: 10, idleTimeout: 0 } }));
  pair.a.send(encodeFrame({ type: 'accept', streamId: 2, listenerId: 1, local: LOCAL, remote: REMOTE }));
  await settle();
  assert.equal(closed[0]?.message, 'unexpected ACCEPT on a gateway session');

  const { client, clientClosed, pair: p } = setup();
  client.listen(LISTEN, new Recorder());
  await settle();
  p.b.send(encodeFrame({ type: 'listen', streamId: 3, ...LISTEN }));
  await settle();
  assert.equal(clientClosed[0]?.message, 'unexpected LISTEN on a client session');
});

test('the transport drops: listener and accepted streams fail with SOCKWAY_ERR_GATEWAY_CLOSED', async () => {
  const h = setup();
  const { recorder, gatewaySide } = await listening(h);
  const gwAccepted = new Recorder();
  h.gateway.accept(gatewaySide, LOCAL, REMOTE, gwAccepted);
  await settle();
  h.pair.drop();
  await settle();
  assert.deepEqual(recorder.events.slice(-1), [`reset:${SockwayErrorCode.GatewayClosed}`]);
  assert.deepEqual(recorder.accepted[0]?.events, [`reset:${SockwayErrorCode.GatewayClosed}`]);
  assert.deepEqual((h.listeners.get(1) as Recorder).events, [`reset:${SockwayErrorCode.GatewayClosed}`]);
  assert.deepEqual(gwAccepted.events, [`reset:${SockwayErrorCode.GatewayClosed}`]);
});

test('accept() refuses a listener still opening, a connect stream, and a closing session', async () => {
  const h = setup({ onListen: () => new Recorder() });
  const recorder = new Recorder();
  h.client.listen(LISTEN, recorder);
  await settle();
  const gatewaySide = h.gateway.stream(1) as SessionStream;
  assert.equal(h.gateway.accept(gatewaySide, LOCAL, REMOTE, new Recorder()), null, 'before LISTENING');
  gatewaySide.listening(LOCAL);
  assert.ok(h.gateway.accept(gatewaySide, LOCAL, REMOTE, new Recorder()));
  assert.equal(h.client.accept(gatewaySide, LOCAL, REMOTE, new Recorder()), null, 'clients do not accept');
  h.gateway.close();
  assert.equal(h.gateway.accept(gatewaySide, LOCAL, REMOTE, new Recorder()), null, 'closing');
});

test('ACCEPTs beyond the client\'s maxStreams are refused with SOCKWAY_ERR_STREAM_LIMIT', async () => {
  const pair = createTransportPair();
  const listeners: SessionStream[] = [];
  const gateway = new Session({ role: 'gateway', transport: pair.b, timers, onListen: (stream) => { listeners.push(stream); return new Recorder(); } });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0, limits: { maxStreams: 2 } });
  const recorder = new Recorder();
  client.listen(LISTEN, recorder);
  await settle();
  (listeners[0] as SessionStream).listening(LOCAL);
  const refused = [new Recorder(), new Recorder(), new Recorder()];
  for (const r of refused) gateway.accept(listeners[0] as SessionStream, LOCAL, REMOTE, r);
  await settle();
  assert.deepEqual(refused.map((r) => r.events), [[], [], [`reset:${SockwayErrorCode.StreamLimit}`]]);
});
