/**
 * What a page's STARTTLS private key may make the gateway compute, bounded before
 * OpenSSL acts on it. OpenSSL derives the key of an encrypted PKCS#8 key with the
 * parameters the key itself names (PBKDF2 iterations, scrypt N·r·p), synchronously, on the
 * gateway's only thread, even for a wrong passphrase; and it signs the TLS handshake with
 * whatever key it was given, at a cost cubic in the modulus. So:
 *
 *  - checkKeyDerivation(pem): reads each PEM block's EncryptedPrivateKeyInfo and refuses
 *    key derivations over MAX_KDF_WORK, and encrypted keys it cannot read exactly;
 *  - checkKeyCost(key): refuses keys whose use would cost more than a 4096-bit RSA key.
 *
 * Legacy PEM encryption (`Proc-Type: 4,ENCRYPTED`) derives with one MD5 round
 * (EVP_BytesToKey): cheap, so allowed for the traditional key types it is written for.
 * @see SECURITY.md (threat model, STARTTLS)
 */
import type { KeyObject } from 'node:crypto';
import { SockwayErrorCode } from '../shared/errors.ts';
import { DerError, DerTag, derChildren, derOid, derOne, derUint, expectTag } from './der.ts';

/**
 * Largest key derivation a STARTTLS may ask for, in units of one HMAC-SHA-256 iteration
 * producing one output block (0.4 µs on the machine that measured it): about 20 ms. That
 * admits OpenSSL's default (2,048 PBKDF2 iterations) 24 times over and PBKDF2-HMAC-SHA256
 * with AES-256 up to 50,000 iterations; it refuses OWASP's 600,000 (240 ms) and scrypt at
 * N=16384, r=8 (86 ms).
 */
export const MAX_KDF_WORK = 50_000;
/** Largest RSA modulus (bits) a page's key may have: one signature costs at most ~20 ms. */
export const MAX_RSA_BITS = 4096;
/** Largest DSA p and q (bits): FIPS 186-4's largest pair. */
export const MAX_DSA_BITS = 3072;
export const MAX_DSA_Q_BITS = 256;

/** Why a page's key is refused, as the RESET's code and message. */
export interface KeyRefusal {
  readonly code: typeof SockwayErrorCode.Limit | typeof SockwayErrorCode.Unsupported;
  readonly message: string;
}

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
const SCRYPT = '1.3.6.1.4.1.11591.4.11';
/** PBKDF2 PRFs: output bytes, and cost per iteration and block relative to HMAC-SHA-256 (measured). */
const PRFS: ReadonlyMap<string, { readonly name: string; readonly bytes: number; readonly weight: number }> = new Map([
  ['1.2.840.113549.2.7', { name: 'HMAC-SHA1', bytes: 20, weight: 1 }],
  ['1.2.840.113549.2.8', { name: 'HMAC-SHA224', bytes: 28, weight: 1 }],
  ['1.2.840.113549.2.9', { name: 'HMAC-SHA256', bytes: 32, weight: 1 }],
  ['1.2.840.113549.2.10', { name: 'HMAC-SHA384', bytes: 48, weight: 2.5 }],
  ['1.2.840.113549.2.11', { name: 'HMAC-SHA512', bytes: 64, weight: 2.5 }],
]);
const DEFAULT_PRF = '1.2.840.113549.2.7';
/** Key bytes of common PBES2 ciphers; any other gets EVP_MAX_KEY_LENGTH (64), the worst case. */
const CIPHER_KEY_BYTES: ReadonlyMap<string, number> = new Map([
  ['2.16.840.1.101.3.4.1.2', 16], // aes-128-cbc
  ['2.16.840.1.101.3.4.1.22', 24], // aes-192-cbc
  ['2.16.840.1.101.3.4.1.42', 32], // aes-256-cbc
  ['1.2.840.113549.3.7', 24], // des-ede3-cbc
  ['1.3.14.3.2.7', 8], // des-cbc
]);
const MAX_CIPHER_KEY_BYTES = 64;
/** scrypt cost per N·r·p relative to the unit (0.66 µs measured, rounded up). */
const SCRYPT_WEIGHT = 2;
/** PKCS#12 PBE derives key and IV separately (3DES: three SHA-1 blocks; 1.15 units measured, rounded up). */
const PKCS12_WEIGHT = 2;
/** PBES1 (PBKDF1) hashes once per iteration. */
const PBES1 = new Set(['1', '3', '4', '6', '10', '11'].map((n) => `1.2.840.113549.1.5.${n}`));
const PKCS12 = new Set(['1', '2', '3', '4', '5', '6'].map((n) => `1.2.840.113549.1.12.1.${n}`));
/** The traditional key PEMs that legacy (Proc-Type) encryption wraps: read as that key type only. */
const LEGACY_ENCRYPTED = new Set(['RSA PRIVATE KEY', 'DSA PRIVATE KEY', 'EC PRIVATE KEY']);

