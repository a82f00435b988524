/**
 * An encrypted PKCS#8 private key (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC) with any
 * PBKDF2 iteration count, built as DER by hand: deriving nothing, it costs nothing to
 * make, while whoever parses it with a passphrase runs the whole PBKDF2 first (finding 1
 * of issue 12). The encrypted payload is random, so no passphrase ever opens it.
 */
import { randomBytes } from 'node:crypto';

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...content: Buffer[]): Buffer => der(0x30, ...content);
const octets = (bytes: Buffer): Buffer => der(0x04, bytes);
const oid = (hex: string): Buffer => der(0x06, Buffer.from(hex, 'hex'));
const NULL = Buffer.from([0x05, 0x00]);

function integer(value: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  // A leading 1 bit would make it negative.
  return der(0x02, (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

const PBES2 = '2a864886f70d01050d'; // 1.2.840.113549.1.5.13
const PBKDF2 = '2a864886f70d01050c'; // 1.2.840.113549.1.5.12
const HMAC_SHA256 = '2a864886f70d0209'; // 1.2.840.113549.2.9
const AES_256_CBC = '60864801650304012a'; // 2.16.840.1.101.3.4.1.42

/** PEM "ENCRYPTED PRIVATE KEY" whose PBKDF2 runs `iterations` rounds. */
export function encryptedKeyPem(iterations: number): string {
  const info = sequence(
    sequence(
      oid(PBES2),
      sequence(
        sequence(oid(PBKDF2), sequence(octets(randomBytes(8)), integer(iterations), sequence(oid(HMAC_SHA256), NULL))),
        sequence(oid(AES_256_CBC), octets(randomBytes(16))),
      ),
    ),
    octets(randomBytes(48)),
  );
  const lines = info.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${lines.join('\n')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}
