/**
 * Codec tests: round trips, golden wire bytes, malformed input, fuzz.
 * Every expectation here is the wire format of PROTOCOL.md#frames; a change to
 * the bytes must fail a golden vector. [ws receiver.test.js, libp2p-yamux codec.spec.ts]
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type WireError, isProtocolError, SockwayErrorCode, wireError } from './errors.ts';
import {
  type Endpoint,
  type Frame,
  type FrameName,
  type OpenFrame,
  type TlsOptions,
  SESSION_FRAMES,
  decodeFrame,
  encodeData,
  encodeFrame,
  formatFrame,
} from './frame.ts';
import {
  DEFAULT_LIMITS,
  FrameType,
  HEADER_LENGTH,
  LARGE_CONTROL_FRAMES,
  MAX_CONTROL_FRAME,
  MAX_CREDIT_OFFSET,
  MAX_FRAME_LENGTH,
  MAX_PAYLOAD_LIMIT,
  MAX_STREAM_ID,
} from './protocol.ts';

// ---- helpers ----

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  assert.equal(clean.length % 2, 0, `odd hex length: ${text}`);
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function bytesOf(length: number, fill: (i: number) => number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => fill(i) & 0xff);
}

/** Asserts that `fn` throws a ProtocolError with SOCKWAY_ERR_FRAME and exactly `message`. */
function throwsFrameError(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isProtocolError(error), `expected a ProtocolError, got ${String(error)}`);
    assert.equal(error.name, 'ProtocolError');
    assert.equal(error.code, SockwayErrorCode.Frame);
    assert.equal(error.message, message);
    return true;
  });
}

const NAME_OF: { readonly [K in FrameName]: string } = {
  hello: 'HELLO', welcome: 'WELCOME', resume: 'RESUME', ack: 'ACK', ping: 'PING', pong: 'PONG', goaway: 'GOAWAY',
  open: 'OPEN', resolved: 'RESOLVED', opened: 'OPENED', data: 'DATA', end: 'END', reset: 'RESET', window: 'WINDOW',
  listen: 'LISTEN', listening: 'LISTENING', accept: 'ACCEPT',
  starttls: 'STARTTLS', secured: 'SECURED', query: 'QUERY', answer: 'ANSWER',
};
const ALL_NAMES = Object.keys(NAME_OF) as FrameName[];

const SESSION_ID = bytesOf(16, (i) => i);
const RESUME_TOKEN = bytesOf(16, (i) => 0xf0 + i);

function open(fields: Partial<Omit<OpenFrame, 'type'>> = {}): OpenFrame {
  return {
    type: 'open', streamId: 1, host: 'example.com', port: 443, family: 0, localAddress: '', localPort: 0,
    noDelay: false, keepAlive: false, keepAliveInitialDelay: 0, ...fields,
  };
}

const TLS_DEFAULTS: TlsOptions = {
  servername: '', hostname: 'localhost', rejectUnauthorized: true, checkIdentity: true, minVersion: '', maxVersion: '',
  alpnProtocols: [], ciphers: '', ca: '', cert: '', key: '', passphrase: '',
};

function endpoint(address: string, port: number, family: 4 | 6 = 4): Endpoint {
  return { address, port, family };
}

// ---- golden vectors ----

/**
 * A frame and its exact bytes, written field by field from PROTOCOL.md#frames.
 * Each segment is one read unit of the decoder (a u64 is two u32 reads; a string
 * is its length prefix, then its bytes), which lets the truncation test predict
 * the exact "needs N bytes" of every cut.
 */
interface Golden {
  readonly label: string;
  readonly frame: Frame;
  readonly layout: ReadonlyArray<readonly [field: string, hex: string]>;
}

