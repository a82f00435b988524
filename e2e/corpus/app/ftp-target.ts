/** An FTP server for the corpus pages (the test's vsftpd), and the bytes they upload. */

export interface FtpTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A file the test put in the FTP root from Node, and its text. */
  readonly fromNode: { readonly name: string; readonly text: string };
  /** The name the page leaves its upload under, in a directory of its own. */
  readonly dir: string;
}

/** The file each page uploads: 300 KiB of every byte value in a pattern that does not repeat every 256 bytes. */
export function uploadBytes(): Uint8Array {
  const bytes = new Uint8Array(300 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** Whether two byte arrays are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
