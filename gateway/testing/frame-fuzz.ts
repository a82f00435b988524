/**
 * The frame fuzzer's generators (fast-check): frames of every type, byte mutations, and
 * plausible sequences of operations on one WebSocket (OPEN ids mostly increasing, other
 * frames naming live streams), plus the runner of one such sequence against a gateway.
 * Used by gateway/fuzz.test.ts's properties and by the abuse suite's fuzzing attacker.
 */
import { once } from 'node:events';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import type { WireError } from '../../shared/errors.ts';
import { type Endpoint, type Frame, encodeFrame } from '../../shared/frame.ts';
import { MAX_CREDIT_OFFSET } from '../../shared/protocol.ts';


const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const streamId = fc.integer({ min: 1, max: 0xffff_ffff });
const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength });
const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });
const family = fc.constantFrom(4 as const, 6 as const);
const endpoint: fc.Arbitrary<Endpoint> = fc.record({ address: text(40), port: u16, family });
const limits = fc.record({ maxPayload: u32, streamWindow: u32, maxStreams: u32, idleTimeout: u32 });
const wireErr: fc.Arbitrary<WireError> = fc.record({
  code: text(30).filter((s) => s !== ''),
  errno: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  syscall: text(12),
  address: text(40),
  port: fc.integer({ min: -1, max: 0xffff }),
  hostname: text(40),
  message: text(200),
});

/** Frames the encoder accepts, of every type. */
export const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), streamId: fc.constant(0 as const), minVersion: u8, maxVersion: u8, limits }),
  fc.record({ type: fc.constant('welcome' as const), streamId: fc.constant(0 as const), version: u8, limits, sessionId: bytes(16), resumeToken: bytes(16) }),
  fc.record({ type: fc.constant('resume' as const), streamId: fc.constant(0 as const), sessionId: bytes(16), resumeToken: bytes(16), received: fc.integer({ min: 0, max: MAX_CREDIT_OFFSET }) }),
  fc.record({ type: fc.constant('ack' as const), streamId: fc.constant(0 as const), received: fc.integer({ min: 0, max: MAX_CREDIT_OFFSET }) }),
  fc.record({ type: fc.constant('ping' as const), streamId: fc.constant(0 as const), payload: bytes(8) }),
  fc.record({ type: fc.constant('pong' as const), streamId: fc.constant(0 as const), payload: bytes(8) }),
  fc.record({ type: fc.constant('goaway' as const), streamId: fc.constant(0 as const), lastStreamId: u32, error: wireErr }),
  fc.record({
    type: fc.constant('open' as const), streamId, host: text(60).filter((s) => s !== ''), port: u16, family: fc.constantFrom(0 as const, 4 as const, 6 as const),
    localAddress: text(40), localPort: u16, noDelay: fc.boolean(), keepAlive: fc.boolean(), keepAliveInitialDelay: u32,
  }),
  fc.record({ type: fc.constant('resolved' as const), streamId, address: text(40), family }),
  fc.record({ type: fc.constant('opened' as const), streamId, local: endpoint, remote: endpoint }),
  fc.record({ type: fc.constant('data' as const), streamId, data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ type: fc.constant('end' as const), streamId }),
  fc.record({ type: fc.constant('reset' as const), streamId, error: wireErr }),
  fc.record({ type: fc.constant('window' as const), streamId, limit: fc.integer({ min: 0, max: MAX_CREDIT_OFFSET }) }),
  fc.record({ type: fc.constant('listen' as const), streamId, host: text(40), port: u16, backlog: u32, ipv6Only: fc.boolean(), exclusive: fc.boolean() }),
  fc.record({ type: fc.constant('listening' as const), streamId, local: endpoint }),
  fc.record({ type: fc.constant('accept' as const), streamId, listenerId: u32, local: endpoint, remote: endpoint }),
).filter((frame) => {
  try {
    encodeFrame(frame as Frame);
    return true;
  } catch {
    return false;
  }
}) as fc.Arbitrary<Frame>;

