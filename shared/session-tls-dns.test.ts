/**
 * Session behaviour of STARTTLS/SECURED and QUERY/ANSWER over the in-memory pair:
 * ordering against DATA, direction and state rules, short-lived query streams.
 * @see PROTOCOL.md#starttls @see PROTOCOL.md#query
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type WireError, SockwayErrorCode, wireError } from './errors.ts';
import { type DnsAnswer, type QueryFrame, type SecuredFrame, type TlsOptions, encodeFrame } from './frame.ts';
import { Session, type SessionStream, type StreamHandler } from './session.ts';
import { createTransportPair, type TransportPair } from './testing/transport-pair.ts';
import type { Timers } from './transport.ts';

const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

const TLS: TlsOptions = {
  servername: 'db.test', hostname: 'db.test', rejectUnauthorized: true, checkIdentity: true, minVersion: '', maxVersion: '',
  alpnProtocols: ['postgresql'], ciphers: '', ca: 'PEM', cert: '', key: '', passphrase: '',
};

const SECURED: Omit<SecuredFrame, 'type' | 'streamId'> = {
  authorized: true, authorizationError: '', protocol: 'TLSv1.3', alpnProtocol: 'postgresql',
  cipher: { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' }, peerCertificate: null,
};

/** Records a stream's events, in order, with the bytes received so far at each. */
class Recorder implements StreamHandler {
  events: string[] = [];
  received = 0;
  stream: SessionStream | null = null;
  tls: TlsOptions | null = null;
  secured: SecuredFrame | null = null;
  answer: DnsAnswer | null = null;
  errors: WireError[] = [];
  onOpened(): void { this.events.push('opened'); }
  onData(data: Uint8Array): void {
    this.received += data.length;
    this.stream?.consume(data.length);
  }
  onEnd(): void { this.events.push('end'); }
  onReset(error: WireError): void { this.events.push(`reset:${error.code}`); this.errors.push(error); }
  onDrain(): void {}
  onStartTls(tls: TlsOptions): void { this.events.push(`starttls@${this.received}`); this.tls = tls; }
  onSecured(frame: SecuredFrame): void { this.events.push('secured'); this.secured = frame; }
  onAnswer(answer: DnsAnswer): void { this.events.push('answer'); this.answer = answer; }
}

interface Harness {
  pair: TransportPair;
  client: Session;
  gateway: Session;
  accepted: Map<number, Recorder>;
  clientClosed: Array<WireError | null>;
}

function setup(options: {
  openNow?: boolean;
  noStartTls?: boolean;
  maxStreams?: number;
  onQuery?: (stream: SessionStream, frame: QueryFrame) => StreamHandler | WireError;
} = {}): Harness {
  const pair = createTransportPair();
  const accepted = new Map<number, Recorder>();
  const clientClosed: Array<WireError | null> = [];
  const gateway = new Session({
    role: 'gateway',
    transport: pair.b,
    timers,
    limits: { streamWindow: 64 * 1024, maxPayload: 16 * 1024, ...(options.maxStreams === undefined ? {} : { maxStreams: options.maxStreams }) },
    onOpen: (stream) => {
      const recorder = new Recorder();
      recorder.stream = stream;
      accepted.set(stream.id, recorder);
      if (options.openNow !== false) stream.opened({ address: '127.0.0.1', port: 40000, family: 4 }, { address: '127.0.0.1', port: 5432, family: 4 });
      // A handler without onStartTls: a gateway that does not do TLS.
      if (options.noStartTls === true) return { onData: () => {}, onEnd: () => {}, onReset: () => {}, onDrain: () => {} };
      return recorder;
    },
    ...(options.onQuery === undefined ? {} : { onQuery: options.onQuery }),
  });
  const client = new Session({ role: 'client', transport: pair.a, timers, keepaliveInterval: 0, onClose: (error) => clientClosed.push(error) });
  return { pair, client, gateway, accepted, clientClosed };
}

/** Lets every message in flight on the in-memory pair arrive and what it causes happen (no clock involved). */
async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

