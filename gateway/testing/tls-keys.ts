/**
 * Key material for the STARTTLS abuse tests, built in-process (no openssl binary): encrypted
 * PKCS#8 keys naming any KDF parameters (their contents are junk: OpenSSL derives the key
 * before it can tell), made-up RSA keys of any size, and a self-signed certificate.
 */
import * as crypto from 'node:crypto';

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** One DER element. */
export function tlv(tag: number, ...body: Uint8Array[]): Buffer {
  const contents = Buffer.concat(body);
  return Buffer.concat([Buffer.from([tag, ...length(contents.length)]), contents]);
}

export const seq = (...body: Uint8Array[]): Buffer => tlv(0x30, ...body);
export const octets = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
export const NULL = Buffer.from([0x05, 0x00]);

/** A non-negative INTEGER. */
export function int(value: bigint | number): Buffer {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const arc of rest) {
    const bytes: number[] = [];
    let x = arc;
    do {
      bytes.unshift(x & 0x7f);
      x = Math.floor(x / 128);
    } while (x > 0);
    for (let i = 0; i < bytes.length - 1; i++) bytes[i] = (bytes[i] as number) | 0x80;
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

export function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export const OIDS = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  aes256cbc: '2.16.840.1.101.3.4.1.42',
  hmacSha1: '1.2.840.113549.2.7',
  hmacSha256: '1.2.840.113549.2.9',
  hmacSha512: '1.2.840.113549.2.11',
  pkcs12Sha3Des: '1.2.840.113549.1.12.1.3',
} as const;

function encryptedKey(algorithm: Buffer): string {
  return pem('ENCRYPTED PRIVATE KEY', seq(algorithm, octets(Buffer.alloc(1232, 0x5a))));
}

/** An encrypted PKCS#8 key (PBES2, PBKDF2, AES-256-CBC) naming `iterations`. */
export function pbkdf2Key(iterations: number, prf: string = OIDS.hmacSha256): string {
  const kdf = seq(oid(OIDS.pbkdf2), seq(octets(Buffer.alloc(16, 1)), int(iterations), ...(prf === OIDS.hmacSha1 ? [] : [seq(oid(prf), NULL)])));
  const cipher = seq(oid(OIDS.aes256cbc), octets(Buffer.alloc(16, 2)));
  return encryptedKey(seq(oid(OIDS.pbes2), seq(kdf, cipher)));
}

/** An encrypted PKCS#8 key (PBES2, scrypt, AES-256-CBC) naming N, r, p. */
export function scryptKey(n: number, r: number, p: number): string {
  const kdf = seq(oid(OIDS.scrypt), seq(octets(Buffer.alloc(16, 1)), int(n), int(r), int(p)));
  const cipher = seq(oid(OIDS.aes256cbc), octets(Buffer.alloc(16, 2)));
  return encryptedKey(seq(oid(OIDS.pbes2), seq(kdf, cipher)));
}

/** An encrypted PKCS#8 key (PKCS#12 PBE, SHA-1 and 3DES) naming `iterations`. */
export function pkcs12Key(iterations: number): string {
  return encryptedKey(seq(oid(OIDS.pkcs12Sha3Des), seq(octets(Buffer.alloc(8, 1)), int(iterations))));
}

/** A random odd number of exactly `bits` bits, its top two bits set. */
function randomOdd(bits: number): bigint {
  const bytes = crypto.randomBytes(bits / 8);
  bytes[0] = (bytes[0] as number) | 0xc0; // so a product of two has exactly twice the bits
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) | 1;
  return BigInt(`0x${bytes.toString('hex')}`);
}

/**
 * A made-up RSA key of `bits` (PKCS#1 PEM): random odd "primes", consistent n; OpenSSL loads
 * it, and signing with it costs what a real key of that size costs, or more. `dBits`
 * makes d longer than n (OpenSSL does not check).
 */
export function fakeRsaKey(bits: number, dBits = bits): string {
  const p = randomOdd(bits / 2);
  const q = randomOdd(bits / 2);
  const n = p * q;
  const d = dBits > bits ? randomOdd(dBits) : randomOdd(bits) % n;
  const half = (): bigint => randomOdd(bits / 2) % p;
  return pem('RSA PRIVATE KEY', seq(int(0), int(n), int(65537), int(d), int(p), int(q), int(half()), int(half()), int(half())));
}

function utcTime(date: Date): Buffer {
  return tlv(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`));
}

/** A self-signed P-256 certificate for `cn` (X.509 v3, no extensions), and its key. */
export function selfSigned(cn: string): { readonly cert: string; readonly key: crypto.KeyObject } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(BigInt(`0x${crypto.randomBytes(8).toString('hex')}`)),
    ecdsaSha256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = crypto.sign('sha256', tbs, privateKey);
  const cert = seq(tbs, ecdsaSha256, tlv(0x03, Buffer.from([0]), signature));
  return { cert: pem('CERTIFICATE', cert), key: privateKey };
}
