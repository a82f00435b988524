// Command-line and environment parsing for `sockway-gateway`. Pure: no I/O, no exit;
// main.ts prints USAGE or the error message and picks the exit code.

import { SockwayErrorCode, codedError } from '../shared/errors.ts';
import { MIN_REPLAY_BYTES } from './limits.ts';
import { parseRule, type Rule } from './policy.ts';

/** Help text for `sockway-gateway --help`, reproduced in the README. */
export const USAGE = `Usage: sockway-gateway --allow HOST:PORT [--allow HOST:PORT ...] [options]

Accepts WebSocket connections from pages using sockway's \`net\` and opens the
TCP connections they ask for. Every destination is denied unless an --allow
rule matches it and no --deny rule does. See SECURITY.md before exposing it.

Options:
  --port N            Port to listen on (default 8080; 0 picks a free port)
  --host H            Address to bind (default 127.0.0.1; 0.0.0.0 or :: for all)
  --path /P           URL path that accepts WebSocket upgrades (default /)
  --allow HOST:PORT   Allow destinations matching the rule; repeatable; this or
                      --allow-listen is required
  --deny HOST:PORT    Deny destinations matching the rule, even if allowed;
                      repeatable
  --allow-listen HOST:PORT
                      Allow pages to listen (net.Server) on this bind address
                      and port; repeatable (default: nowhere)
  --deny-listen HOST:PORT
                      Deny listening there, even if allowed; repeatable
  --token-secret S    Require a capability token signed with S (>= 32 bytes);
                      prefer the SOCKWAY_TOKEN_SECRET variable (argv is public)
  --token-audience A  Audience tokens must name (default sockway)
  --allow-origin O    Accept upgrades only from this page origin, e.g.
                      https://app.example.com or https://*.example.com;
                      repeatable (default: any origin)
  --trust-proxy N     N reverse proxies append to X-Forwarded-For; take the
                      client address from it (default 0: the socket's peer)
  --max-streams N     Maximum concurrent streams per session (default 256)
  --window BYTES      Per-stream flow-control window, e.g. 262144 or 256KiB
  --max-sessions N    Maximum sessions at once (default 1024)
  --max-sessions-per-client N
                      Maximum sessions per IPv4 address or IPv6 /56 (default 32)
  --ipv6-client-prefix N
                      IPv6 prefix length counted as one client, 32 to 128
                      (default 56)
  --max-pending-opens N
                      Maximum streams of a session still connecting (default 64)
  --max-tcp-sockets N Maximum TCP sockets for streams and listeners, all
                      clients (default: 0.7 x the open-file limit)
  --max-tcp-sockets-per-client N
                      Maximum TCP sockets per IPv4 address or IPv6 /56
                      (default: 1/16 of --max-tcp-sockets, at least 64)
  --max-connections N Maximum HTTP connections, WebSockets included (default:
                      1/5 of the open-file limit)
  --max-pending-per-address N
                      Maximum connections per address still sending their
                      upgrade request (default 32; 0 = no cap, the default
                      with --trust-proxy)
  --open-rate N       Connection attempts per second per session (default 100;
                      bursts of twice that)
  --connect-timeout T Time to connect, DNS included (default 30s)
  --max-dns-lookups N Maximum name resolutions in flight, all sessions
                      (default 512)
  --query-timeout T   Time a page's DNS query may take (default 10s)
  --dns-server S      DNS server for OPEN's names and the pages' dns queries,
                      e.g. 127.0.0.1:5353 or [::1]:53; repeatable (default:
                      the system's)
  --stream-idle-timeout T
                      Reset a stream after T without traffic (default 30min;
                      0 = never)
  --session-idle-timeout T
                      Close a session after T without streams (default 5min;
                      0 = never)
  --max-session-buffer BYTES
                      Bytes one session may make the gateway hold (default
                      32MiB)
  --memory-budget BYTES
                      Bytes all sessions together may hold towards pages
                      (queues, replay buffers); past it, sessions stop reading
                      their TCP sockets until pages acknowledge (default a
                      quarter of RAM, 64MiB to 256MiB)
  --resume-grace T    Keep a session whose WebSocket dropped (its TCP sockets
                      and listeners) this long for the client to resume it
                      (default 60s; 0 = no resumption)
  --max-replay BYTES  Cap on a session's replay buffer, the frames kept until
                      the client acknowledges them; DATA pauses at half of it
                      (default 64MiB, at least 256KiB)
  --drain-timeout T   On SIGTERM/SIGINT, let open streams finish for up to T
                      after GOAWAY before resetting them (default 30s)
  --quiet             Log only errors
  -h, --help          Print this help and exit

Values can also be written --flag=value. Times are milliseconds or take a
unit: 500ms, 30s, 5min, 1h.

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

Environment (used when the option is not given):
  SOCKWAY_PORT           --port
  SOCKWAY_HOST           --host
  SOCKWAY_ALLOW          comma-separated --allow rules
  SOCKWAY_DENY           comma-separated --deny rules
  SOCKWAY_ALLOW_LISTEN   comma-separated --allow-listen rules
  SOCKWAY_DENY_LISTEN    comma-separated --deny-listen rules
  SOCKWAY_TOKEN_SECRET   --token-secret
  SOCKWAY_TOKEN_AUDIENCE --token-audience
  SOCKWAY_ALLOW_ORIGIN   comma-separated --allow-origin origins
  SOCKWAY_DNS_SERVERS    comma-separated --dns-server servers

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

/** Error code of the errors parseGatewayArgs() throws; their message is one line of usage feedback. */
export const CLI_USAGE_CODE = SockwayErrorCode.CliUsage;

/** Environment variables parseGatewayArgs() reads (process.env by default). */
export type GatewayEnv = Readonly<Record<string, string | undefined>>;

/** The parsed command line: either a request for help, or complete gateway options. */
export type GatewayCliOptions =
  | { readonly help: true }
  | {
      readonly help: false;
      /** TCP port for the HTTP/WebSocket server; 0 picks a free port. */
      readonly port: number;
      /** Address to bind; brackets around an IPv6 address are removed. */
      readonly host: string;
      /** URL path that accepts WebSocket upgrades; starts with "/". */
      readonly path: string;
      /** Connect allow rules (this or allowListen is not empty). */
      readonly allow: readonly Rule[];
      readonly deny: readonly Rule[];
      /** Listen allow and deny rules. */
      readonly allowListen: readonly Rule[];
      readonly denyListen: readonly Rule[];
      /** Token secret (from the flag or SOCKWAY_TOKEN_SECRET); absent: no token required. */
      readonly tokenSecret?: string;
      readonly tokenAudience?: string;
      /** Origin allowlist; absent: any origin. */
      readonly allowOrigins?: readonly string[];
      readonly trustProxy?: number;
      /** Absent when not given, so the gateway's default applies. */
      readonly maxStreams?: number;
      /** Per-stream window in bytes; absent when not given. */
      readonly window?: number;
      readonly maxSessions?: number;
      readonly maxSessionsPerClient?: number;
      readonly ipv6ClientPrefix?: number;
      readonly maxPendingOpens?: number;
      readonly maxTcpSockets?: number;
      readonly maxTcpSocketsPerClient?: number;
      readonly maxConnections?: number;
      readonly maxPendingConnectionsPerAddress?: number;
      /** Opens per second (the burst is twice that). */
      readonly openRate?: number;
      /** Milliseconds. */
      readonly connectTimeout?: number;
      readonly maxDnsLookups?: number;
      /** Milliseconds. */
      readonly queryTimeout?: number;
      /** DNS servers for the pages' dns.resolve*(); absent: the system's. */
      readonly dnsServers?: readonly string[];
      readonly streamIdleTimeout?: number;
      readonly sessionIdleTimeout?: number;
      readonly maxSessionBufferedBytes?: number;
      readonly memoryBudget?: number;
      readonly resumeGracePeriod?: number;
      readonly maxReplayBytes?: number;
      readonly drainTimeout?: number;
      readonly quiet: boolean;
    };

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PATH = '/';
const MAX_INT32 = 2 ** 31 - 1;
const MIN_SECRET_BYTES = 32;

type FlagKind = 'value' | 'list' | 'switch';

const FLAGS = {
  '--port': 'value',
  '--host': 'value',
  '--path': 'value',
  '--allow': 'list',
  '--deny': 'list',
  '--allow-listen': 'list',
  '--deny-listen': 'list',
  '--token-secret': 'value',
  '--token-audience': 'value',
  '--allow-origin': 'list',
  '--trust-proxy': 'value',
  '--max-streams': 'value',
  '--window': 'value',
  '--max-sessions': 'value',
  '--max-sessions-per-client': 'value',
  '--ipv6-client-prefix': 'value',
  '--max-pending-opens': 'value',
  '--max-tcp-sockets': 'value',
  '--max-tcp-sockets-per-client': 'value',
  '--max-connections': 'value',
  '--max-pending-per-address': 'value',
  '--open-rate': 'value',
  '--connect-timeout': 'value',
  '--dns-server': 'list',
  '--stream-idle-timeout': 'value',
  '--session-idle-timeout': 'value',
  '--max-session-buffer': 'value',
  '--memory-budget': 'value',
  '--max-dns-lookups': 'value',
  '--query-timeout': 'value',
  '--resume-grace': 'value',
  '--max-replay': 'value',
  '--drain-timeout': 'value',
  '--quiet': 'switch',
  '--help': 'switch',
} as const satisfies Record<string, FlagKind>;

type Flag = keyof typeof FLAGS;
type ListFlag = '--allow' | '--deny' | '--allow-listen' | '--deny-listen' | '--allow-origin' | '--dns-server';

/**
 * Parses `sockway-gateway` arguments (process.argv.slice(2)) with environment fallbacks;
 * throws an Error (code SOCKWAY_ERR_CLI_USAGE) whose message is printable usage feedback.
 */
export function parseGatewayArgs(argv: readonly string[], env: GatewayEnv = process.env): GatewayCliOptions {
  // Help wins over everything else, so a confused user always gets it.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };

  const values = new Map<Flag, string>();
  const lists: Record<ListFlag, string[]> = { '--allow': [], '--deny': [], '--allow-listen': [], '--deny-listen': [], '--allow-origin': [], '--dns-server': [] };
  let quiet = false;

  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index] ?? '';
    if (!token.startsWith('--') || token === '--') {
      throw usageError(`unexpected argument ${JSON.stringify(token)}; options start with "--" (see --help)`);
    }
    const equals = token.indexOf('=');
    const name = equals === -1 ? token : token.slice(0, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    if (!isFlag(name)) throw usageError(`unknown option ${name}${suggest(name)}`);

    const kind: FlagKind = FLAGS[name];
    if (kind === 'switch') {
      if (inline !== undefined) throw usageError(`${name} does not take a value`);
      quiet = true; // --help was handled above, so the only switch left is --quiet
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[index + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        index += 1;
      }
    }
    if (value === undefined || value === '') throw usageError(`${name} needs a value, e.g. ${name} ${example(name)}`);
    if (kind === 'list') {
      lists[name as ListFlag].push(value);
    } else {
      if (values.has(name)) throw usageError(`${name} was given more than once`);
      values.set(name, value);
    }
  }

  const allow = rules('--allow', lists['--allow'], 'SOCKWAY_ALLOW', env);
  const allowListen = rules('--allow-listen', lists['--allow-listen'], 'SOCKWAY_ALLOW_LISTEN', env);
  if (allow.length === 0 && allowListen.length === 0) {
    throw usageError(
      'no destinations allowed: pass --allow HOST:PORT (repeatable) or set SOCKWAY_ALLOW; the gateway denies every destination by default',
    );
  }
  const optional = <T>(flag: Flag, parse: (text: string, label: string) => T, envName?: string): T | undefined => {
    const text = values.get(flag);
    if (text !== undefined) return parse(text, flag);
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === undefined || fromEnv.trim() === '' ? undefined : parse(fromEnv.trim(), envName as string);
  };
  const origins = list('--allow-origin', lists['--allow-origin'], 'SOCKWAY_ALLOW_ORIGIN', env).map((text) => parseOrigin(text));
  // Checked by node:dns Resolver.setServers() when the gateway starts.
  const dnsServers = list('--dns-server', lists['--dns-server'], 'SOCKWAY_DNS_SERVERS', env);
  const settings = {
    tokenSecret: optional('--token-secret', parseSecret, 'SOCKWAY_TOKEN_SECRET'),
    tokenAudience: optional('--token-audience', parseAudience, 'SOCKWAY_TOKEN_AUDIENCE'),
    trustProxy: optional('--trust-proxy', (text, label) => parseCount(text, label, 0, 16)),
    maxStreams: optional('--max-streams', parseMaxStreams),
    window: optional('--window', parseWindow),
    maxSessions: optional('--max-sessions', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    maxSessionsPerClient: optional('--max-sessions-per-client', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    ipv6ClientPrefix: optional('--ipv6-client-prefix', (text, label) => parseCount(text, label, 32, 128)),
    maxPendingOpens: optional('--max-pending-opens', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    maxTcpSockets: optional('--max-tcp-sockets', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    maxTcpSocketsPerClient: optional('--max-tcp-sockets-per-client', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    maxConnections: optional('--max-connections', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    maxPendingConnectionsPerAddress: optional('--max-pending-per-address', (text, label) => parseCount(text, label, 0, MAX_INT32)),
    openRate: optional('--open-rate', (text, label) => parseCount(text, label, 1, 1_000_000)),
    connectTimeout: optional('--connect-timeout', (text, label) => parseDuration(text, label, 1)),
    maxDnsLookups: optional('--max-dns-lookups', (text, label) => parseCount(text, label, 1, MAX_INT32)),
    queryTimeout: optional('--query-timeout', (text, label) => parseDuration(text, label, 1)),
    streamIdleTimeout: optional('--stream-idle-timeout', (text, label) => parseDuration(text, label, 0)),
    sessionIdleTimeout: optional('--session-idle-timeout', (text, label) => parseDuration(text, label, 0)),
    resumeGracePeriod: optional('--resume-grace', (text, label) => parseDuration(text, label, 0)),
    drainTimeout: optional('--drain-timeout', (text, label) => parseDuration(text, label, 0)),
    maxSessionBufferedBytes: optional('--max-session-buffer', (text, label) => parseBytes(text, label, 64 * 1024)),
    memoryBudget: optional('--memory-budget', (text, label) => parseBytes(text, label, 1024 * 1024)),
    maxReplayBytes: optional('--max-replay', (text, label) => parseBytes(text, label, MIN_REPLAY_BYTES)),
  };
  return {
    help: false,
    port: parsePort(...pick('--port', values, 'SOCKWAY_PORT', env, String(DEFAULT_PORT))),
    host: parseHost(...pick('--host', values, 'SOCKWAY_HOST', env, DEFAULT_HOST)),
    path: parsePath(values.get('--path') ?? DEFAULT_PATH),
    allow,
    deny: rules('--deny', lists['--deny'], 'SOCKWAY_DENY', env),
    allowListen,
    denyListen: rules('--deny-listen', lists['--deny-listen'], 'SOCKWAY_DENY_LISTEN', env),
    ...(origins.length === 0 ? {} : { allowOrigins: origins }),
    ...(dnsServers.length === 0 ? {} : { dnsServers }),
    ...definedOnly(settings),
    quiet,
  };
}

/** The entries whose value is not undefined (exactOptionalPropertyTypes: absent, not undefined). */
function definedOnly<T extends Record<string, unknown>>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function isFlag(name: string): name is Flag {
  return Object.hasOwn(FLAGS, name);
}

/** Flag value, else non-empty env value, else default; with the label errors should name. */
function pick(flag: Flag, values: Map<Flag, string>, envName: string, env: GatewayEnv, fallback: string): [string, string] {
  const value = values.get(flag);
  if (value !== undefined) return [value, flag];
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return [fromEnv.trim(), envName];
  return [fallback, flag];
}

/** A list flag's values, or else its comma-separated environment variable; with the label errors should name. */
function listWithLabel(flag: ListFlag, fromFlags: readonly string[], envName: string, env: GatewayEnv): [readonly string[], string] {
  // Flags replace the environment rather than add to it, like every other option.
  const fromEnv = env[envName];
  return fromFlags.length > 0 || fromEnv === undefined
    ? [fromFlags, flag]
    : [fromEnv.split(',').map((text) => text.trim()).filter((text) => text !== ''), envName];
}

function list(flag: ListFlag, fromFlags: readonly string[], envName: string, env: GatewayEnv): readonly string[] {
  return listWithLabel(flag, fromFlags, envName, env)[0];
}

function rules(flag: ListFlag, fromFlags: readonly string[], envName: string, env: GatewayEnv): Rule[] {
  const [texts, label] = listWithLabel(flag, fromFlags, envName, env);
  return texts.map((text) => {
    try {
      return parseRule(text);
    } catch (error) {
      throw usageError(`${label}: ${(error as Error).message}`);
    }
  });
}

function parseSecret(text: string, label: string): string {
  if (Buffer.byteLength(text) < MIN_SECRET_BYTES) {
    throw usageError(`${label}: the token secret must be at least ${MIN_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return text;
}

