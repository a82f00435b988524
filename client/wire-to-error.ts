/**
 * Turns an error received in RESET/GOAWAY into the Error a Node program expects:
 * Node's system error shape for errno names, a coded Error for sockway's own codes.
 */
import { captureStack, isSockwayErrorCode, type WireError } from '../shared/errors.ts';
import { systemError } from './node-errors.ts';

/** A sockway error: an Error with `code` (and the system fields that apply). */
export interface SockwayError extends Error {
  code: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** Builds the Node-shaped Error for a WireError. */
export function wireToError(error: WireError): Error {
  if (!isSockwayErrorCode(error.code) && error.message === '') {
    return systemError({
      code: error.code,
      errno: error.errno,
      syscall: error.syscall,
      ...(error.address !== '' && { address: error.address }),
      ...(error.port >= 0 && { port: error.port }),
      ...(error.hostname !== '' && { hostname: error.hostname }),
    });
  }
  const err = new Error(error.message || error.code) as SockwayError;
  err.code = error.code;
  if (error.errno !== 0) (err as SockwayError & { errno: number }).errno = error.errno;
  if (error.syscall !== '') err.syscall = error.syscall;
  if (error.address !== '') err.address = error.address;
  if (error.port >= 0) err.port = error.port;
  if (error.hostname !== '') err.hostname = error.hostname;
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node's fields for this one: reason (the message's tail) and host, not hostname.
    const tls = err as SockwayError & { reason?: string; host?: string };
    tls.reason = error.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '');
    tls.host = error.hostname;
    delete err.hostname;
  }
  captureStack(err, wireToError);
  return err;
}