/** A change to an encoded frame's bytes. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'append'; readonly extra: Uint8Array }
  | { readonly kind: 'type'; readonly value: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: u8 }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('type' as const), value: u8 }),
);

/** Applies `mutations` to a copy of `encoded`. */
export function mutate(encoded: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(encoded);
  for (const m of mutations) {
    switch (m.kind) {
      case 'flip':
        if (out.length > 0) out[m.at % out.length] = m.value;
        break;
      case 'truncate':
        out = out.subarray(0, m.at % (out.length + 1));
        break;
      case 'append':
        out = Uint8Array.from([...out, ...m.extra]);
        break;
      case 'type':
        if (out.length > 0) out[0] = m.value;
        break;
    }
  }
  return out;
}

/** What the fuzzer sends on one WebSocket. */
export type Step =
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'mutated'; readonly frame: Frame; readonly mutations: readonly Mutation[] }
  | { readonly kind: 'text' }
  | { readonly kind: 'wait'; readonly ms: number };

/** One fuzzing operation; stream ids are filled in as the sequence is built, so most frames are plausible. */
type Op =
  | { readonly op: 'open'; readonly host: string; readonly port: number; readonly skip: number }
  | { readonly op: 'data'; readonly pick: number; readonly data: Uint8Array }
  | { readonly op: 'end' | 'reset-rst' | 'reset-close'; readonly pick: number }
  | { readonly op: 'window'; readonly pick: number; readonly limit: number }
  | { readonly op: 'ping'; readonly payload: Uint8Array }
  | { readonly op: 'listen'; readonly skip: number; readonly port: number }
  | { readonly op: 'wait'; readonly ms: number }
  | { readonly op: 'any'; readonly frame: Frame }
  | { readonly op: 'bytes'; readonly bytes: Uint8Array }
  | { readonly op: 'mutate'; readonly mutations: readonly Mutation[] }
  | { readonly op: 'text' };

/** Sequences of steps for one WebSocket; OPENs mostly go to 127.0.0.1/localhost:`targetPort`. */
export function stepsFor(targetPort: number): fc.Arbitrary<{ hello: boolean; steps: Step[] }> {
  const pick = fc.nat(16);
  const host = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('127.0.0.1', '127.1', 'localhost') },
    { weight: 1, arbitrary: fc.constantFrom('10.0.0.1', 'denied.example', '::1', '0.0.0.0', '169.254.169.254', 'x', 'nosuch.invalid') },
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('open' as const), host, port: fc.oneof({ weight: 4, arbitrary: fc.constant(targetPort) }, { weight: 1, arbitrary: u16 }), skip: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 1, -1) }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('data' as const), pick, data: fc.uint8Array({ minLength: 1, maxLength: 4096 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('end' as const, 'reset-rst' as const, 'reset-close' as const), pick }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('window' as const), pick, limit: fc.oneof(fc.integer({ min: 0, max: 1 << 24 }), fc.constant(MAX_CREDIT_OFFSET)) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('ping' as const), payload: bytes(8) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('listen' as const), skip: fc.constant(0), port: fc.constantFrom(0, 1) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('any' as const), frame: anyFrame }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('mutate' as const), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'text' as const }) },
  );
  return fc.record({ hello: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), ops: fc.array(op, { maxLength: 30 }) })
    .map(({ hello, ops }) => ({ hello, steps: build(ops) }));
}

