/**
 * What the options schema says, written out: `sockway-gateway --help` (USAGE) and the
 * limits table of docs/gateway.md and SECURITY.md (limitsTable(), LIMIT_DOCS). Tests check
 * that the documents contain them verbatim; `node --import tsx scripts/options-doc.ts`
 * prints them for pasting.
 */
import { MAX_CONTROL_FRAME, MAX_FRAME_LENGTH, MAX_PAYLOAD_LIMIT, STREAM_QUEUE_LIMIT } from '../shared/protocol.ts';
import { TLS_CPU } from './limits.ts';
import { DEFAULT_RESERVE } from './memory-budget.ts';
import { formatBytes, formatDuration, isListKind } from './option-types.ts';
import { DEFAULT_GATEWAY_LIMITS as D, type OptionKey, type OptionSpec, envName, optionEntries, optionSpec } from './options-schema.ts';

// ---- --help ----

const WIDTH = 80;
/** Column where a flag's description starts. */
const DESCRIPTION_COLUMN = 22;

/** An option's default as --help words it, e.g. "(default 30s; 0 = never)", or ''. */
function helpDefault(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return ` (default: ${spec.defaultText})`;
  const value = spec.cliDefault ?? spec.default;
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : spec.kind === 'duration' ? formatDuration(value) : spec.kind === 'bytes' ? formatBytes(value) : String(value);
  return ` (default ${text}${spec.note === undefined ? '' : `; ${spec.note}`})`;
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** One option of --help: the flag and its value's name, then the description at column 22. */
function helpEntry(head: string, description: string): string {
  const indent = ' '.repeat(DESCRIPTION_COLUMN);
  const [first = '', ...rest] = wrap(description, WIDTH - DESCRIPTION_COLUMN);
  const lead = `  ${head}`;
  const top = lead.length < DESCRIPTION_COLUMN ? [`${lead.padEnd(DESCRIPTION_COLUMN)}${first}`] : [lead, `${indent}${first}`];
  return [...top, ...rest.map((line) => `${indent}${line}`)].join('\n');
}

function optionsSection(): string {
  const entries = optionEntries().flatMap(([, spec]) =>
    spec.flag === undefined ? [] : [helpEntry(spec.metavar === undefined ? spec.flag : `${spec.flag} ${spec.metavar}`, `${spec.help ?? ''}${helpDefault(spec)}`)],
  );
  return [...entries, helpEntry('-h, --help', 'Print this help and exit')].join('\n');
}

function environmentSection(): string {
  const rows = optionEntries().flatMap(([, spec]) => {
    const name = envName(spec);
    return name === undefined || spec.flag === undefined ? [] : [[name, `${spec.flag}${isListKind(spec.kind) ? ' (comma-separated)' : ''}`] as const];
  });
  const width = Math.max(...rows.map(([name]) => name.length)) + 1;
  return rows.map(([name, flag]) => `  ${name.padEnd(width)}${flag}`).join('\n');
}

/** Help text for `sockway-gateway --help`, reproduced in docs/gateway.md. */
export const USAGE = `Usage: sockway-gateway --allow HOST:PORT [--allow HOST:PORT ...] [options]

Accepts WebSocket connections from pages using sockway's \`net\` and opens the
TCP connections they ask for. Every destination is denied unless an --allow
rule matches it and no --deny rule does. See SECURITY.md before exposing it.

Options:
${optionsSection()}

Values can also be written --flag=value. Times are milliseconds or take a
unit: 500ms, 30s, 5min, 1h. Byte counts may end in KiB, MiB or GiB.

Rules (HOST:PORT):
  HOST  example.com        this name (case-insensitive, trailing dot ignored)
        *.example.com      any subdomain of example.com, not example.com itself
        192.0.2.10         one IPv4 address, dotted decimal
        [2001:db8::10]     one IPv6 address, in brackets
        10.0.0.0/8         an IPv4 CIDR block
        [fd00::/8]         an IPv6 CIDR block, in brackets
        *                  any host
  PORT  5432 | 8000-8999 | *

  Name rules match the host name the page asked for. Address rules match the
  IP the gateway dials, after DNS: --deny 10.0.0.0/8:* also stops names that
  resolve into 10.0.0.0/8. IPv4-mapped IPv6 (::ffff:10.0.0.1) counts as IPv4.
  Always denied: 0.0.0.0/8 and [::] (they reach the gateway host). Rules are
  written in dotted decimal; pages may use any IPv4 notation.

  Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
  (169.254/16 with cloud metadata, fe80::/10), CGNAT (100.64/10), multicast,
  broadcast, documentation and reserved addresses are refused unless a rule
  names them: an address rule inside the range (127.0.0.1:22, 10.0.0.0/8:*)
  or an exact host name (localhost:5432). * and *.example.com never do.
  127.1, 0x7f.0.0.1, 2130706433 and ::ffff:127.0.0.1 all mean 127.0.0.1.

Environment: each option with a value can be set by a variable instead; the
flag wins over the variable, the variable over the default. An empty
variable counts as unset.
${environmentSection()}

Examples (quote rules: * and [ ] are special to the shell):
  # one database on the gateway's own host
  sockway-gateway --allow 'localhost:5432'
  # Postgres anywhere in 10.20.0.0/16 and one Redis by name, for remote pages
  sockway-gateway --host 0.0.0.0 --allow '10.20.0.0/16:5432' \\
    --allow 'cache.internal:6379'
  # public HTTPS only (special ranges are refused by default; the --deny
  # rules only make that explicit)
  sockway-gateway --allow '*:443' \\
    --deny '127.0.0.0/8:*' --deny '10.0.0.0/8:*' --deny '172.16.0.0/12:*' \\
    --deny '192.168.0.0/16:*' --deny '169.254.0.0/16:*' --deny '[::1]:*' \\
    --deny '[fc00::/7]:*' --deny '[fe80::/10]:*'
  # on the internet: tokens from your backend, one page origin
  SOCKWAY_TOKEN_SECRET=... sockway-gateway --host 0.0.0.0 \\
    --allow 'db.internal:5432' --allow-origin https://app.example.com
`;

// ---- the limits table ----

/** One row of the limits table in docs/gateway.md and SECURITY.md. */
export interface LimitDoc {
  readonly limit: string;
  readonly option: string;
  readonly flag: string;
  readonly default: string;
  readonly result: string;
}

const size = (bytes: number): string => formatBytes(bytes, true);
const time = (ms: number): string => formatDuration(ms, true);
const value = (key: OptionKey): number => {
  const given = optionSpec(key).default;
  if (typeof given !== 'number') throw new Error(`options-doc: ${key} has no numeric default`);
  return given;
};

/** A row: the options it is about (their names and flags come from the schema), the default as prose, the result. */
function row(limit: string, keys: readonly OptionKey[], defaultText: string, result: string): LimitDoc {
  const specs = keys.map(optionSpec);
  const options = specs.flatMap((spec) => (spec.option === undefined ? [] : [spec.option]));
  const flags = specs.flatMap((spec) => (spec.flag === undefined ? [] : [spec.flag]));
  return { limit, option: options.join(', ') || '—', flag: flags.join(', ') || '—', default: defaultText, result };
}

/** The limits table: what each limit bounds, its default, and what the page sees when it is hit. */
export const LIMIT_DOCS: readonly LimitDoc[] = [
  row('Sessions, all clients, waiting-to-resume ones included', ['maxSessions'], `${D.maxSessions}`, 'a client holding at least two sessions fewer than the biggest holder is admitted, and that holder\'s longest-idle session without streams is closed (GOAWAY `SOCKWAY_ERR_IDLE_TIMEOUT`, logged `session-evicted`); else GOAWAY `SOCKWAY_ERR_LIMIT`, close 1013'),
  row('Sessions per client (IPv4 address or IPv6 /56), waiting-to-resume ones included', ['maxSessionsPerClient', 'ipv6ClientPrefix'], `${D.maxSessionsPerClient}; IPv6 /${D.ipv6ClientPrefix}`, 'GOAWAY `SOCKWAY_ERR_LIMIT`, close 1013'),
  row('Streams per session', ['maxStreams'], `${value('maxStreams')}`, 'RESET `SOCKWAY_ERR_STREAM_LIMIT`'),
  row('Pending opens per session (resolving or connecting at once, DNS queries included)', ['maxPendingOpens'], `${D.maxPendingOpens}`, 'further OPENs and QUERYs wait their turn; one still waiting after the connect (query) timeout gets RESET `ETIMEDOUT` (`ETIMEOUT`)'),
  row('DNS resolutions in flight, all sessions together', ['maxDnsLookups'], `${D.maxDnsLookups}`, 'further resolutions wait, started round-robin across sessions; one still waiting after the connect timeout fails (`getaddrinfo EAI_AGAIN`, `queryA ETIMEOUT`)'),
  row('DNS query timeout (waiting for a slot included)', ['queryTimeout'], time(D.queryTimeout), 'RESET `ETIMEOUT` (`queryA ETIMEOUT name`, `getaddrinfo ETIMEOUT name`)'),
  row('Listeners per session (net.Server)', ['maxListeners'], `${D.maxListeners}`, 'RESET `SOCKWAY_ERR_LIMIT` (`listen` error on the page\'s server)'),
  row('Open rate per session (OPEN/RESET churn)', ['openRate', 'openBurst'], `${D.openRate}/s, burst ${D.openBurst}`, 'RESET `SOCKWAY_ERR_RATE_LIMIT` on each OPEN, LISTEN or QUERY over the rate; the session and its other streams carry on'),
  row('STARTTLS CPU (secure contexts built for pages)', [], `${TLS_CPU.sessionRate} ms/s per session (burst ${TLS_CPU.sessionBurst} ms), ${TLS_CPU.gatewayRate} ms/s for the gateway (burst ${TLS_CPU.gatewayBurst} ms); one key's derivation or signature ≤ ~20 ms`, 'RESET `SOCKWAY_ERR_RATE_LIMIT` on each STARTTLS over it; the session and its other streams carry on; key material over the cap: RESET `SOCKWAY_ERR_LIMIT`'),
  row('Ping rate per session', ['pingRate'], `${D.pingRate}/s, burst ${D.pingRate * 2}`, 'GOAWAY `SOCKWAY_ERR_RATE_LIMIT`, close 1008'),
  row('Handshake (HELLO) timeout', ['handshakeTimeout'], time(D.handshakeTimeout), 'GOAWAY `SOCKWAY_ERR_PROTOCOL`, close 1002'),
  row('Upgrade request (headers; idle before them), gateway.listen() only', ['handshakeTimeout'], `${time(D.handshakeTimeout)} (Node: 60 s, idle unbounded)`, 'HTTP 408, or the connection is closed'),
  row('Connections still sending their upgrade request, per peer address, gateway.listen() only', ['maxPendingConnectionsPerAddress'], `${D.maxPendingConnectionsPerAddress}; off with \`trustProxy\``, 'dropped on accept (close 1006 on the page)'),
  row('HTTP connections (pending upgrades, WebSockets), gateway.listen() only', ['maxConnections'], 'fd limit / 5', 'dropped on accept (close 1006 on the page)'),
  row('TCP sockets (streams and listeners), all clients', ['maxTcpSockets'], 'fd limit × 0.7 (see below)', 'RESET `SOCKWAY_ERR_LIMIT` (`connect SOCKWAY_ERR_LIMIT host:port (the gateway is at its connection limit)`)'),
  row('TCP sockets per client (IPv4 address or IPv6 /56)', ['maxTcpSocketsPerClient'], 'maxTcpSockets / 16, at least 64', 'RESET `SOCKWAY_ERR_LIMIT` (`connect SOCKWAY_ERR_LIMIT host:port (this client is at its connection limit)`)'),
  row('Connect timeout (DNS included)', ['connectTimeout'], time(value('connectTimeout')), 'RESET `ETIMEDOUT` (`connect ETIMEDOUT host:port`)'),
  row('Idle stream timeout (no bytes either way)', ['streamIdleTimeout'], time(D.streamIdleTimeout), 'RESET `SOCKWAY_ERR_IDLE_TIMEOUT`'),
  row('Idle session timeout (no streams)', ['sessionIdleTimeout'], time(D.sessionIdleTimeout), 'GOAWAY `SOCKWAY_ERR_IDLE_TIMEOUT`, close 1000; the client reconnects on its next `connect()`'),
  row('Frame size', ['maxPayload'], `${size(value('maxPayload'))} DATA payload; ${size(MAX_CONTROL_FRAME)} other frames (${size(MAX_PAYLOAD_LIMIT)} for DNS and TLS ones: CA bundles, certificates); ${MAX_FRAME_LENGTH.toLocaleString('en-US')}-byte WebSocket message`, 'close 1009 (WebSocket), or GOAWAY `SOCKWAY_ERR_FRAME` / `SOCKWAY_ERR_PROTOCOL` (close 1002); a larger CA bundle or certificate: `ERR_OUT_OF_RANGE` in `tls.connect`'),
  row('Bytes buffered per stream', ['window', 'maxStreamWindow'], `${size(value('window'))} credit, auto-tuned up to ${size(value('maxStreamWindow'))}; ${size(STREAM_QUEUE_LIMIT)} queued towards the page`, 'credit (flow control); DATA beyond it: GOAWAY `SOCKWAY_ERR_FLOW_CONTROL`, close 1002'),
  row('Bytes buffered per session', ['maxSessionBufferedBytes'], size(D.maxSessionBufferedBytes), 'stream windows stop growing (flow control, no error); a client not reading its WebSocket is dropped (close 1006, logged `send-buffer-limit`, not resumed)'),
  row('Resume grace period (a dropped session kept for its client)', ['resumeGracePeriod'], time(value('resumeGracePeriod')), 'the session ends: its sockets fail with `SOCKWAY_ERR_RESUME_FAILED` when the client returns'),
  row('Replay buffer per session (sent frames the page has not ACKed)', ['maxReplayBytes'], `${size(value('maxReplayBytes'))}; DATA pauses at half`, 'DATA waits for ACKs (backpressure); control frames past the cap: GOAWAY `SOCKWAY_ERR_LIMIT`, close 1011'),
  row('Memory budget, all sessions (queues and replay buffers towards pages)', ['memoryBudget'], `¼ of RAM, 64 MiB to 256 MiB; each session keeps min(${size(DEFAULT_RESERVE)}, budget / maxSessions)`, 'sessions beyond their reserve stop reading their TCP sockets until pages ACK (backpressure, no error); sessions waiting to resume are ended first (GOAWAY `SOCKWAY_ERR_RESUME_FAILED` on resume, logged `memory-pressure`)'),
];

/** LIMIT_DOCS as the Markdown table docs/gateway.md and SECURITY.md contain. */
export function limitsTable(): string {
  const code = (text: string): string => (text === '—' ? text : text.split(', ').map((name) => `\`${name}\``).join(', '));
  const lines = [
    '| Limit | Option | CLI flag | Default | When it is hit |',
    '|---|---|---|---|---|',
    ...LIMIT_DOCS.map((doc) => `| ${doc.limit} | ${code(doc.option)} | ${code(doc.flag)} | ${doc.default} | ${doc.result} |`),
  ];
  return `${lines.join('\n')}\n`;
}