function parseAudience(text: string, label: string): string {
  if (text.length > 256 || /[\s]/.test(text)) throw usageError(`${label}: ${JSON.stringify(text.slice(0, 40))} is not a token audience (no spaces, at most 256 characters)`);
  return text;
}

function parseOrigin(text: string): string {
  if (text === '*' || text === 'null') return text;
  if (!/^[a-z][a-z0-9+.-]*:\/\/(\*\.)?[^\s/?#]+\/?$/i.test(text)) {
    throw usageError(`--allow-origin: ${JSON.stringify(text)} is not an origin; expected scheme://host[:port], e.g. https://app.example.com`);
  }
  return text.replace(/\/$/, '');
}

function parseCount(text: string, label: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };

function parseDuration(text: string, label: string, min: number): number {
  const match = /^([0-9]+)(ms|s|min|m|h)?$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * (TIME_UNITS[match[2] ?? ''] ?? Number.NaN);
  if (!(ms >= min && ms <= MAX_INT32)) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a time from ${min} ms to ${MAX_INT32} ms (milliseconds, or with ms, s, min or h)`);
  }
  return ms;
}

function parseBytes(text: string, label: string, min: number): number {
  const match = /^([0-9]+)(kib|mib|gib)?$/i.exec(text);
  const unit = match?.[2]?.toLowerCase();
  const bytes = match === null ? Number.NaN : Number(match[1]) * (unit === 'kib' ? 1024 : unit === 'mib' ? 1024 ** 2 : unit === 'gib' ? 1024 ** 3 : 1);
  if (!(bytes >= min && bytes <= MAX_INT32)) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a byte count from ${min} to ${MAX_INT32} (a KiB, MiB or GiB suffix is allowed)`);
  }
  return bytes;
}