/** Turns operations into frames: OPEN/LISTEN ids increase (mostly), other frames name live ids. */
function build(ops: readonly Op[]): Step[] {
  const ids: number[] = [];
  let next = 1;
  let last: Frame | null = null;
  const steps: Step[] = [];
  const id = (index: number): number => ids.length === 0 ? 1 : ids[index % ids.length] as number;
  const push = (frame: Frame): void => {
    last = frame;
    steps.push({ kind: 'frame', frame });
  };
  for (const o of ops) {
    switch (o.op) {
      case 'open': {
        const streamId = Math.max(1, next + 2 * o.skip);
        next = Math.max(next, streamId + 2);
        ids.push(streamId);
        push({ type: 'open', streamId, host: o.host, port: o.port, family: 0, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0 });
        // Give the gateway time to connect, so DATA often finds the stream open.
        steps.push({ kind: 'wait', ms: 3 });
        break;
      }
      case 'listen': {
        const streamId = next;
        next += 2;
        ids.push(streamId);
        push({ type: 'listen', streamId, host: '127.0.0.1', port: o.port, backlog: 16, ipv6Only: false, exclusive: false });
        break;
      }
      case 'data': push({ type: 'data', streamId: id(o.pick), data: o.data }); break;
      case 'end': push({ type: 'end', streamId: id(o.pick) }); break;
      case 'reset-rst':
      case 'reset-close':
        push({ type: 'reset', streamId: id(o.pick), error: { code: o.op === 'reset-rst' ? 'ECONNRESET' : 'SOCKWAY_ERR_CLOSED', errno: 0, syscall: '', address: '', port: -1, hostname: '', message: '' } });
        break;
      case 'window': push({ type: 'window', streamId: id(o.pick), limit: o.limit }); break;
      case 'ping': push({ type: 'ping', streamId: 0, payload: o.payload }); break;
      case 'wait': steps.push({ kind: 'wait', ms: o.ms }); break;
      case 'any': push(o.frame); break;
      case 'bytes': steps.push({ kind: 'bytes', bytes: o.bytes }); break;
      case 'mutate': {
        const base: Frame = last ?? { type: 'end', streamId: 1 };
        steps.push({ kind: 'mutated', frame: base, mutations: o.mutations });
        break;
      }
      case 'text': steps.push({ kind: 'text' }); break;
    }
  }
  return steps;
}

function encodeStep(step: Exclude<Step, { kind: 'wait' }>): Uint8Array | string {
  switch (step.kind) {
    case 'frame':
      return encodeFrame(step.frame);
    case 'bytes':
      return step.bytes;
    case 'mutated':
      return mutate(encodeFrame(step.frame), step.mutations);
    case 'text':
      return 'hello?';
  }
}

const MARKER = Uint8Array.from([0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 1]);

/**
 * Runs one fuzzed WebSocket to its end: the gateway answers the final marker PING, or
 * closes; throws if it does neither within 3 s. `localAddress`: the source address.
 */
export async function fuzzOne(url: string, hello: boolean, steps: readonly Step[], localAddress?: string): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress === undefined ? {} : { localAddress }) });
  ws.on('error', () => {});
  const closed = once(ws, 'close');
  await Promise.race([once(ws, 'open'), closed]);
  if (ws.readyState !== WebSocket.OPEN) return;
  let answered = false;
  ws.on('message', (data: Buffer) => {
    if (data.length === 13 && data[0] === 0x06 && Buffer.from(MARKER).equals(data.subarray(5))) answered = true;
  });
  const helloFrame = encodeFrame({ type: 'hello', streamId: 0, minVersion: 1, maxVersion: 1, limits: { maxPayload: 65_536, streamWindow: 262_144, maxStreams: 1024, idleTimeout: 0 } });
  if (hello) ws.send(helloFrame);
  for (const step of steps) {
    if ((ws.readyState as number) !== WebSocket.OPEN) break;
    if (step.kind === 'wait') {
      await new Promise((resolve) => setTimeout(resolve, step.ms));
      continue;
    }
    const message = encodeStep(step);
    ws.send(message, { binary: typeof message !== 'string' });
  }
  if ((ws.readyState as number) === WebSocket.OPEN) ws.send(encodeFrame({ type: 'ping', streamId: 0, payload: MARKER }));
  const deadline = Date.now() + 3_000;
  while (!answered && (ws.readyState as number) !== WebSocket.CLOSED) {
    if (Date.now() > deadline) {
      ws.terminate();
      throw new Error(`the gateway neither answered nor closed: ${steps.map((step) => step.kind === 'frame' ? step.frame.type : step.kind).join(',')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  ws.terminate();
  await closed;
}

