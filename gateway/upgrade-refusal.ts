/**
 * A refused upgrade the page can read, for the cost of an HTTP error: the 101 Switching
 * Protocols response, one WebSocket message carrying the GOAWAY and a close frame, all
 * in one write, then the socket is ended. No `ws` object and no close-handshake state,
 * so a burst of refusals needs no cap of its own (server.maxConnections bounds them).
 * The page's session fails with the GOAWAY's code (PROTOCOL.md#handshake), e.g.
 * SOCKWAY_ERR_LIMIT, where an HTTP 503 would show as SOCKWAY_ERR_GATEWAY_UNREACHABLE.
 *
 * The few bytes of RFC 6455 framing are written here rather than by `ws`, whose
 * WebSocket object (parser, sender, timers) is what this path avoids.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WireError } from '../shared/errors.ts';
import { encodeFrame } from '../shared/frame.ts';
import { selectProtocol } from './admission.ts';

/** RFC 6455 section 1.3: appended to Sec-WebSocket-Key before hashing. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
/** A close frame's reason fits in 123 bytes (125 minus the code). */
const MAX_CLOSE_REASON_BYTES = 123;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The bytes that refuse `request` with `error` (GOAWAY) and `closeCode`, or null when the
 * request is not a valid WebSocket upgrade (ws would answer 400: no valid key, version,
 * or subprotocol list).
 */
export function refusalBytes(request: IncomingMessage, error: WireError, closeCode: number): Buffer | null {
  const key = request.headers['sec-websocket-key'];
  const version = request.headers['sec-websocket-version'];
  if (request.method !== 'GET' || typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return null;
  if (version !== '13' && version !== '8') return null;
  const offered = request.headers['sec-websocket-protocol'];
  let protocol: string | false = false;
  if (offered !== undefined) {
    const protocols = offered.split(',').map((entry) => entry.trim());
    if (!protocols.every((entry) => TOKEN.test(entry))) return null;
    protocol = selectProtocol(new Set(protocols));
  }
  const accept = createHash('sha1').update(key.trim() + WEBSOCKET_GUID).digest('base64');
  const head = Buffer.from([
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...(protocol === false ? [] : [`Sec-WebSocket-Protocol: ${protocol}`]),
    '',
    '',
  ].join('\r\n'), 'latin1');
  const goaway = encodeFrame({ type: 'goaway', streamId: 0, lastStreamId: 0, error });
  const reason = utf8Prefix(error.message, MAX_CLOSE_REASON_BYTES);
  const close = Buffer.alloc(2 + reason.length);
  close.writeUInt16BE(closeCode, 0);
  reason.copy(close, 2);
  return Buffer.concat([head, serverFrame(OPCODE_BINARY, goaway), serverFrame(OPCODE_CLOSE, close)]);
}

/** One unmasked, final server frame (RFC 6455 section 5.2). */
function serverFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 0x1_0000 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = length;
  else if (length < 0x1_0000) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** The longest prefix of `text` within `max` UTF-8 bytes, cut between characters. */
function utf8Prefix(text: string, max: number): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return bytes;
  let end = max;
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  bytes = bytes.subarray(0, end);
  return bytes;
}