function parsePort(text: string, label: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65_535) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a port number (0-65535)`);
  }
  return Number(text);
}

function parseHost(text: string, label: string): string {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (host === '' || /[\s/[\]]/.test(host)) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a host name or IP address to bind`);
  }
  return host;
}

function parsePath(text: string): string {
  if (!text.startsWith('/') || /[\s?#]/.test(text)) {
    throw usageError(`--path: ${JSON.stringify(text)} must start with "/" and contain no spaces, "?" or "#"`);
  }
  return text;
}

function parseMaxStreams(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_INT32) {
    throw usageError(`--max-streams: ${JSON.stringify(text)} is not a whole number from 1 to ${MAX_INT32}`);
  }
  return Number(text);
}

function parseWindow(text: string): number {
  const match = /^([0-9]+)(kib|mib)?$/i.exec(text);
  const unit = match?.[2]?.toLowerCase();
  const bytes = match === null ? Number.NaN : Number(match[1]) * (unit === 'kib' ? 1024 : unit === 'mib' ? 1024 * 1024 : 1);
  if (!(bytes >= 1 && bytes <= MAX_INT32)) {
    throw usageError(`--window: ${JSON.stringify(text)} is not a byte count from 1 to ${MAX_INT32} (a KiB or MiB suffix is allowed)`);
  }
  return bytes;
}