const BEGIN = /^-----BEGIN (.*)-----\s*$/;
const END = /^-----END .*-----\s*$/;

interface PemBlock {
  readonly name: string;
  readonly headers: readonly string[];
  readonly der: Uint8Array;
}

/** Every PEM block in `text`, as OpenSSL's PEM reader finds them (BEGIN at the start of a line). */
function pemBlocks(text: string): PemBlock[] {
  const lines = text.split('\n');
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = BEGIN.exec(lines[i] as string)?.[1];
    if (name === undefined) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !END.test(lines[j] as string); j++) body.push(lines[j] as string);
    // RFC 1421 headers: present when the first line has a colon; they end at a blank line.
    let headers: string[] = [];
    if (body[0]?.includes(':') === true) {
      const blank = body.findIndex((line) => line.trim() === '');
      headers = blank === -1 ? body : body.slice(0, blank);
      body.splice(0, headers.length);
    }
    blocks.push({ name: name.trim(), headers, der: Buffer.from(body.join(''), 'base64') });
    i = j;
  }
  return blocks;
}

/**
 * Refuses key derivations over MAX_KDF_WORK in any PEM block of `pem`, and encrypted
 * keys whose derivation cannot be read exactly. Returns null when OpenSSL may go ahead.
 */
export function checkKeyDerivation(pem: string): KeyRefusal | null {
  for (const block of pemBlocks(pem)) {
    if (block.headers.some((line) => /^\s*Proc-Type\s*:.*ENCRYPTED/i.test(line))) {
      if (LEGACY_ENCRYPTED.has(block.name)) continue;
      return unsupported(`a legacy-encrypted "${block.name.slice(0, 40)}" PEM block`);
    }
    let kdf: Kdf | null;
    try {
      kdf = encryptedKeyKdf(block.der);
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
      // Only an EncryptedPrivateKeyInfo has a derivation; other blocks are OpenSSL's to refuse.
      if (block.name !== 'ENCRYPTED PRIVATE KEY') continue;
      return unsupported(`an encrypted private key that is not valid DER (${error.message})`);
    }
    if (kdf === null) {
      if (block.name !== 'ENCRYPTED PRIVATE KEY') continue;
      return unsupported('an encrypted private key with an unknown encryption algorithm');
    }
    if (kdf.work > MAX_KDF_WORK) {
      return {
        code: SockwayErrorCode.Limit,
        message: `the private key's encryption (${kdf.what}) is too costly for the gateway to derive: `
          + `${Math.round(kdf.work)} work units, at most ${MAX_KDF_WORK} (about 50,000 PBKDF2-HMAC-SHA256 iterations); `
          + 'decrypt the key first or encrypt it with fewer iterations',
      };
    }
  }
  return null;
}

interface Kdf {
  readonly what: string;
  readonly work: number;
}

/**
 * The derivation an EncryptedPrivateKeyInfo names (RFC 5958: SEQUENCE { AlgorithmIdentifier,
 * OCTET STRING }); null for an algorithm this module does not know. Throws DerError for
 * anything else.
 */
function encryptedKeyKdf(der: Uint8Array): Kdf | null {
  const [algorithm, data] = derChildren(derOne(der, DerTag.Sequence));
  expectTag(data, DerTag.OctetString);
  const [oid, params] = derChildren(expectTag(algorithm, DerTag.Sequence));
  const scheme = derOid(expectTag(oid, DerTag.Oid));
  if (scheme === PBES2) {
    const [kdf, cipher] = derChildren(expectTag(params, DerTag.Sequence));
    return pbes2Kdf(expectTag(kdf, DerTag.Sequence), expectTag(cipher, DerTag.Sequence));
  }
  if (PBES1.has(scheme) || PKCS12.has(scheme)) {
    // PBEParameter and pkcs-12PbeParams alike: SEQUENCE { salt OCTET STRING, iterations INTEGER }.
    const [salt, count] = derChildren(expectTag(params, DerTag.Sequence));
    expectTag(salt, DerTag.OctetString);
    const iterations = derUint(expectTag(count, DerTag.Integer));
    const pkcs12 = PKCS12.has(scheme);
    return {
      what: `${pkcs12 ? 'PKCS#12' : 'PBES1'} PBE with ${iterations} iterations`,
      work: Number(iterations) * (pkcs12 ? PKCS12_WEIGHT : 1),
    };
  }
  return null;
}

