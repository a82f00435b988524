/**
 * libuv's error descriptions (uv_strerror, the same text on every platform), for the
 * errors Node words with them: `listen EADDRINUSE: address already in use 127.0.0.1:80`
 * (UVExceptionWithHostPort). Only the codes a bind or listen can report are listed;
 * the gateway forwards the code, the client adds the text. Source: Node 20's
 * util.getSystemErrorMap().
 */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EAFNOSUPPORT: 'address family not supported',
  EAGAIN: 'resource temporarily unavailable',
  EBADF: 'bad file descriptor',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  ENETDOWN: 'network is down',
  ENFILE: 'file table overflow',
  ENOBUFS: 'no buffer space available',
  ENODEV: 'no such device',
  ENOMEM: 'not enough memory',
  ENOPROTOOPT: 'protocol not available',
  ENOTSOCK: 'socket operation on non-socket',
  ENOTSUP: 'operation not supported on socket',
  EPERM: 'operation not permitted',
  EPROTONOSUPPORT: 'protocol not supported',
};

/** libuv's description of an errno name; 'unknown error' (Node's uvUnmappedError) for others. */
export function uvDescription(code: string): string {
  return Object.prototype.hasOwnProperty.call(DESCRIPTIONS, code) ? (DESCRIPTIONS[code] as string) : 'unknown error';
}