function example(flag: Flag): string {
  switch (flag) {
    case '--port':
      return '8080';
    case '--host':
      return '127.0.0.1';
    case '--path':
      return '/sockway';
    case '--allow':
    case '--deny':
      return 'example.com:443';
    case '--allow-listen':
    case '--deny-listen':
      return '0.0.0.0:8000-8099';
    case '--allow-origin':
      return 'https://app.example.com';
    case '--dns-server':
      return '127.0.0.1:53';
    case '--token-secret':
      return '"$(openssl rand -base64 32)"';
    case '--token-audience':
      return 'gateway-eu-1';
    case '--connect-timeout':
    case '--query-timeout':
    case '--stream-idle-timeout':
    case '--session-idle-timeout':
    case '--resume-grace':
    case '--drain-timeout':
      return '30s';
    case '--max-session-buffer':
      return '32MiB';
    case '--max-replay':
      return '64MiB';
    case '--memory-budget':
      return '512MiB';
    case '--trust-proxy':
      return '1';
    case '--max-streams':
      return '256';
    case '--ipv6-client-prefix':
      return '56';
    case '--window':
      return '256KiB';
    default:
      return 'VALUE';
  }
}

// "did you mean" for typos within two edits, e.g. --alow → --allow.
function suggest(name: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const flag of Object.keys(FLAGS)) {
    const distance = editDistance(name, flag);
    if (distance < bestDistance) {
      best = flag;
      bestDistance = distance;
    }
  }
  return best === undefined ? ' (see --help)' : `; did you mean ${best}?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function usageError(message: string): Error {
  return codedError(SockwayErrorCode.CliUsage, message, usageError);
}
