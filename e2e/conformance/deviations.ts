/**
 * Known deviations: where sockway's trace may differ from node:net's, each with
 * the reason a tunnel cannot do what Node does, and the scenarios it covers.
 * Keep this short: anything not listed here is a bug to fix in the client.
 *
 * A deviation with a `mask` rewrites the lines it concerns in BOTH traces, and
 * the rest of the scenario must still match exactly; one without a mask exempts
 * the whole scenario.
 */
export interface KnownDeviation {
  readonly id: string;
  /** Why the tunnel cannot reproduce Node here (goes into the table of docs/client.md). */
  readonly reason: string;
  /** Scenario names it applies to. */
  readonly scenarios: readonly string[];
  /** Rewrites one trace line; returns other lines unchanged. */
  readonly mask?: (line: string) => string;
  /** Only where this applies (default: everywhere). A Node-run entry that no longer differs fails the suite. */
  readonly only?: 'chromium';
}

/** Blanks the local endpoint sampled on a line (the props and the error message detail). */
function maskLocalEndpoint(line: string): string {
  return line
    .replace(/local=\S+ remote=/, 'local=<masked> remote=')
    .replace(/address\(\)=\{[^}]*\}/, 'address()=<masked>')
    .replace(/ - Local \([^)]*\)/g, ' - Local (<masked>)');
}

export const KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  {
    id: 'local-endpoint-before-connect',
    reason:
      "The local address and port of an attempt that has not connected (one that failed, or one bound with " +
      "localAddress before connecting) come from Node's own socket. Through a tunnel the socket is the " +
      "gateway's, which reports its endpoints only once connected (OPENED): sockway answers `{}`/undefined until then.",
    scenarios: [
      'IPv6 literal ::1 with nothing listening: connect error',
      'ECONNREFUSED: connectionAttemptFailed? error, close(true), shape',
      'ECONNREFUSED through localhost',
      'write callbacks when the connection is refused',
      'timeout while connecting to a refused port never fires',
      'resetAndDestroy() inside error (connection refused)',
      'destroy() inside error gives exactly one close',
      'destroy(err) inside error: still one error, one close',
      'no listener leaks after a refused connect with queued writes',
      'reconnect after ECONNREFUSED',
    ],
    mask: (line) => (/^\w+:connectionAttempt(Failed)?\(|^\w+:error\(|^sample /.test(line) ? maskLocalEndpoint(line) : line),
  },
  {
    id: 'browser-abort-reason',
    only: 'chromium',
    reason:
      "Not sockway's: an AbortSignal aborted without a reason carries the runtime's own DOMException as the " +
      "AbortError's `cause`, and Chromium words it 'signal is aborted without reason' where Node says " +
      "'This operation was aborted'.",
    scenarios: ['abort while connecting'],
    mask: (line) => line.replace(/cause=Error\{name="AbortError" code=20 message="[^"]*"\}/g, 'cause=Error{name="AbortError" code=20 message=<runtime>}'),
  },
  {
    id: 'listen-bind-at-gateway',
    reason:
      "listen(port) without a host: Node binds synchronously, so `listening` is true and address() answers " +
      "right after listen(). The bind happens at the gateway, one WebSocket round trip later: sockway's " +
      "`listening` is false and address() null until 'listening' (as Node's are for listen(port, host)). " +
      'Everything else (ERR_SERVER_ALREADY_LISTEN at once, the bound address, close) is as in Node.',
    scenarios: ['listen(0) without a host binds every interface at once in Node (address() right away); then ERR_SERVER_ALREADY_LISTEN'],
    mask: (line) => line.replace(/^(note right after listen\(0\)) .*$/, '$1 <masked>'),
  },
  {
    id: 'ipc',
    reason:
      'IPC (`path`) sockets: a browser has no Unix domain sockets or named pipes, and the gateway does not ' +
      'expose its own. `connect(path)` throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM instead of failing with ENOENT later.',
    scenarios: ['IPC path: connect({path}) and connect(path string)'],
  },
];

/** The deviations that apply to a scenario in a run against node:net-in-Node ('node') or Chromium. */
export function deviationsFor(name: string, where: 'node' | 'chromium'): KnownDeviation[] {
  return KNOWN_DEVIATIONS.filter((d) => d.scenarios.includes(name) && (d.only === undefined || d.only === where));
}