const GOLDEN: readonly Golden[] = [
  {
    label: 'hello',
    frame: { type: 'hello', streamId: 0, minVersion: 1, maxVersion: 1, limits: { maxPayload: 16384, streamWindow: 262144, maxStreams: 1024, idleTimeout: 0 } },
    layout: [
      ['type', '01'], ['streamId', '00000000'],
      ['minVersion', '01'], ['maxVersion', '01'],
      ['maxPayload', '00004000'], ['streamWindow', '00040000'], ['maxStreams', '00000400'], ['idleTimeout', '00000000'],
    ],
  },
  {
    label: 'welcome',
    frame: {
      type: 'welcome', streamId: 0, version: 1,
      limits: { maxPayload: 65536, streamWindow: 1048576, maxStreams: 100, idleTimeout: 30000 },
      sessionId: SESSION_ID, resumeToken: RESUME_TOKEN,
    },
    layout: [
      ['type', '02'], ['streamId', '00000000'],
      ['version', '01'],
      ['maxPayload', '00010000'], ['streamWindow', '00100000'], ['maxStreams', '00000064'], ['idleTimeout', '00007530'],
      ['sessionId', '000102030405060708090a0b0c0d0e0f'],
      ['resumeToken', 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'],
    ],
  },
  {
    label: 'resume',
    frame: { type: 'resume', streamId: 0, sessionId: SESSION_ID, resumeToken: RESUME_TOKEN, received: 4294967298 },
    layout: [
      ['type', '03'], ['streamId', '00000000'],
      ['sessionId', '000102030405060708090a0b0c0d0e0f'],
      ['resumeToken', 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'],
      ['received high', '00000001'], ['received low', '00000002'],
    ],
  },
  {
    label: 'ack',
    frame: { type: 'ack', streamId: 0, received: MAX_CREDIT_OFFSET },
    layout: [['type', '04'], ['streamId', '00000000'], ['received high', '001fffff'], ['received low', 'ffffffff']],
  },
  {
    label: 'ping',
    frame: { type: 'ping', streamId: 0, payload: fromHex('deadbeef00000001') },
    layout: [['type', '05'], ['streamId', '00000000'], ['payload', 'deadbeef00000001']],
  },
  {
    label: 'pong',
    frame: { type: 'pong', streamId: 0, payload: fromHex('deadbeef00000001') },
    layout: [['type', '06'], ['streamId', '00000000'], ['payload', 'deadbeef00000001']],
  },
  {
    label: 'goaway',
    frame: { type: 'goaway', streamId: 0, lastStreamId: 7, error: wireError({ code: 'SOCKWAY_ERR_GOING_AWAY', message: 'maintenance' }) },
    layout: [
      ['type', '07'], ['streamId', '00000000'],
      ['lastStreamId', '00000007'],
      ['errno', '00000000'], ['port', 'ffffffff'],
      ['code length', '16'], ['code', '534f434b5741595f4552525f474f494e475f41574159'],
      ['syscall length', '00'], ['syscall', ''],
      ['address length', '00'], ['address', ''],
      ['hostname length', '00'], ['hostname', ''],
      ['message length', '000b'], ['message', '6d61696e74656e616e6365'],
    ],
  },
  {
    label: 'open',
    frame: open({ host: 'example.com', port: 443, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 }),
    layout: [
      ['type', '10'], ['streamId', '00000001'],
      ['port', '01bb'], ['family', '00'], ['flags', '03'], ['keepAliveInitialDelay', '000003e8'], ['localPort', '0000'],
      ['host length', '0b'], ['host', '6578616d706c652e636f6d'],
      ['localAddress length', '00'], ['localAddress', ''],
    ],
  },
  {
    label: 'open (IPv6, non-ASCII host, local address)',
    frame: open({ streamId: 3, host: 'bücher.de', port: 5432, family: 6, localAddress: '::1', localPort: 65535, keepAlive: true }),
    layout: [
      ['type', '10'], ['streamId', '00000003'],
      ['port', '1538'], ['family', '06'], ['flags', '02'], ['keepAliveInitialDelay', '00000000'], ['localPort', 'ffff'],
      ['host length', '0a'], ['host', '62c3bc636865722e6465'],
      ['localAddress length', '03'], ['localAddress', '3a3a31'],
    ],
  },
  {
    label: 'resolved',
    frame: { type: 'resolved', streamId: 1, address: '192.0.2.1', family: 4 },
    layout: [['type', '11'], ['streamId', '00000001'], ['family', '04'], ['address length', '09'], ['address', '3139322e302e322e31']],
  },
  {
    label: 'opened',
    frame: { type: 'opened', streamId: 1, local: endpoint('10.0.0.2', 50000), remote: endpoint('::1', 443, 6) },
    layout: [
      ['type', '12'], ['streamId', '00000001'],
      ['local family', '04'], ['local port', 'c350'], ['local address length', '08'], ['local address', '31302e302e302e32'],
      ['remote family', '06'], ['remote port', '01bb'], ['remote address length', '03'], ['remote address', '3a3a31'],
    ],
  },
  {
    label: 'data',
    frame: { type: 'data', streamId: 3, data: fromHex('6869') },
    layout: [['type', '13'], ['streamId', '00000003'], ['payload', '6869']],
  },
  {
    label: 'end',
    frame: { type: 'end', streamId: 3 },
    layout: [['type', '14'], ['streamId', '00000003']],
  },
  {
    label: 'reset (system error from the gateway)',
    frame: {
      type: 'reset', streamId: 3,
      error: wireError({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 1 }),
    },
    layout: [
      ['type', '15'], ['streamId', '00000003'],
      ['errno', 'ffffff91'], ['port', '00000001'],
      ['code length', '0c'], ['code', '45434f4e4e52454655534544'],
      ['syscall length', '07'], ['syscall', '636f6e6e656374'],
      ['address length', '09'], ['address', '3132372e302e302e31'],
      ['hostname length', '00'], ['hostname', ''],
      ['message length', '0000'], ['message', ''],
    ],
  },
  {
    label: 'reset (ECONNRESET from the client: TCP RST)',
    frame: { type: 'reset', streamId: 1, error: wireError({ code: 'ECONNRESET' }) },
    layout: [
      ['type', '15'], ['streamId', '00000001'],
      ['errno', '00000000'], ['port', 'ffffffff'],
      ['code length', '0a'], ['code', '45434f4e4e5245534554'],
      ['syscall length', '00'], ['syscall', ''],
      ['address length', '00'], ['address', ''],
      ['hostname length', '00'], ['hostname', ''],
      ['message length', '0000'], ['message', ''],
    ],
  },
  {
    label: 'window',
    frame: { type: 'window', streamId: 3, limit: 393216 },
    layout: [['type', '16'], ['streamId', '00000003'], ['limit high', '00000000'], ['limit low', '00060000']],
  },
  {
    label: 'listen',
    frame: { type: 'listen', streamId: 5, host: '', port: 8080, backlog: 511, ipv6Only: true, exclusive: false },
    layout: [
      ['type', '20'], ['streamId', '00000005'],
      ['port', '1f90'], ['flags', '01'], ['backlog', '000001ff'], ['host length', '00'], ['host', ''],
    ],
  },
  {
    label: 'listening',
    frame: { type: 'listening', streamId: 5, local: endpoint('0.0.0.0', 8080) },
    layout: [
      ['type', '21'], ['streamId', '00000005'],
      ['local family', '04'], ['local port', '1f90'], ['local address length', '07'], ['local address', '302e302e302e30'],
    ],
  },
  {
    label: 'accept',
    frame: { type: 'accept', streamId: 2, listenerId: 5, local: endpoint('127.0.0.1', 8080), remote: endpoint('127.0.0.1', 54321) },
    layout: [
      ['type', '22'], ['streamId', '00000002'],
      ['listenerId', '00000005'],
      ['local family', '04'], ['local port', '1f90'], ['local address length', '09'], ['local address', '3132372e302e302e31'],
      ['remote family', '04'], ['remote port', 'd431'], ['remote address length', '09'], ['remote address', '3132372e302e302e31'],
    ],
  },
  {
    label: 'starttls',
    frame: { type: 'starttls', streamId: 1, tls: { ...TLS_DEFAULTS, servername: 'db', hostname: 'db', minVersion: 'TLSv1.2', alpnProtocols: ['h2'], ca: 'CA' } },
    layout: [
      ['type', '30'], ['streamId', '00000001'],
      ['flags', '03'],
      ['servername length', '02'], ['servername', '6462'],
      ['hostname length', '02'], ['hostname', '6462'],
      ['minVersion length', '07'], ['minVersion', '544c5376312e32'],
      ['maxVersion length', '00'], ['maxVersion', ''],
      ['alpn count', '01'], ['alpn length', '02'], ['alpn', '6832'],
      ['ciphers length', '0000'], ['ciphers', ''],
      ['ca length', '0002'], ['ca', '4341'],
      ['cert length', '0000'], ['cert', ''],
      ['key length', '0000'], ['key', ''],
      ['passphrase length', '00'], ['passphrase', ''],
    ],
  },
  {
    label: 'secured',
    frame: {
      type: 'secured', streamId: 1, authorized: true, authorizationError: '', protocol: 'TLSv1.3', alpnProtocol: 'h2',
      cipher: { name: 'A', standardName: 'B', version: 'C' },
      peerCertificate: {
        subject: [['CN', 'db']], issuer: [], validFrom: 'F', validTo: 'T', serialNumber: '01', fingerprint: 'AA',
        fingerprint256: '', fingerprint512: '', subjectAltName: 'DNS:db', raw: new Uint8Array([0x30, 0x00]),
      },
    },
    layout: [
      ['type', '31'], ['streamId', '00000001'],
      ['flags', '03'],
      ['authorizationError length', '00'], ['authorizationError', ''],
      ['protocol length', '07'], ['protocol', '544c5376312e33'],
      ['alpnProtocol length', '02'], ['alpnProtocol', '6832'],
      ['cipher name length', '01'], ['cipher name', '41'],
      ['cipher standardName length', '01'], ['cipher standardName', '42'],
      ['cipher version length', '01'], ['cipher version', '43'],
      ['subject count', '01'], ['subject name length', '02'], ['subject name', '434e'], ['subject value length', '0002'], ['subject value', '6462'],
      ['issuer count', '00'],
      ['valid_from length', '01'], ['valid_from', '46'],
      ['valid_to length', '01'], ['valid_to', '54'],
      ['serialNumber length', '02'], ['serialNumber', '3031'],
      ['fingerprint length', '02'], ['fingerprint', '4141'],
      ['fingerprint256 length', '00'], ['fingerprint256', ''],
      ['fingerprint512 length', '00'], ['fingerprint512', ''],
      ['subjectaltname length', '0006'], ['subjectaltname', '444e533a6462'],
      ['raw length', '0002'], ['raw', '3000'],
    ],
  },
  {
    label: 'query',
    frame: { type: 'query', streamId: 3, rrtype: 'lookup', name: 'db', family: 4, hints: 0x04 },
    layout: [
      ['type', '40'], ['streamId', '00000003'],
      ['rrtype', '0000'], ['family', '04'], ['hints', '04'], ['name length', '02'], ['name', '6462'],
    ],
  },
  {
    label: 'answer',
    frame: { type: 'answer', streamId: 3, answer: { rrtype: 'SRV', records: [{ priority: 10, weight: 5, port: 5432, name: 'db' }] } },
    layout: [
      ['type', '41'], ['streamId', '00000003'],
      ['rrtype', '0021'], ['count', '0001'],
      ['priority', '000a'], ['weight', '0005'], ['port', '1538'], ['name length', '02'], ['name', '6462'],
    ],
  },
];

function goldenOf(type: FrameName): Golden {
  const golden = GOLDEN.find((g) => g.frame.type === type);
  assert.ok(golden, `no golden vector for ${type}`);
  return golden;
}

function goldenHex(golden: Golden): string {
  return golden.layout.map(([, h]) => h).join('');
}

/** The golden bytes of `type` with some fields replaced by other hex. */
function patched(type: FrameName, replace: Readonly<Record<string, string>>): Uint8Array {
  const golden = goldenOf(type);
  for (const field of Object.keys(replace)) {
    assert.ok(golden.layout.some(([name]) => name === field), `${type} has no field ${field}`);
  }
  return fromHex(golden.layout.map(([name, h]) => replace[name] ?? h).join(''));
}

describe('golden wire bytes', () => {
  it('cover all 21 frame types', () => {
    assert.deepEqual(new Set(GOLDEN.map((g) => g.frame.type)), new Set(ALL_NAMES));
    assert.equal(ALL_NAMES.length, 21);
  });

  for (const golden of GOLDEN) {
    it(`${golden.label}: ${formatFrame(golden.frame)}`, () => {
      const expected = goldenHex(golden);
      assert.equal(hex(encodeFrame(golden.frame)), expected, 'encoder output differs from the written layout');
      assert.deepEqual(decodeFrame(fromHex(expected)), golden.frame);
    });
  }

  it('type bytes match FrameType', () => {
    for (const golden of GOLDEN) {
      const key = (Object.keys(FrameType) as (keyof typeof FrameType)[]).find((k) => k.toLowerCase() === golden.frame.type);
      assert.ok(key, golden.frame.type);
      assert.equal(fromHex(goldenHex(golden))[0], FrameType[key]);
    }
  });

  it('encodeData is byte-identical to encodeFrame for DATA', () => {
    const data = fromHex('00ff7f80');
    assert.equal(hex(encodeData(9, data)), hex(encodeFrame({ type: 'data', streamId: 9, data })));
    assert.equal(hex(encodeData(9, data)), '130000000900ff7f80');
  });
});

// ---- round trips ----

const MAX_LIMITS = { maxPayload: 0xffff_ffff, streamWindow: 0xffff_ffff, maxStreams: 0xffff_ffff, idleTimeout: 0xffff_ffff };
const FULL_ERROR: WireError = {
  code: 'EADDRINUSE', errno: -98, syscall: 'listen', address: '::', port: 8080, hostname: 'localhost', message: 'custom',
};

const ROUND_TRIPS: ReadonlyArray<readonly [string, Frame]> = [
  ['hello defaults', { type: 'hello', streamId: 0, minVersion: 1, maxVersion: 1, limits: DEFAULT_LIMITS }],
  ['hello version 0..255, max u32 limits', { type: 'hello', streamId: 0, minVersion: 0, maxVersion: 255, limits: MAX_LIMITS }],
  ['hello zero limits (the codec does not judge limits)', { type: 'hello', streamId: 0, minVersion: 1, maxVersion: 1, limits: { maxPayload: 0, streamWindow: 0, maxStreams: 0, idleTimeout: 0 } }],
  ['welcome zero ids', { type: 'welcome', streamId: 0, version: 1, limits: DEFAULT_LIMITS, sessionId: new Uint8Array(16), resumeToken: new Uint8Array(16) }],
  ['welcome 0xff ids, version 255', { type: 'welcome', streamId: 0, version: 255, limits: MAX_LIMITS, sessionId: new Uint8Array(16).fill(0xff), resumeToken: RESUME_TOKEN }],
  ['resume received 0', { type: 'resume', streamId: 0, sessionId: SESSION_ID, resumeToken: RESUME_TOKEN, received: 0 }],
  ['resume received 2^53-1', { type: 'resume', streamId: 0, sessionId: SESSION_ID, resumeToken: RESUME_TOKEN, received: MAX_CREDIT_OFFSET }],
  ['ack 0', { type: 'ack', streamId: 0, received: 0 }],
  ['ack 2^32-1', { type: 'ack', streamId: 0, received: 2 ** 32 - 1 }],
  ['ack 2^32', { type: 'ack', streamId: 0, received: 2 ** 32 }],
  ['ack 2^53-2', { type: 'ack', streamId: 0, received: MAX_CREDIT_OFFSET - 1 }],
  ['ping zeros', { type: 'ping', streamId: 0, payload: new Uint8Array(8) }],
  ['ping 0xff', { type: 'ping', streamId: 0, payload: new Uint8Array(8).fill(0xff) }],
  ['pong', { type: 'pong', streamId: 0, payload: bytesOf(8, (i) => 0x80 + i) }],
  ['goaway last 0', { type: 'goaway', streamId: 0, lastStreamId: 0, error: wireError({ code: 'SOCKWAY_ERR_PROTOCOL', message: 'bad frame' }) }],
  ['goaway last u32 max, all error fields', { type: 'goaway', streamId: 0, lastStreamId: MAX_STREAM_ID, error: FULL_ERROR }],
  ['goaway non-ASCII message', { type: 'goaway', streamId: 0, lastStreamId: 1, error: wireError({ code: 'X', message: 'Wartung — bis 18:00 ✓ 🦀' }) }],
  ['goaway message filling a control frame', { type: 'goaway', streamId: 0, lastStreamId: 1, error: wireError({ code: 'X', message: 'm'.repeat(MAX_CONTROL_FRAME - 24) }) }],
  ['open minimal', open()],
  ['open max u16 port', open({ port: 65535, localPort: 65535 })],
  ['open port 0', open({ port: 0 })],
  ['open family 4', open({ family: 4, host: '192.0.2.1' })],
  ['open family 6', open({ family: 6, host: '2001:db8::1', localAddress: 'fe80::1' })],
  ['open noDelay only', open({ noDelay: true })],
  ['open keepAlive only, max delay', open({ keepAlive: true, keepAliveInitialDelay: 0xffff_ffff })],
  ['open 255-byte host', open({ host: 'a'.repeat(255) })],
  ['open 255-byte host of 2-byte characters', open({ host: `${'é'.repeat(127)}x` })],
  ['open non-ASCII host', open({ host: '例え.テスト' })],
  ['open 4-byte UTF-8 host', open({ host: '🦀.example' })],
  ['open 255-byte localAddress', open({ localAddress: 'b'.repeat(255) })],
  ['open max stream id', open({ streamId: MAX_STREAM_ID })],
  ['resolved IPv4', { type: 'resolved', streamId: 1, address: '93.184.216.34', family: 4 }],
  ['resolved IPv6', { type: 'resolved', streamId: 1, address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }],
  ['resolved empty address', { type: 'resolved', streamId: 1, address: '', family: 4 }],
  ['opened port 0 and 65535', { type: 'opened', streamId: 7, local: endpoint('0.0.0.0', 0), remote: endpoint('::ffff:127.0.0.1', 65535, 6) }],
  ['opened empty addresses', { type: 'opened', streamId: 7, local: endpoint('', 1), remote: endpoint('', 2, 6) }],
  ['data 1 byte', { type: 'data', streamId: 1, data: new Uint8Array([0]) }],
  ['data MAX_PAYLOAD_LIMIT bytes', { type: 'data', streamId: MAX_STREAM_ID, data: bytesOf(MAX_PAYLOAD_LIMIT, (i) => i * 7) }],
  ['end', { type: 'end', streamId: 2 }],
  ['end max stream id', { type: 'end', streamId: MAX_STREAM_ID }],
  ['reset port -1 (no port)', { type: 'reset', streamId: 1, error: wireError({ code: 'ECONNRESET', port: -1 }) }],
  ['reset port 0', { type: 'reset', streamId: 1, error: wireError({ code: 'EADDRNOTAVAIL', port: 0 }) }],
  ['reset port 65535', { type: 'reset', streamId: 1, error: wireError({ code: 'ETIMEDOUT', syscall: 'connect', address: '10.0.0.1', port: 65535 }) }],
  ['reset negative errno', { type: 'reset', streamId: 1, error: wireError({ code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname: 'nope.invalid' }) }],
  ['reset i32 extremes', { type: 'reset', streamId: 1, error: wireError({ code: 'E', errno: -(2 ** 31) }) }],
  ['reset i32 max errno', { type: 'reset', streamId: 1, error: wireError({ code: 'E', errno: 2 ** 31 - 1 }) }],
  ['reset 255-byte fields', { type: 'reset', streamId: 1, error: wireError({ code: 'C'.repeat(255), syscall: 's'.repeat(255), address: 'a'.repeat(255), hostname: 'h'.repeat(255) }) }],
  ['reset all fields', { type: 'reset', streamId: 1, error: FULL_ERROR }],
  ['window 0', { type: 'window', streamId: 1, limit: 0 }],
  ['window 2^32', { type: 'window', streamId: 1, limit: 2 ** 32 }],
  ['window 2^53-1', { type: 'window', streamId: 1, limit: MAX_CREDIT_OFFSET }],
  ['listen any host, port 0', { type: 'listen', streamId: 1, host: '', port: 0, backlog: 0, ipv6Only: false, exclusive: false }],
  ['listen all flags, max values', { type: 'listen', streamId: 3, host: '::', port: 65535, backlog: 0xffff_ffff, ipv6Only: true, exclusive: true }],
  ['listen exclusive only', { type: 'listen', streamId: 3, host: 'localhost', port: 80, backlog: 511, ipv6Only: false, exclusive: true }],
  ['listening IPv6', { type: 'listening', streamId: 3, local: endpoint('::', 65535, 6) }],
  ['accept', { type: 'accept', streamId: 4, listenerId: 3, local: endpoint('::1', 8080, 6), remote: endpoint('::1', 40000, 6) }],
  ['accept listener u32 max', { type: 'accept', streamId: MAX_STREAM_ID - 1, listenerId: MAX_STREAM_ID, local: endpoint('127.0.0.1', 1), remote: endpoint('127.0.0.1', 2) }],
  ['starttls defaults', { type: 'starttls', streamId: 1, tls: TLS_DEFAULTS }],
  ['starttls insecure, client checks identity, all fields', {
    type: 'starttls', streamId: 5, tls: {
      servername: 'db.example', hostname: 'db.example', rejectUnauthorized: false, checkIdentity: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.3',
      alpnProtocols: ['h2', 'http/1.1', 'postgresql'], ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ca: `-----BEGIN CERTIFICATE-----\n${'A'.repeat(3000)}\n-----END CERTIFICATE-----\n`,
      cert: 'C'.repeat(2000), key: 'K'.repeat(2000), passphrase: 'secret ✓',
    },
  }],
  ['starttls CA bundle near the frame limit', { type: 'starttls', streamId: 1, tls: { ...TLS_DEFAULTS, ca: 'c'.repeat(65_000) } }],
  ['secured without a certificate, unauthorized', {
    type: 'secured', streamId: 1, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', protocol: 'TLSv1.2', alpnProtocol: '',
    cipher: { name: 'ECDHE-RSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', version: 'TLSv1.2' }, peerCertificate: null,
  }],
  ['secured repeated subject names, 4 KiB certificate', {
    type: 'secured', streamId: 7, authorized: true, authorizationError: '', protocol: 'TLSv1.3', alpnProtocol: 'postgresql',
    cipher: { name: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' },
    peerCertificate: {
      subject: [['C', 'DE'], ['OU', 'a'], ['OU', 'b'], ['CN', 'bücher.de']], issuer: [['CN', 'sockway test CA']],
      validFrom: 'Nov 25 14:00:00 2026 GMT', validTo: 'Nov 25 14:00:00 2027 GMT', serialNumber: '0A1B', fingerprint: '00:11', fingerprint256: '22:33', fingerprint512: '44:55',
      subjectAltName: 'DNS:localhost, IP Address:127.0.0.1', raw: bytesOf(4096, (i) => i),
    },
  }],
  ['query A', { type: 'query', streamId: 1, rrtype: 'A', name: 'example.com', family: 0, hints: 0 }],
  ['query lookup family 6, all hints', { type: 'query', streamId: 1, rrtype: 'lookup', name: 'localhost', family: 6, hints: 0x07 }],
  ['query TXT 255-byte name', { type: 'query', streamId: 1, rrtype: 'TXT', name: 'n'.repeat(255), family: 0, hints: 0 }],
  ['answer lookup, both families', { type: 'answer', streamId: 1, answer: { rrtype: 'lookup', records: [{ address: '127.0.0.1', family: 4, ttl: 0 }, { address: '::1', family: 6, ttl: 0 }] } }],
  ['answer A with ttl', { type: 'answer', streamId: 1, answer: { rrtype: 'A', records: [{ address: '192.0.2.1', family: 4, ttl: 0xffff_ffff }] } }],
  ['answer AAAA', { type: 'answer', streamId: 1, answer: { rrtype: 'AAAA', records: [{ address: '2001:db8::1', family: 6, ttl: 300 }] } }],
  ['answer no records', { type: 'answer', streamId: 1, answer: { rrtype: 'A', records: [] } }],
  ['answer MX', { type: 'answer', streamId: 1, answer: { rrtype: 'MX', records: [{ priority: 10, exchange: 'mx1.example' }, { priority: 65535, exchange: '' }] } }],
  ['answer TXT chunks', { type: 'answer', streamId: 1, answer: { rrtype: 'TXT', records: [['v=spf1', ' -all'], [], ['ü'.repeat(200)]] } }],
  ['answer CNAME', { type: 'answer', streamId: 1, answer: { rrtype: 'CNAME', records: ['alias.example'] } }],
  ['answer NS and PTR', { type: 'answer', streamId: 1, answer: { rrtype: 'NS', records: ['ns1.example', 'ns2.example'] } }],
  ['answer PTR', { type: 'answer', streamId: 1, answer: { rrtype: 'PTR', records: ['host.example'] } }],
];

describe('round trip', () => {
  it('covers all 21 frame types', () => {
    assert.deepEqual(new Set(ROUND_TRIPS.map(([, f]) => f.type)), new Set(ALL_NAMES));
  });

  for (const [label, frame] of ROUND_TRIPS) {
    it(`${label}: ${formatFrame(frame).slice(0, 120)}`, () => {
      const bytes = encodeFrame(frame);
      const decoded = decodeFrame(bytes);
      assert.deepEqual(decoded, frame);
      assert.equal(hex(encodeFrame(decoded)), hex(bytes), 'decode then encode changes the bytes');
      const large = LARGE_CONTROL_FRAMES.has(bytes[0] as number);
      if (frame.type !== 'data') assert.ok(bytes.length <= (large ? MAX_FRAME_LENGTH : MAX_CONTROL_FRAME), 'control frame within its limit');
    });
  }

  it('decodes a frame that is a view into a larger buffer', () => {
    const frame = goldenOf('opened').frame;
    const inner = encodeFrame(frame);
    const outer = concat(fromHex('ffffff'), inner, fromHex('ffff'));
    assert.deepEqual(decodeFrame(outer.subarray(3, 3 + inner.length)), frame);
  });

  it('DATA payload is a view of the message, not a copy', () => {
    const message = fromHex('1300000001616263');
    const frame = decodeFrame(message);
    assert.equal(frame.type, 'data');
    if (frame.type !== 'data') return;
    assert.equal(frame.data.buffer, message.buffer);
    assert.equal(frame.data.byteOffset, HEADER_LENGTH);
  });

  it('formatFrame is one line starting with TYPE#streamId for every frame', () => {
    for (const [, frame] of ROUND_TRIPS) {
      const text = formatFrame(frame);
      assert.ok(text.startsWith(`${NAME_OF[frame.type]}#${frame.streamId}`), text);
      assert.ok(!text.includes('\n'), text);
    }
  });
});

// ---- malformed input ----

describe('malformed input', () => {
  it('empty message', () => {
    throwsFrameError(() => decodeFrame(new Uint8Array(0)), 'frame of 0 bytes is shorter than the 5-byte header');
  });

  for (const length of [1, 2, 3, 4]) {
    it(`short header (${length} bytes)`, () => {
      throwsFrameError(() => decodeFrame(fromHex('1400000001').subarray(0, length)), `frame of ${length} bytes is shorter than the 5-byte header`);
    });
  }

  for (const type of [0x00, 0x08, 0x0f, 0x17, 0x1f, 0x23, 0x80, 0xff]) {
    const name = `0x${type.toString(16).padStart(2, '0')}`;
    it(`unknown type byte ${name}`, () => {
      throwsFrameError(() => decodeFrame(concat(new Uint8Array([type]), fromHex('00000001'))), `unknown frame type ${name}`);
      throwsFrameError(() => decodeFrame(concat(new Uint8Array([type]), fromHex('00000000 6869'))), `unknown frame type ${name}`);
    });
  }

  for (const golden of GOLDEN.filter((g) => SESSION_FRAMES.has(g.frame.type))) {
    const name = NAME_OF[golden.frame.type];
    it(`session frame on a stream: ${name} with stream id 1`, () => {
      throwsFrameError(() => decodeFrame(patched(golden.frame.type, { streamId: '00000001' })), `${name} frame on stream 1: belongs to stream 0`);
      throwsFrameError(() => decodeFrame(patched(golden.frame.type, { streamId: 'ffffffff' })), `${name} frame on stream 4294967295: belongs to stream 0`);
    });
  }

  for (const golden of GOLDEN.filter((g) => !SESSION_FRAMES.has(g.frame.type))) {
    const name = NAME_OF[golden.frame.type];
    it(`stream frame on the session: ${name} with stream id 0`, () => {
      throwsFrameError(() => decodeFrame(patched(golden.frame.type, { streamId: '00000000' })), `${name} frame on stream 0: needs a stream id`);
    });
  }

  it('exactly 7 session frame types and 14 stream frame types', () => {
    assert.deepEqual([...SESSION_FRAMES].sort(), ['ack', 'goaway', 'hello', 'ping', 'pong', 'resume', 'welcome']);
  });

  for (const golden of GOLDEN) {
    const name = NAME_OF[golden.frame.type];
    const bytes = fromHex(goldenHex(golden));
    it(`truncation at every byte offset: ${golden.label} (${bytes.length} bytes)`, () => {
      // The end of each read unit (segment) after the header.
      const ends: number[] = [];
      let offset = 0;
      for (const [, h] of golden.layout) {
        offset += h.length / 2;
        ends.push(offset);
      }
      assert.equal(offset, bytes.length);
      for (let cut = 0; cut < bytes.length; cut++) {
        const truncated = bytes.slice(0, cut);
        if (cut < HEADER_LENGTH) {
          throwsFrameError(() => decodeFrame(truncated), `frame of ${cut} bytes is shorter than the 5-byte header`);
        } else if (golden.frame.type === 'data') {
          // DATA has no length field: the message boundary is the frame boundary.
          if (cut === HEADER_LENGTH) throwsFrameError(() => decodeFrame(truncated), `empty DATA frame on stream ${golden.frame.streamId}`);
          else assert.deepEqual(decodeFrame(truncated), { type: 'data', streamId: golden.frame.streamId, data: bytes.slice(HEADER_LENGTH, cut) });
        } else {
          const needs = ends.find((end) => end > cut) as number;
          throwsFrameError(() => decodeFrame(truncated), `truncated ${name} frame: needs ${needs} bytes, has ${cut}`);
        }
      }
    });
  }

  it('string length prefix overruns the frame', () => {
    throwsFrameError(() => decodeFrame(patched('open', { 'host length': 'ff' })), 'truncated OPEN frame: needs 271 bytes, has 28');
    throwsFrameError(() => decodeFrame(patched('goaway', { 'message length': 'ffff' })), 'truncated GOAWAY frame: needs 65580 bytes, has 56');
  });

  for (const golden of GOLDEN.filter((g) => g.frame.type !== 'data')) {
    const name = NAME_OF[golden.frame.type];
    it(`trailing bytes after ${golden.label}`, () => {
      const bytes = fromHex(goldenHex(golden));
      throwsFrameError(() => decodeFrame(concat(bytes, fromHex('00'))), `1 trailing bytes after ${name} frame`);
      throwsFrameError(() => decodeFrame(concat(bytes, fromHex('616263'))), `3 trailing bytes after ${name} frame`);
    });
  }

  it('PING payload longer than 8 bytes is trailing bytes', () => {
    throwsFrameError(() => decodeFrame(fromHex('0500000000 0001020304050607 08')), '1 trailing bytes after PING frame');
  });

  const INVALID_UTF8: ReadonlyArray<readonly [string, string]> = [
    ['lone continuation byte', '80'],
    ['overlong encoding of "/"', 'c0af'],
    ['UTF-16 surrogate', 'eda080'],
    ['truncated sequence', 'e282'],
    ['byte 0xff', 'ff'],
    ['code point above U+10FFFF', 'f4908080'],
  ];
  for (const [attack, bad] of INVALID_UTF8) {
    it(`invalid UTF-8 in host: ${attack}`, () => {
      const length = (bad.length / 2).toString(16).padStart(2, '0');
      throwsFrameError(() => decodeFrame(patched('open', { 'host length': length, host: bad })), 'host of OPEN is not valid UTF-8');
      // A valid prefix does not save it.
      const withPrefix = `61${bad}62`;
      const prefixed = (withPrefix.length / 2).toString(16).padStart(2, '0');
      throwsFrameError(() => decodeFrame(patched('open', { 'host length': prefixed, host: withPrefix })), 'host of OPEN is not valid UTF-8');
    });
  }

  it('invalid UTF-8 in every other string field', () => {
    const cases: ReadonlyArray<readonly [FrameName, string, string]> = [
      ['open', 'localAddress', 'localAddress of OPEN is not valid UTF-8'],
      ['resolved', 'address', 'address of RESOLVED is not valid UTF-8'],
      ['opened', 'local address', 'local address of OPENED is not valid UTF-8'],
      ['opened', 'remote address', 'remote address of OPENED is not valid UTF-8'],
      ['listen', 'host', 'host of LISTEN is not valid UTF-8'],
      ['listening', 'local address', 'local address of LISTENING is not valid UTF-8'],
      ['accept', 'remote address', 'remote address of ACCEPT is not valid UTF-8'],
      ['reset', 'code', 'code of RESET is not valid UTF-8'],
      ['reset', 'syscall', 'syscall of RESET is not valid UTF-8'],
      ['reset', 'address', 'address of RESET is not valid UTF-8'],
      ['reset', 'hostname', 'hostname of RESET is not valid UTF-8'],
      ['goaway', 'message', 'message of GOAWAY is not valid UTF-8'],
    ];
    for (const [type, field, message] of cases) {
      const lengthField = `${field} length`;
      const length = field === 'message' ? '0002' : '02';
      throwsFrameError(() => decodeFrame(patched(type, { [lengthField]: length, [field]: 'c328' })), message);
    }
  });

  it('empty host in OPEN', () => {
    throwsFrameError(() => decodeFrame(patched('open', { 'host length': '00', host: '' })), 'OPEN host is empty');
    throwsFrameError(() => decodeFrame(encodeFrame(open({ host: '' }))), 'OPEN host is empty');
  });

  it('address family 5 (and 0 where "any" is not allowed)', () => {
    throwsFrameError(() => decodeFrame(patched('open', { family: '05' })), 'family of OPEN is 5, expected 0, 4 or 6');
    throwsFrameError(() => decodeFrame(patched('open', { family: 'ff' })), 'family of OPEN is 255, expected 0, 4 or 6');
    throwsFrameError(() => decodeFrame(patched('resolved', { family: '05' })), 'family of RESOLVED is 5, expected 4 or 6');
    throwsFrameError(() => decodeFrame(patched('resolved', { family: '00' })), 'family of RESOLVED is 0, expected 4 or 6');
    throwsFrameError(() => decodeFrame(patched('opened', { 'local family': '05' })), 'local family of OPENED is 5, expected 4 or 6');
    throwsFrameError(() => decodeFrame(patched('opened', { 'remote family': '00' })), 'remote family of OPENED is 0, expected 4 or 6');
    throwsFrameError(() => decodeFrame(patched('listening', { 'local family': '05' })), 'local family of LISTENING is 5, expected 4 or 6');
    throwsFrameError(() => decodeFrame(patched('accept', { 'remote family': '05' })), 'remote family of ACCEPT is 5, expected 4 or 6');
  });

  for (const [flags, shown] of [['04', '0x4'], ['07', '0x7'], ['80', '0x80'], ['ff', '0xff']] as const) {
    it(`unknown OPEN flag bits ${shown}`, () => {
      throwsFrameError(() => decodeFrame(patched('open', { flags })), `unknown OPEN flags ${shown}`);
    });
    it(`unknown LISTEN flag bits ${shown}`, () => {
      throwsFrameError(() => decodeFrame(patched('listen', { flags })), `unknown LISTEN flags ${shown}`);
    });
  }

  it('empty DATA', () => {
    throwsFrameError(() => decodeFrame(fromHex('1300000003')), 'empty DATA frame on stream 3');
  });

  it('oversized frame (> MAX_FRAME_LENGTH)', () => {
    assert.equal(MAX_FRAME_LENGTH, 65541);
    const full = encodeData(1, new Uint8Array(MAX_PAYLOAD_LIMIT));
    assert.equal(full.length, MAX_FRAME_LENGTH);
    assert.equal(decodeFrame(full).type, 'data');
    throwsFrameError(() => decodeFrame(encodeData(1, new Uint8Array(MAX_PAYLOAD_LIMIT + 1))), 'frame of 65542 bytes exceeds 65541');
    // The size check comes first: a huge message is refused before anything else is read.
    const huge = new Uint8Array(1 << 20);
    huge[0] = 0xff;
    throwsFrameError(() => decodeFrame(huge), 'frame of 1048576 bytes exceeds 65541');
  });

  it('oversized control frame (> MAX_CONTROL_FRAME)', () => {
    assert.equal(MAX_CONTROL_FRAME, 4096);
    // RESET with code "X" and empty strings is 20 bytes + message.
    const at = (total: number): Uint8Array =>
      fromHex(`1500000001 00000000 ffffffff 0158 00 00 00 ${(total - 20).toString(16).padStart(4, '0')}`.replace(/\s/g, '') + '6d'.repeat(total - 20));
    assert.equal(decodeFrame(at(MAX_CONTROL_FRAME)).type, 'reset');
    throwsFrameError(() => decodeFrame(at(MAX_CONTROL_FRAME + 1)), 'RESET frame of 4097 bytes exceeds 4096');
    // Padding an OPEN past the limit is refused for its size, not for its trailing bytes.
    throwsFrameError(() => decodeFrame(concat(fromHex(goldenHex(goldenOf('open'))), new Uint8Array(5000))), 'OPEN frame of 5028 bytes exceeds 4096');
  });

  it('u64 above 2^53-1', () => {
    throwsFrameError(() => decodeFrame(patched('window', { 'limit high': '00200000', 'limit low': '00000000' })), 'limit 2097152:0 exceeds 2^53-1');
    throwsFrameError(() => decodeFrame(patched('window', { 'limit high': 'ffffffff', 'limit low': 'ffffffff' })), 'limit 4294967295:4294967295 exceeds 2^53-1');
    throwsFrameError(() => decodeFrame(patched('ack', { 'received high': '00200000' })), 'received 2097152:4294967295 exceeds 2^53-1');
    throwsFrameError(() => decodeFrame(patched('resume', { 'received high': '80000000' })), 'received 2147483648:2 exceeds 2^53-1');
    // 2^53-1 itself is fine.
    assert.equal((decodeFrame(patched('window', { 'limit high': '001fffff', 'limit low': 'ffffffff' })) as { limit: number }).limit, MAX_CREDIT_OFFSET);
  });

  it('empty error code in RESET and GOAWAY', () => {
    throwsFrameError(() => decodeFrame(patched('reset', { 'code length': '00', code: '' })), 'error code is empty');
    throwsFrameError(() => decodeFrame(patched('goaway', { 'code length': '00', code: '' })), 'error code is empty');
  });

  for (const [port, value] of [['fffffffe', -2], ['00010000', 65536], ['80000000', -(2 ** 31)], ['7fffffff', 2 ** 31 - 1]] as const) {
    it(`error port out of range: ${value}`, () => {
      throwsFrameError(() => decodeFrame(patched('reset', { port })), `error port ${value} out of range`);
      throwsFrameError(() => decodeFrame(patched('goaway', { port })), `error port ${value} out of range`);
    });
  }

  it('error port -1 and 65535 are in range', () => {
    assert.equal((decodeFrame(patched('reset', { port: 'ffffffff' })) as { error: WireError }).error.port, -1);
    assert.equal((decodeFrame(patched('reset', { port: '0000ffff' })) as { error: WireError }).error.port, 65535);
  });
});

describe('malformed STARTTLS, SECURED, QUERY, ANSWER', () => {
  it('unknown STARTTLS and SECURED flag bits', () => {
    throwsFrameError(() => decodeFrame(patched('starttls', { flags: '07' })), 'unknown STARTTLS flags 0x7');
    throwsFrameError(() => decodeFrame(patched('secured', { flags: '83' })), 'unknown SECURED flags 0x83');
  });
  it('a TLS version node:tls does not know', () => {
    throwsFrameError(() => decodeFrame(patched('starttls', { 'minVersion length': '05', minVersion: '53534c7633' })), 'minVersion "SSLv3" is not a TLS version');
    throwsFrameError(() => encodeFrame({ type: 'starttls', streamId: 1, tls: { ...TLS_DEFAULTS, maxVersion: 'TLSv9' as 'TLSv1' } }), 'maxVersion "TLSv9" is not a TLS version');
  });
  it('empty ALPN protocol name', () => {
    throwsFrameError(() => decodeFrame(patched('starttls', { 'alpn length': '00', alpn: '' })), 'empty ALPN protocol name');
  });
  it('SECURED authorizationError set exactly when not authorized', () => {
    throwsFrameError(() => decodeFrame(patched('secured', { flags: '02' })), 'SECURED authorizationError must be set exactly when not authorized');
    throwsFrameError(() => decodeFrame(patched('secured', { 'authorizationError length': '01', authorizationError: '58' })), 'SECURED authorizationError must be set exactly when not authorized');
  });
  it('unknown rrtype, hints, family; family and hints outside lookup; empty name', () => {
    throwsFrameError(() => decodeFrame(patched('query', { rrtype: '00ff' })), 'unknown QUERY rrtype 255');
    throwsFrameError(() => decodeFrame(patched('query', { hints: '08' })), 'unknown QUERY hints 0x8');
    throwsFrameError(() => decodeFrame(patched('query', { family: '05' })), 'family of QUERY is 5, expected 0, 4 or 6');
    throwsFrameError(() => decodeFrame(patched('query', { rrtype: '0001' })), 'QUERY A takes no family or hints');
    throwsFrameError(() => decodeFrame(patched('query', { 'name length': '00', name: '' })), 'QUERY name is empty');
    throwsFrameError(() => decodeFrame(patched('answer', { rrtype: '0006' })), 'unknown ANSWER rrtype 6');
  });
  it('an A record of family 6 and an AAAA record of family 4', () => {
    throwsFrameError(() => decodeFrame(fromHex('4100000001 0001 0001 06 00000000 03 3a3a31')), 'A record of family 6');
    throwsFrameError(() => encodeFrame({ type: 'answer', streamId: 1, answer: { rrtype: 'AAAA', records: [{ address: '::1', family: 4, ttl: 0 }] } }), 'AAAA record of family 4');
  });
  it('STARTTLS, SECURED and ANSWER may be up to MAX_FRAME_LENGTH, no larger', () => {
    const at = (total: number): Uint8Array => encodeFrame({ type: 'starttls', streamId: 1, tls: { ...TLS_DEFAULTS, ca: 'c'.repeat(total - 29) } });
    assert.equal(at(MAX_FRAME_LENGTH).length, MAX_FRAME_LENGTH);
    assert.equal(decodeFrame(at(MAX_FRAME_LENGTH)).type, 'starttls');
    throwsFrameError(() => at(MAX_FRAME_LENGTH + 1), 'STARTTLS frame of 65542 bytes exceeds 65541');
    // Other control frames keep the 4 KiB limit.
    throwsFrameError(() => decodeFrame(concat(fromHex(goldenHex(goldenOf('query'))), new Uint8Array(5000))), 'QUERY frame of 5012 bytes exceeds 4096');
  });
});

describe('encode refuses what it cannot represent', () => {
  const welcome = goldenOf('welcome').frame;
  const resume = goldenOf('resume').frame;

  for (const length of [0, 15, 17, 32]) {
    it(`wrong-length sessionId (${length} bytes)`, () => {
      throwsFrameError(() => encodeFrame({ ...welcome, sessionId: new Uint8Array(length) } as Frame), `sessionId must be 16 bytes, got ${length}`);
      throwsFrameError(() => encodeFrame({ ...resume, sessionId: new Uint8Array(length) } as Frame), `sessionId must be 16 bytes, got ${length}`);
    });
  }

  it('wrong-length resumeToken', () => {
    throwsFrameError(() => encodeFrame({ ...welcome, resumeToken: new Uint8Array(15) } as Frame), 'resumeToken must be 16 bytes, got 15');
    throwsFrameError(() => encodeFrame({ ...resume, resumeToken: new Uint8Array(17) } as Frame), 'resumeToken must be 16 bytes, got 17');
  });

  it('wrong-length PING/PONG payload', () => {
    throwsFrameError(() => encodeFrame({ type: 'ping', streamId: 0, payload: new Uint8Array(7) }), 'payload must be 8 bytes, got 7');
    throwsFrameError(() => encodeFrame({ type: 'pong', streamId: 0, payload: new Uint8Array(9) }), 'payload must be 8 bytes, got 9');
  });

  it('str8 fields longer than 255 bytes', () => {
    throwsFrameError(() => encodeFrame(open({ host: 'a'.repeat(256) })), 'host is 256 bytes, more than 255');
    throwsFrameError(() => encodeFrame(open({ host: 'é'.repeat(128) })), 'host is 256 bytes, more than 255');
    throwsFrameError(() => encodeFrame(open({ localAddress: 'a'.repeat(300) })), 'localAddress is 300 bytes, more than 255');
    throwsFrameError(() => encodeFrame({ type: 'reset', streamId: 1, error: wireError({ code: 'E'.repeat(256) }) }), 'code is 256 bytes, more than 255');
    throwsFrameError(() => encodeFrame({ type: 'resolved', streamId: 1, family: 4, address: 'a'.repeat(256) }), 'address is 256 bytes, more than 255');
  });

  it('str16 message longer than 65535 bytes', () => {
    throwsFrameError(() => encodeFrame({ type: 'reset', streamId: 1, error: wireError({ code: 'E', message: 'm'.repeat(65536) }) }), 'message is 65536 bytes, more than 65535');
  });
});

// ---- fuzz ----

/** mulberry32: a small deterministic PRNG, so a failing input can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPE_BYTES: readonly number[] = Object.values(FrameType);

/** Decodes `bytes`; it must either throw a SOCKWAY_ERR_FRAME ProtocolError or re-encode to the same bytes. */
function checkTotal(bytes: Uint8Array, context: string): 'ok' | 'error' {
  let frame: Frame;
  try {
    frame = decodeFrame(bytes);
  } catch (error) {
    if (!isProtocolError(error) || error.code !== SockwayErrorCode.Frame || error.message.length === 0) {
      assert.fail(`${context}: decode of ${hex(bytes).slice(0, 200)} threw ${String(error)}`);
    }
    return 'error';
  }
  const again = encodeFrame(frame);
  if (hex(again) !== hex(bytes)) {
    assert.fail(`${context}: ${hex(bytes).slice(0, 200)} decoded to ${formatFrame(frame)} but re-encodes to ${hex(again).slice(0, 200)}`);
  }
  return 'ok';
}

describe('fuzz: decode is total', () => {
  it('20,000 random buffers', () => {
    const random = prng(0x5ec0de);
    const int = (n: number): number => Math.floor(random() * n);
    const counts = { ok: 0, error: 0 };
    for (let i = 0; i < 20_000; i++) {
      const length = random() < 0.8 ? int(48) : int(600);
      const bytes = bytesOf(length, () => int(256));
      // Mostly known types and well-placed stream ids, so the body decoders are reached.
      if (length > 0 && random() < 0.8) bytes[0] = TYPE_BYTES[int(TYPE_BYTES.length)] as number;
      if (length >= HEADER_LENGTH && random() < 0.8) {
        const session = (bytes[0] as number) < 0x10;
        bytes.set(session ? [0, 0, 0, 0] : [0, 0, 0, 1 + int(9)], 1);
      }
      counts[checkTotal(bytes, `random #${i}`)]++;
    }
    assert.equal(counts.ok + counts.error, 20_000);
    assert.ok(counts.ok > 0, 'some random buffers should decode (DATA, END, ...)');
  });

  it('20,000 mutations of valid frames', () => {
    const random = prng(0xf00d);
    const int = (n: number): number => Math.floor(random() * n);
    const corpus = [...GOLDEN.map((g) => encodeFrame(g.frame)), ...ROUND_TRIPS.map(([, f]) => encodeFrame(f)).filter((b) => b.length < 1024)];
    const interesting = [0x00, 0x01, 0x04, 0x05, 0x06, 0x7f, 0x80, 0xfe, 0xff];
    const counts = { ok: 0, error: 0 };
    for (let i = 0; i < 20_000; i++) {
      let bytes = Array.from(corpus[int(corpus.length)] as Uint8Array);
      const edits = 1 + int(3);
      for (let e = 0; e < edits; e++) {
        const at = int(bytes.length + 1);
        switch (int(7)) {
          case 0: if (at < bytes.length) bytes[at] = int(256); break;
          case 1: if (at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << int(8)); break;
          case 2: bytes.splice(at, 0, int(256)); break;
          case 3: bytes.splice(at, 1); break;
          case 4: bytes = bytes.slice(0, at); break;
          case 5: for (let k = 0; k < 4 && at + k < bytes.length; k++) bytes[at + k] = interesting[int(interesting.length)] as number; break;
          default: bytes.push(...bytesOf(1 + int(8), () => int(256))); break;
        }
      }
      counts[checkTotal(Uint8Array.from(bytes), `mutation #${i}`)]++;
    }
    assert.ok(counts.ok > 1000, `mutations should often stay valid, got ${counts.ok}`);
    assert.ok(counts.error > 1000, `mutations should often be invalid, got ${counts.error}`);
  });
});
