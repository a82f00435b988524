import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wireError } from '../shared/errors.ts';
import { encodeData, encodeFrame } from '../shared/frame.ts';
import { FrameTrace } from './frame-trace.ts';

/** The lines without their time stamps. */
const lines = (trace: FrameTrace): string[] => trace.text().trimEnd().split('\n').map((line) => line.replace(/^\+\d+\.\d{3}s /, ''));

test('frames become readable lines; DATA shows its first bytes as text, escaped', () => {
  const trace = new FrameTrace();
  trace.record('page→gw', encodeFrame({ type: 'open', streamId: 1, host: 'db.internal', port: 5432, family: 0, localAddress: '', localPort: 0, noDelay: false, keepAlive: false, keepAliveInitialDelay: 0 }));
  trace.record('page→gw', encodeData(1, Buffer.from('PING\r\n"\\\u0001')));
  trace.record('gw→page', encodeData(1, Buffer.alloc(40, 0x61)));
  trace.record('gw→page', encodeFrame({ type: 'reset', streamId: 1, error: wireError({ code: 'ECONNRESET', syscall: 'read' }) }));
  trace.record('gw→page', 'close 1011 dropped');
  assert.deepEqual(lines(trace), [
    'page→gw  OPEN#1 db.internal:5432',
    'page→gw  DATA#1 9B "PING\\r\\n\\"\\\\\\x01"',
    `gw→page  DATA#1 40B "${'a'.repeat(32)}"…`,
    'gw→page  RESET#1 ECONNRESET read',
    'gw→page  close 1011 dropped',
  ]);
});

test('an undecodable message says so instead of failing the trace', () => {
  const trace = new FrameTrace();
  trace.record('page→gw', new Uint8Array([0xff, 1, 2]));
  assert.match(lines(trace)[0] ?? '', /^page→gw {2}undecodable 3B \(/);
});

test('only the newest lines are kept, after a line counting the dropped ones', () => {
  const trace = new FrameTrace(3);
  for (let i = 1; i <= 5; i += 1) trace.record('page→gw', `event ${i}`);
  assert.deepEqual(lines(trace), ['(2 earlier lines dropped)', 'page→gw  event 3', 'page→gw  event 4', 'page→gw  event 5']);
});