function openStream(h: Harness): { stream: SessionStream; recorder: Recorder } {
  const recorder = new Recorder();
  const stream = h.client.open({ host: 'db.test', port: 5432, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }, recorder);
  assert.ok(stream);
  recorder.stream = stream;
  return { stream, recorder };
}

test('STARTTLS pipelined behind OPEN reaches the gateway while the stream is opening', async () => {
  const h = setup({ openNow: false });
  const { stream, recorder } = openStream(h);
  assert.equal(stream.startTls(TLS), true);
  assert.equal(stream.startTls(TLS), false, 'a second STARTTLS is refused locally');
  await settle();
  const gatewaySide = h.accepted.get(stream.id) as Recorder;
  assert.deepEqual(gatewaySide.events, ['starttls@0']);
  assert.deepEqual(gatewaySide.tls, TLS);
  assert.deepEqual(h.pair.tap.filter((t) => t.from === 'a' && t.frame.type !== 'hello').map((t) => t.frame.type), ['open', 'starttls']);
  // The gateway connects, then finishes the handshake.
  const gatewayStream = gatewaySide.stream as SessionStream;
  gatewayStream.opened({ address: '127.0.0.1', port: 40000, family: 4 }, { address: '127.0.0.1', port: 5432, family: 4 });
  gatewayStream.secured(SECURED);
  gatewayStream.secured(SECURED); // only once
  await settle();
  assert.deepEqual(recorder.events, ['opened', 'secured']);
  assert.deepEqual(recorder.secured, { type: 'secured', streamId: stream.id, ...SECURED });
  assert.equal(stream.tls, 'secured');
  assert.equal(h.clientClosed.length, 0);
});

test('STARTTLS follows every byte written before it and precedes every byte written after it', async () => {
  const h = setup();
  const { stream } = openStream(h);
  await settle();
  const before = 150_000; // more than the 64 KiB window: STARTTLS must wait for credit too
  stream.write(new Uint8Array(before).fill(1));
  assert.equal(stream.startTls(TLS), true);
  stream.write(new Uint8Array(5000).fill(2));
  stream.end();
  for (let i = 0; i < 50 && (h.accepted.get(stream.id)?.events.length ?? 0) < 2; i++) await settle();
  const gatewaySide = h.accepted.get(stream.id) as Recorder;
  assert.deepEqual(gatewaySide.events, [`starttls@${before}`, 'end']);
  assert.equal(gatewaySide.received, before + 5000);
  // No DATA frame spans the barrier.
  const sent = h.pair.tap.filter((t) => t.from === 'a' && (t.frame.type === 'data' || t.frame.type === 'starttls'));
  let offset = 0;
  for (const { frame } of sent) {
    if (frame.type === 'starttls') {
      assert.equal(offset, before);
      continue;
    }
    if (frame.type === 'data') offset += frame.data.length;
  }
});

test('a gateway without onStartTls resets the stream SOCKWAY_ERR_UNSUPPORTED', async () => {
  const h = setup({ noStartTls: true });
  const { stream, recorder } = openStream(h);
  await settle();
  stream.startTls(TLS);
  await settle();
  assert.deepEqual(recorder.events, ['opened', `reset:${SockwayErrorCode.Unsupported}`]);
  assert.equal(h.clientClosed.length, 0);
});

test('SECURED without STARTTLS fails the session (SOCKWAY_ERR_PROTOCOL)', async () => {
  const h = setup();
  const { stream } = openStream(h);
  await settle();
  h.pair.b.send(encodeFrame({ type: 'secured', streamId: stream.id, ...SECURED }));
  await settle();
  assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.Protocol);
  assert.equal(h.clientClosed[0]?.message, `SECURED on stream ${stream.id} in state open`);
});

test('STARTTLS sent to a client, or on a stream the gateway opened, is a protocol error', async () => {
  const h = setup();
  const { stream } = openStream(h);
  await settle();
  h.pair.b.send(encodeFrame({ type: 'starttls', streamId: stream.id, tls: TLS }));
  await settle();
  assert.equal(h.clientClosed[0]?.code, SockwayErrorCode.Protocol);
  assert.equal(h.clientClosed[0]?.message, 'unexpected STARTTLS on a client session');
});

