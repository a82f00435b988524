/**
 * AES-CBC with OpenSSL's incremental semantics: update() emits whole blocks and keeps
 * the rest; with auto padding (the default) the cipher adds PKCS#7 in final() and the
 * decipher holds back the last block until final() strips it. ssh2 uses CBC for the
 * legacy aes*-cbc SSH ciphers and for encrypted PEM and PuTTY keys (padding off).
 */
import { cbc } from '@noble/ciphers/aes.js';
import { concatBytes, copyBytes, cryptoError } from './bytes.ts';

const BLOCK = 16;

/** One CBC encryption or decryption, driven by Cipheriv/Decipheriv. */
export class CbcState {
  readonly #key: Uint8Array;
  readonly #encrypting: boolean;
  #iv: Uint8Array;
  #pending: Uint8Array = new Uint8Array(0);
  #autoPadding = true;

  constructor(key: Uint8Array, iv: Uint8Array, encrypting: boolean) {
    this.#key = copyBytes(key);
    this.#iv = copyBytes(iv);
    this.#encrypting = encrypting;
  }

  setAutoPadding(autoPadding: boolean): void {
    this.#autoPadding = autoPadding;
  }

  update(data: Uint8Array): Uint8Array {
    const all = concatBytes([this.#pending, data]);
    let ready = all.length - (all.length % BLOCK);
    // A decipher that will unpad must keep a final full block back for final().
    if (!this.#encrypting && this.#autoPadding && ready === all.length && ready > 0) ready -= BLOCK;
    this.#pending = all.slice(ready);
    return this.#blocks(all.subarray(0, ready));
  }

  final(): Uint8Array {
    const pending = this.#pending;
    this.#pending = new Uint8Array(0);
    if (this.#encrypting && this.#autoPadding) {
      const pad = BLOCK - pending.length;
      return this.#blocks(concatBytes([pending, new Uint8Array(pad).fill(pad)]));
    }
    if (!this.#encrypting && this.#autoPadding) {
      if (pending.length !== BLOCK) throw cryptoError('ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH', 'error:1C80006B:Provider routines::wrong final block length');
      const block = this.#blocks(pending);
      const pad = block[BLOCK - 1] ?? 0;
      if (pad < 1 || pad > BLOCK || block.subarray(BLOCK - pad).some((byte) => byte !== pad)) throw cryptoError('ERR_OSSL_BAD_DECRYPT', 'error:1C800064:Provider routines::bad decrypt');
      return block.subarray(0, BLOCK - pad);
    }
    if (pending.length !== 0) throw cryptoError('ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH', 'error:1C80006B:Provider routines::wrong final block length');
    return new Uint8Array(0);
  }

  /** Whole blocks through CBC, chaining from the last ciphertext block of the previous call. */
  #blocks(input: Uint8Array): Uint8Array {
    if (input.length === 0) return new Uint8Array(0);
    const mode = cbc(this.#key, this.#iv, { disablePadding: true });
    const out = this.#encrypting ? mode.encrypt(input) : mode.decrypt(input);
    this.#iv = copyBytes((this.#encrypting ? out : input).subarray(input.length - BLOCK));
    return out;
  }
}
