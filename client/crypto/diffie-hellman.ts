/**
 * Finite-field Diffie-Hellman with Node's `DiffieHellman` surface, over bigint:
 * `createDiffieHellman(prime, generator)` (ssh2's diffie-hellman-group-exchange-*) and
 * `createDiffieHellmanGroup(name)` / `getDiffieHellman(name)` for the MODP groups
 * (diffie-hellman-group14/16/18-*). Generating new primes is not supported.
 */
import type { Buffer } from 'buffer';
import { byteLength, fromBigInt, modPow, toBigInt, toFixedBytes } from './bigint.ts';
import { type BinaryLike, type BinaryToTextEncoding, cryptoError, encodeOutput, toBytes, unsupported } from './bytes.ts';
import { MODP_PRIMES } from './modp-groups.ts';

// Private exponents of 512 bits: twice the 256-bit strength of the strongest group
// (as OpenSSH sizes them, and NIST SP 800-56A allows), so an 8192-bit exchange takes
// tens of milliseconds instead of seconds.
const PRIVATE_KEY_BITS = 512;

function randomExponent(p: bigint): bigint {
  const bits = Math.min(PRIVATE_KEY_BITS, p.toString(2).length - 1);
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(Math.ceil(bits / 8)));
  const x = toBigInt(bytes) >> BigInt(bytes.length * 8 - bits);
  return x < 2n ? 2n : x;
}

/** Node's `DiffieHellman` (and `DiffieHellmanGroup`). */
export class DiffieHellman {
  readonly #p: bigint;
  readonly #g: bigint;
  readonly #length: number;
  #x: bigint | undefined;
  #y: bigint | undefined;
  /** OpenSSL's DH_check flags; 0: sockway/crypto does not test primes. */
  readonly verifyError = 0;

  constructor(prime: Uint8Array, generator: Uint8Array) {
    this.#p = toBigInt(prime);
    this.#g = toBigInt(generator);
    if (this.#p < 5n || this.#p % 2n === 0n) throw cryptoError('ERR_OSSL_DH_MODULUS_TOO_SMALL', 'Invalid DH prime');
    if (this.#g < 2n || this.#g >= this.#p - 1n) throw cryptoError('ERR_OSSL_DH_BAD_GENERATOR', 'bad generator');
    this.#length = byteLength(this.#p);
  }

  /** Makes a private key (unless one was set) and returns the public key g^x mod p. */
  generateKeys(): Buffer;
  generateKeys(encoding: BinaryToTextEncoding): string;
  generateKeys(encoding?: BinaryToTextEncoding): Buffer | string {
    this.#x ??= randomExponent(this.#p);
    this.#y = modPow(this.#g, this.#x, this.#p);
    return encodeOutput(fromBigInt(this.#y), encoding);
  }

  /** The shared secret with the peer's public key, padded to the prime's length as Node does. */
  computeSecret(otherPublicKey: BinaryLike, inputEncoding?: BinaryToTextEncoding): Buffer;
  computeSecret(otherPublicKey: BinaryLike, inputEncoding: BinaryToTextEncoding | undefined, outputEncoding: BinaryToTextEncoding): string;
  computeSecret(otherPublicKey: BinaryLike, inputEncoding?: BinaryToTextEncoding, outputEncoding?: BinaryToTextEncoding): Buffer | string {
    if (this.#x === undefined) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Failed to compute the secret: call generateKeys() or setPrivateKey() first');
    const y = toBigInt(toBytes(otherPublicKey, inputEncoding));
    // 1, p-1 and out-of-range values would force a guessable secret.
    if (y < 2n || y > this.#p - 2n) throw cryptoError('ERR_CRYPTO_INVALID_KEYTYPE', 'Supplied key is too small');
    return encodeOutput(toFixedBytes(modPow(y, this.#x, this.#p), this.#length), outputEncoding);
  }

  /** p. */
  getPrime(encoding?: BinaryToTextEncoding): Buffer | string {
    return encodeOutput(fromBigInt(this.#p), encoding);
  }

  /** g. */
  getGenerator(encoding?: BinaryToTextEncoding): Buffer | string {
    return encodeOutput(fromBigInt(this.#g), encoding);
  }

  /** The public key, after generateKeys(). */
  getPublicKey(encoding?: BinaryToTextEncoding): Buffer | string {
    if (this.#y === undefined) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'No public key - did you forget to generate one?');
    return encodeOutput(fromBigInt(this.#y), encoding);
  }

  /** The private key, after generateKeys() or setPrivateKey(). */
  getPrivateKey(encoding?: BinaryToTextEncoding): Buffer | string {
    if (this.#x === undefined) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'No private key - did you forget to generate one?');
    return encodeOutput(fromBigInt(this.#x), encoding);
  }

  /** Sets the private key (generateKeys() then derives the public key from it). */
  setPrivateKey(privateKey: BinaryLike, encoding?: BinaryToTextEncoding): void {
    this.#x = toBigInt(toBytes(privateKey, encoding));
  }

  /** Sets the public key. */
  setPublicKey(publicKey: BinaryLike, encoding?: BinaryToTextEncoding): void {
    this.#y = toBigInt(toBytes(publicKey, encoding));
  }
}

/**
 * `crypto.createDiffieHellman(prime[, primeEncoding][, generator][, generatorEncoding])`
 * with a given prime; a prime length (number) would mean generating a prime: unsupported.
 */
export function createDiffieHellman(
  prime: BinaryLike | number,
  primeEncoding?: BinaryToTextEncoding | BinaryLike | number,
  generator?: BinaryLike | number,
  generatorEncoding?: BinaryToTextEncoding,
): DiffieHellman {
  if (typeof prime === 'number') throw unsupported('createDiffieHellman(primeLength) (prime generation)');
  // Node's overloads: (prime, generator) when the second argument is not an encoding name.
  const encodings = ['hex', 'base64', 'base64url', 'latin1', 'binary'];
  const hasPrimeEncoding = typeof primeEncoding === 'string' && encodings.includes(primeEncoding);
  const g = hasPrimeEncoding ? generator : (primeEncoding as BinaryLike | number | undefined);
  const gEncoding = hasPrimeEncoding ? generatorEncoding : (generator as BinaryToTextEncoding | undefined);
  const primeBytes = toBytes(prime, hasPrimeEncoding ? (primeEncoding as BinaryToTextEncoding) : undefined);
  const generatorBytes = g === undefined ? Uint8Array.of(2) : typeof g === 'number' ? fromBigInt(BigInt(g)) : toBytes(g, gEncoding);
  return new DiffieHellman(primeBytes, generatorBytes);
}

/** `crypto.createDiffieHellmanGroup(name)`: modp1, modp2, modp5, modp14 … modp18. */
export function createDiffieHellmanGroup(name: string): DiffieHellman {
  const prime = MODP_PRIMES[name];
  if (prime === undefined) throw cryptoError('ERR_CRYPTO_UNKNOWN_DH_GROUP', 'Unknown DH group');
  return new DiffieHellman(toBytes(prime, 'hex'), Uint8Array.of(2));
}

/** `crypto.getDiffieHellman(name)`: an alias of createDiffieHellmanGroup. */
export const getDiffieHellman = createDiffieHellmanGroup;
