/** Node digest names → @noble/hashes constructors, for signatures and the interim Hash/Hmac. */
import { md5, ripemd160, sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { cryptoError } from './bytes.ts';

const DIGESTS: Readonly<Record<string, CHash>> = {
  md5,
  ripemd160,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
};

// OpenSSL's aliases that callers pass to createSign/createVerify ('RSA-SHA256').
function canonical(name: string): string {
  return name.toLowerCase().replace(/^rsa-/, '').replace(/^sha-/, 'sha').replace(/^rmd160$/, 'ripemd160');
}

/** The digest names this shim knows, as crypto.getHashes() lists them. */
export const DIGEST_NAMES: readonly string[] = Object.keys(DIGESTS);

/** The noble hash for a Node digest name; throws Node's error for unknown ones. */
export function digestFor(name: string): CHash {
  const hash = DIGESTS[canonical(name)];
  if (hash === undefined) throw cryptoError('ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${name}`, TypeError);
  return hash;
}
