/**
 * Stream-cipher state that survives across `update()` calls: keystream comes in
 * whole blocks, so the unused tail of the last block is kept for the next call
 * (Node's CTR and ChaCha20 ciphers accept chunks of any size).
 */
import { unsafe as aes } from '@noble/ciphers/aes.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { copyBytes } from './bytes.ts';

/** Produces the next `blocks` whole blocks of keystream. */
export type KeystreamSource = (blocks: number) => Uint8Array;

/** XORs data with a keystream, carrying partial blocks between calls. */
export class KeystreamXor {
  readonly #next: KeystreamSource;
  readonly #blockSize: number;
  #leftover: Uint8Array = new Uint8Array(0);

  constructor(next: KeystreamSource, blockSize: number) {
    this.#next = next;
    this.#blockSize = blockSize;
  }

  /** `input` XOR the next `input.length` keystream bytes, as a new array. */
  xor(input: Uint8Array): Uint8Array {
    const out = new Uint8Array(input.length);
    const fromLeftover = Math.min(this.#leftover.length, input.length);
    for (let i = 0; i < fromLeftover; i++) out[i] = (input[i] ?? 0) ^ (this.#leftover[i] ?? 0);
    this.#leftover = this.#leftover.subarray(fromLeftover);
    const remaining = input.length - fromLeftover;
    if (remaining > 0) {
      const stream = this.#next(Math.ceil(remaining / this.#blockSize));
      for (let i = 0; i < remaining; i++) out[fromLeftover + i] = (input[fromLeftover + i] ?? 0) ^ (stream[i] ?? 0);
      this.#leftover = stream.subarray(remaining);
    }
    return out;
  }
}

/**
 * AES-CTR keystream from a 16-byte initial counter block (128-bit big-endian increment,
 * as OpenSSL). Uses @noble/ciphers' `unsafe` block API so the key schedule is expanded
 * once per cipher, not once per SSH packet; cipheriv.test.ts pins it against node:crypto.
 */
export function aesCtrKeystream(key: Uint8Array, counterBlock: Uint8Array): KeystreamXor {
  const expanded = aes.expandKeyLE(key);
  // ctrCounter advances this block in place, so it always holds the next counter.
  const counter = copyBytes(counterBlock);
  return new KeystreamXor((blocks) => aes.ctrCounter(expanded, counter, new Uint8Array(blocks * 16)), 16);
}

/**
 * ChaCha20 keystream for OpenSSL's 'chacha20' IV layout: 4 bytes little-endian block
 * counter, then the 12-byte nonce.
 */
export function chacha20Keystream(key: Uint8Array, iv: Uint8Array): KeystreamXor {
  const view = new DataView(iv.buffer, iv.byteOffset, iv.byteLength);
  let counter = view.getUint32(0, true);
  const nonce = copyBytes(iv.subarray(4, 16));
  return new KeystreamXor((blocks) => {
    const stream = chacha20(key, nonce, new Uint8Array(blocks * 64), undefined, counter);
    counter += blocks;
    return stream;
  }, 64);
}