function pbes2Kdf(kdf: Uint8Array, cipher: Uint8Array): Kdf | null {
  const [kdfOid, kdfParams] = derChildren(kdf);
  const kdfName = derOid(expectTag(kdfOid, DerTag.Oid));
  const cipherOid = derOid(expectTag(derChildren(cipher)[0], DerTag.Oid));
  const fields = derChildren(expectTag(kdfParams, DerTag.Sequence));
  expectTag(fields[0], DerTag.OctetString); // salt ("otherSource" is not supported by OpenSSL either)
  if (kdfName === PBKDF2) {
    const iterations = derUint(expectTag(fields[1], DerTag.Integer));
    // keyLength (optional INTEGER) must equal the cipher's, or OpenSSL refuses before deriving.
    let next = fields[2]?.tag === DerTag.Integer ? 3 : 2;
    let prfOid = DEFAULT_PRF;
    const prfField = fields[next];
    if (prfField !== undefined) {
      prfOid = derOid(expectTag(derChildren(expectTag(prfField, DerTag.Sequence))[0], DerTag.Oid));
      next += 1;
    }
    if (next < fields.length) throw new DerError('trailing PBKDF2 parameters');
    const prf = PRFS.get(prfOid);
    if (prf === undefined) return null;
    const keyBytes = CIPHER_KEY_BYTES.get(cipherOid) ?? MAX_CIPHER_KEY_BYTES;
    const blocks = Math.ceil(keyBytes / prf.bytes);
    return { what: `PBKDF2-${prf.name} with ${iterations} iterations`, work: Number(iterations) * blocks * prf.weight };
  }
  if (kdfName === SCRYPT) {
    const [n, r, p] = [1, 2, 3].map((i) => derUint(expectTag(fields[i], DerTag.Integer))) as [bigint, bigint, bigint];
    return { what: `scrypt with N=${n}, r=${r}, p=${p}`, work: Number(n * r * p) * SCRYPT_WEIGHT };
  }
  return null;
}

/**
 * Refuses a decoded key whose use in a handshake (the client's CertificateVerify) would
 * cost more than a 4096-bit RSA signature, or that cannot sign a TLS handshake at all.
 * OpenSSL does not check a private key's components against each other: a made-up RSA
 * key fails its CRT self-check and falls back to exponentiating with `d` mod `n`, so
 * every component is bounded by the modulus, and `e` (used for blinding) by 64 bits.
 */
export function checkKeyCost(key: KeyObject): KeyRefusal | null {
  const type = key.asymmetricKeyType ?? '';
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? Infinity;
      if (bits > MAX_RSA_BITS) return tooLarge(`a ${bits}-bit RSA key`, `at most ${MAX_RSA_BITS} bits`);
      try {
        return checkRsaComponents(key.export({ type: 'pkcs8', format: 'der' }));
      } catch (error) {
        if (!(error instanceof DerError)) throw error;
        return unsupported(`an RSA key that does not re-encode as PKCS#8 (${error.message})`);
      }
    }
    case 'dsa': {
      const bits = details.modulusLength ?? Infinity;
      const qBits = details.divisorLength ?? Infinity;
      if (bits > MAX_DSA_BITS || qBits > MAX_DSA_Q_BITS) {
        return tooLarge(`a DSA key with ${bits}-bit p and ${qBits}-bit q`, `at most ${MAX_DSA_BITS} and ${MAX_DSA_Q_BITS} bits`);
      }
      return null;
    }
    // Fixed-size (or at most 661-bit, OpenSSL's limit) curves.
    case 'ec':
    case 'ed25519':
    case 'ed448':
      return null;
    default:
      return unsupported(`a ${type || 'unknown'} key (a TLS client key is RSA, RSA-PSS, DSA, EC, Ed25519 or Ed448)`);
  }
}

/** PrivateKeyInfo → RSAPrivateKey (RFC 8017): two primes, every component no longer than n, e ≤ 64 bits. */
function checkRsaComponents(pkcs8: Uint8Array): KeyRefusal | null {
  const info = derChildren(derOne(pkcs8, DerTag.Sequence));
  const rsa = derChildren(derOne(expectTag(info[2], DerTag.OctetString), DerTag.Sequence));
  const [version, n, e, ...rest] = rsa.map((element) => derUint(expectTag(element, DerTag.Integer)));
  if (version !== 0n || rest.length !== 6) return unsupported('a multi-prime RSA key');
  const bits = (value: bigint): number => value.toString(2).length;
  const nBits = bits(n ?? 0n);
  if (bits(e ?? 0n) > 64) return tooLarge(`an RSA key with a ${bits(e ?? 0n)}-bit public exponent`, 'at most 64 bits');
  const longest = Math.max(...rest.map(bits));
  if (longest > nBits) return tooLarge(`an RSA key with a ${longest}-bit component and a ${nBits}-bit modulus`, 'no component longer than the modulus');
  return null;
}

function tooLarge(what: string, limit: string): KeyRefusal {
  return { code: SockwayErrorCode.Limit, message: `the gateway does not sign with ${what} (${limit})` };
}

function unsupported(what: string): KeyRefusal {
  return { code: SockwayErrorCode.Unsupported, message: `the gateway does not use ${what}` };
}