test('QUERY opens a short-lived stream that ANSWER finishes on both sides', async () => {
  const queries: QueryFrame[] = [];
  const h = setup({
    onQuery: (stream, frame) => {
      queries.push(frame);
      queueMicrotask(() => stream.answer({ rrtype: 'SRV', records: [{ priority: 1, weight: 2, port: 5432, name: 'db.test' }] }));
      return new Recorder();
    },
  });
  const recorder = new Recorder();
  const stream = h.client.query({ rrtype: 'SRV', name: '_pg._tcp.test', family: 0, hints: 0 }, recorder);
  assert.ok(stream);
  assert.equal(stream.id % 2, 1);
  assert.equal(stream.write(new Uint8Array(1)), false, 'a query stream carries no DATA');
  await settle();
  assert.deepEqual(queries.map((q) => [q.rrtype, q.name]), [['SRV', '_pg._tcp.test']]);
  assert.deepEqual(recorder.events, ['answer']);
  assert.deepEqual(recorder.answer, { rrtype: 'SRV', records: [{ priority: 1, weight: 2, port: 5432, name: 'db.test' }] });
  assert.equal(stream.state, 'closed');
  assert.equal(h.client.streamCount, 0);
  assert.equal(h.gateway.streamCount, 0);
  // The next stream's id keeps increasing past the query's.
  const { stream: next } = openStream(h);
  assert.equal(next.id, stream.id + 2);
});

test('a refused QUERY arrives as onReset with the error fields', async () => {
  const h = setup({ onQuery: () => wireError({ code: 'ENOTFOUND', syscall: 'queryA', hostname: 'nope.test' }) });
  const recorder = new Recorder();
  h.client.query({ rrtype: 'A', name: 'nope.test', family: 0, hints: 0 }, recorder);
  await settle();
  assert.deepEqual(recorder.events, ['reset:ENOTFOUND']);
  assert.equal(recorder.errors[0]?.syscall, 'queryA');
  assert.equal(recorder.errors[0]?.hostname, 'nope.test');
  assert.equal(h.client.streamCount, 0);
});

test('a gateway without onQuery refuses QUERY as unsupported; queries count against maxStreams', async () => {
  const h = setup();
  const recorder = new Recorder();
  h.client.query({ rrtype: 'lookup', name: 'localhost', family: 0, hints: 0 }, recorder);
  await settle();
  assert.deepEqual(recorder.events, [`reset:${SockwayErrorCode.Unsupported}`]);

  const pending: SessionStream[] = [];
  const limited = setup({ maxStreams: 1, onQuery: (stream) => { pending.push(stream); return new Recorder(); } });
  const first = new Recorder();
  const second = new Recorder();
  limited.client.query({ rrtype: 'A', name: 'a.test', family: 0, hints: 0 }, first);
  limited.client.query({ rrtype: 'A', name: 'b.test', family: 0, hints: 0 }, second);
  await settle();
  assert.deepEqual(first.events, []);
  assert.deepEqual(second.events, [`reset:${SockwayErrorCode.StreamLimit}`]);
  pending[0]?.answer({ rrtype: 'A', records: [{ address: '192.0.2.1', family: 4, ttl: 60 }] });
  await settle();
  assert.deepEqual(first.answer, { rrtype: 'A', records: [{ address: '192.0.2.1', family: 4, ttl: 60 }] });
});

test('DATA on a query stream, and ANSWER on a connect stream, fail the session', async () => {
  const h = setup({ onQuery: () => new Recorder() });
  const stream = h.client.query({ rrtype: 'A', name: 'a.test', family: 0, hints: 0 }, new Recorder());
  assert.ok(stream);
  await settle();
  h.pair.b.send(encodeFrame({ type: 'data', streamId: stream.id, data: new Uint8Array([1]) }));
  await settle();
  assert.equal(h.clientClosed[0]?.message, `DATA on stream ${stream.id} in state opening`);

  const other = setup();
  const { stream: connect } = openStream(other);
  await settle();
  other.pair.b.send(encodeFrame({ type: 'answer', streamId: connect.id, answer: { rrtype: 'A', records: [] } }));
  await settle();
  assert.equal(other.clientClosed[0]?.message, `ANSWER on stream ${connect.id} in state open`);
});
