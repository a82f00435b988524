/**
 * AES-GCM with Node's incremental surface: `update()` returns ciphertext (or plaintext)
 * at once through the GCTR keystream, and the tag is computed or checked in `final()`
 * by @noble/ciphers' one-shot `gcm` over everything seen. SSH packets are small, so
 * the second pass is cheaper than a hand-rolled GHASH.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { concatBytes, copyBytes, cryptoError } from './bytes.ts';
import { type KeystreamXor, aesCtrKeystream } from './keystream.ts';

/** GCM's tag length; the only one sockway/crypto produces or accepts. */
export const GCM_TAG_LENGTH = 16;
/** GCM's nonce length; the only one sockway/crypto accepts (SSH and TLS use 12). */
export const GCM_IV_LENGTH = 12;

/** One GCM encryption or decryption, driven by Cipheriv/Decipheriv. */
export class GcmState {
  readonly #key: Uint8Array;
  readonly #iv: Uint8Array;
  readonly #encrypting: boolean;
  readonly #stream: KeystreamXor;
  // Plaintext when encrypting, ciphertext when decrypting: the input of the tag pass.
  readonly #seen: Uint8Array[] = [];
  #aad: Uint8Array = new Uint8Array(0);
  #tag: Uint8Array | undefined;

  constructor(key: Uint8Array, iv: Uint8Array, encrypting: boolean) {
    this.#key = key;
    this.#iv = copyBytes(iv);
    this.#encrypting = encrypting;
    // For a 96-bit IV, J0 = IV || 1 and the payload starts at inc32(J0) = IV || 2.
    const counter = new Uint8Array(16);
    counter.set(iv);
    counter[15] = 2;
    this.#stream = aesCtrKeystream(key, counter);
  }

  setAAD(aad: Uint8Array): void {
    if (this.#seen.length > 0) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'setAAD must be called before update');
    this.#aad = copyBytes(aad);
  }

  update(data: Uint8Array): Uint8Array {
    const out = this.#stream.xor(data);
    this.#seen.push(copyBytes(data));
    return out;
  }

  setAuthTag(tag: Uint8Array): void {
    if (this.#encrypting) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation setAuthTag');
    if (tag.length !== GCM_TAG_LENGTH) throw cryptoError('ERR_CRYPTO_INVALID_AUTH_TAG', `Invalid authentication tag length: ${tag.length}`, TypeError);
    this.#tag = copyBytes(tag);
  }

  getAuthTag(): Uint8Array {
    if (!this.#encrypting || this.#tag === undefined) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Invalid state for operation getAuthTag');
    return this.#tag;
  }

  /** Computes the tag (encrypting) or verifies it (decrypting). Emits no bytes. */
  final(): Uint8Array {
    const seen = concatBytes(this.#seen);
    const aead = gcm(this.#key, this.#iv, this.#aad);
    if (this.#encrypting) {
      this.#tag = aead.encrypt(seen).subarray(seen.length);
      return new Uint8Array(0);
    }
    if (this.#tag === undefined) throw cryptoError('ERR_CRYPTO_INVALID_STATE', 'Unsupported state or unable to authenticate data');
    try {
      aead.decrypt(concatBytes([seen, this.#tag]));
    } catch {
      throw new Error('Unsupported state or unable to authenticate data');
    }
    return new Uint8Array(0);
  }
}
