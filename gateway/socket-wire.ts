/**
 * How Node's socket facts travel to the page: a socket or DNS error as the RESET's
 * WireError (the real code, errno, syscall, address, port, hostname), the gateway's own
 * refusals and timeouts shaped as Node errors, and a socket's address as an Endpoint. Shared by the
 * bridges (tcp-bridge.ts, listen-bridge.ts, dns-bridge.ts) and admission.ts.
 */
import * as net from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { SockwayErrorCode, type WireError, wireError } from '../shared/errors.ts';
import type { Endpoint, Family } from '../shared/frame.ts';

/** The system-error fields Node puts on socket and DNS errors (not all in NodeJS.ErrnoException). */
export interface SystemErrorFields {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly syscall?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly hostname?: unknown;
  readonly message?: unknown;
}

/** A socket or DNS error as it travels: the real code, errno, syscall, address, port, hostname. */
export function fromSystemError(error: SystemErrorFields, fallback: Partial<WireError>): WireError {
  const code = typeof error.code === 'string' && error.code !== '' ? error.code : SockwayErrorCode.Internal;
  const string = (value: unknown, key: 'syscall' | 'address' | 'hostname'): string =>
    typeof value === 'string' ? value.slice(0, 255) : fallback[key] ?? '';
  return wireError({
    code: code.slice(0, 255),
    errno: typeof error.errno === 'number' && Number.isInteger(error.errno) ? error.errno : fallback.errno ?? 0,
    syscall: string(error.syscall, 'syscall'),
    address: string(error.address, 'address'),
    port: typeof error.port === 'number' && Number.isInteger(error.port) && error.port >= 0 && error.port <= 0xffff ? error.port : fallback.port ?? -1,
    hostname: string(error.hostname, 'hostname'),
    // Node-shaped errors (with a syscall) are worded by the client; others keep their message.
    message: typeof error.syscall === 'string' || typeof error.message !== 'string' ? '' : error.message.slice(0, 1000),
  });
}

/**
 * The RESET error for a destination the policy refuses. The message names only the
 * destination, never the rule: deny lists describe the gateway's network. The reason,
 * with the rule, goes to the gateway log.
 */
export function deniedError(host: string, port: number): WireError {
  return wireError({
    code: SockwayErrorCode.Denied,
    syscall: 'connect',
    address: host,
    port,
    hostname: net.isIP(host) === 0 ? host : '',
    message: `connect ${SockwayErrorCode.Denied} ${host}:${port} (not allowed by the gateway policy)`,
  });
}

/** The RESET error for a LISTEN the policy refuses (as deniedError, syscall `listen`). */
export function deniedListenError(host: string, port: number): WireError {
  const where = host === '' ? `port ${port}` : `${host}:${port}`;
  return wireError({
    code: SockwayErrorCode.Denied,
    syscall: 'listen',
    address: host,
    port,
    message: `listen ${SockwayErrorCode.Denied} ${where} (not allowed by the gateway policy)`,
  });
}

/**
 * A dial that did not connect within connectTimeout (DNS included), as Node's connect
 * ETIMEDOUT: `connect ETIMEDOUT 10.0.0.5:5432` once an address was being dialed (what the
 * kernel's timeout gives), the name (`hostname`) while it was still being resolved.
 */
export function connectTimeoutError(host: string, address: string, port: number): WireError {
  return wireError({
    code: 'ETIMEDOUT',
    errno: ETIMEDOUT_ERRNO,
    syscall: 'connect',
    address: address === '' ? host : address,
    port,
    ...(address === '' && net.isIP(host) === 0 ? { hostname: host } : {}),
  });
}

/** A STARTTLS handshake that did not finish within connectTimeout. */
export function tlsTimeoutError(host: string, address: string, port: number, ms: number): WireError {
  return wireError({
    code: 'ETIMEDOUT',
    errno: ETIMEDOUT_ERRNO,
    address,
    port,
    message: `the TLS handshake with ${host}:${port} did not finish within ${ms} ms`,
  });
}

/** A stream reset after idleTimeout ms without traffic either way. */
export function idleTimeoutError(host: string, address: string, port: number, ms: number): WireError {
  return wireError({
    code: SockwayErrorCode.IdleTimeout,
    syscall: 'read',
    address,
    port,
    message: `the gateway closed the connection to ${host}:${port} after ${ms} ms without traffic`,
  });
}

/** libuv's (negative) errno for a code name, as Node puts on its errors; 0 if unknown. */
export function uvErrno(name: string): number {
  for (const [errno, [code]] of getSystemErrorMap()) if (code === name) return errno;
  return 0;
}

const ETIMEDOUT_ERRNO = uvErrno('ETIMEDOUT');

/** A socket's address triple as an Endpoint, or null once the socket is closed. */
export function endpoint(address: string | undefined, port: number | undefined, family: string | undefined): Endpoint | null {
  if (address === undefined || port === undefined) return null;
  const numeric: Family = family === 'IPv6' ? 6 : family === 'IPv4' ? 4 : net.isIPv6(address) ? 6 : 4;
  return { address, port, family: numeric };
}
