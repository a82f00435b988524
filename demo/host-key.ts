/**
 * An SSH host key as OpenSSH shows it (`ssh-keygen -lf`, "ED25519 key fingerprint is …"):
 * the key type named in the blob, and `SHA256:` + the unpadded base64 of the blob's SHA-256.
 * Sync and DOM-free (noble's SHA-256, not crypto.subtle, which plain-http pages lack).
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** `SHA256:…` for a public key blob (RFC 4253 §6.6 encoding, as ssh2's hostVerifier gets it). */
export function openSshFingerprint(keyBlob: Uint8Array): string {
  let binary = '';
  for (const byte of sha256(keyBlob)) binary += String.fromCharCode(byte);
  return `SHA256:${btoa(binary).replace(/=+$/, '')}`;
}

/** The key type a blob starts with (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`), or '' if it is too short. */
export function keyType(keyBlob: Uint8Array): string {
  if (keyBlob.length < 4) return '';
  const length = new DataView(keyBlob.buffer, keyBlob.byteOffset, keyBlob.byteLength).getUint32(0);
  if (4 + length > keyBlob.length) return '';
  return new TextDecoder().decode(keyBlob.subarray(4, 4 + length));
}
