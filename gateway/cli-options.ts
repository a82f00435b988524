// Command-line and environment parsing for `sockway-gateway`. Pure: no I/O, no exit;
// main.ts prints USAGE or the error message and picks the exit code.

import { parseRule, type Rule } from './policy.ts';

/** Help text for `sockway-gateway --help`, reproduced in the README. */
export const USAGE = `Usage: sockway-gateway --allow HOST:PORT [--allow HOST:PORT ...] [options]

Accepts WebSocket connections from pages using sockway's \`net\` and opens the
TCP connections they ask for. Every destination is denied unless an --allow
rule matches it and no --deny rule does.

Options:
  --port N            Port to listen on (default 8080; 0 picks a free port)
  --host H            Address to bind (default 127.0.0.1; 0.0.0.0 or :: for all)
  --path /P           URL path that accepts WebSocket upgrades (default /)
  --allow HOST:PORT   Allow destinations matching the rule; repeatable, required
  --deny HOST:PORT    Deny destinations matching the rule, even if allowed;
                      repeatable
  --max-streams N     Maximum concurrent streams per WebSocket connection
  --window BYTES      Per-stream flow-control window, e.g. 262144 or 256KiB
  --quiet             Log only errors
  -h, --help          Print this help and exit

Values can also be written --flag=value.

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
  Always denied: 0.0.0.0/8 and [::] (they reach the gateway host), IPv6 zone
  indexes, and IPv4 forms other than dotted decimal (127.1, 0x7f.0.0.1,
  2130706433), which resolvers read in surprising ways.

Environment (used when the option is not given):
  SOCKWAY_PORT    --port
  SOCKWAY_HOST    --host
  SOCKWAY_ALLOW   comma-separated --allow rules
  SOCKWAY_DENY    comma-separated --deny rules

Examples (quote rules: * and [ ] are special to the shell):
  # one database on the gateway's own host
  sockway-gateway --allow 'localhost:5432'
  # Postgres anywhere in 10.20.0.0/16 and one Redis by name, for remote pages
  sockway-gateway --host 0.0.0.0 --allow '10.20.0.0/16:5432' \\
    --allow 'cache.internal:6379'
  # public HTTPS only
  sockway-gateway --allow '*:443' \\
    --deny '127.0.0.0/8:*' --deny '10.0.0.0/8:*' --deny '172.16.0.0/12:*' \\
    --deny '192.168.0.0/16:*' --deny '169.254.0.0/16:*' --deny '[::1]:*' \\
    --deny '[fc00::/7]:*' --deny '[fe80::/10]:*'
`;

/** Error code of the errors parseGatewayArgs() throws; their message is one line of usage feedback. */
export const CLI_USAGE_CODE = 'SOCKWAY_ERR_CLI_USAGE';

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
      /** Allow rules; never empty. */
      readonly allow: readonly Rule[];
      readonly deny: readonly Rule[];
      /** Absent when not given, so the gateway's default applies. */
      readonly maxStreams?: number;
      /** Per-stream window in bytes; absent when not given. */
      readonly window?: number;
      readonly quiet: boolean;
    };

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PATH = '/';
const MAX_INT32 = 2 ** 31 - 1;

type FlagKind = 'value' | 'list' | 'switch';

const FLAGS = {
  '--port': 'value',
  '--host': 'value',
  '--path': 'value',
  '--allow': 'list',
  '--deny': 'list',
  '--max-streams': 'value',
  '--window': 'value',
  '--quiet': 'switch',
  '--help': 'switch',
} as const satisfies Record<string, FlagKind>;

type Flag = keyof typeof FLAGS;

/**
 * Parses `sockway-gateway` arguments (process.argv.slice(2)) with environment fallbacks;
 * throws an Error (code SOCKWAY_ERR_CLI_USAGE) whose message is printable usage feedback.
 */
export function parseGatewayArgs(argv: readonly string[], env: GatewayEnv = process.env): GatewayCliOptions {
  // Help wins over everything else, so a confused user always gets it.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };

  const values = new Map<Flag, string>();
  const lists = { '--allow': [] as string[], '--deny': [] as string[] };
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
    if (name === '--allow' || name === '--deny') {
      lists[name].push(value);
    } else {
      if (values.has(name)) throw usageError(`${name} was given more than once`);
      values.set(name, value);
    }
  }

  const allow = rules('--allow', lists['--allow'], 'SOCKWAY_ALLOW', env);
  if (allow.length === 0) {
    throw usageError(
      'no destinations allowed: pass --allow HOST:PORT (repeatable) or set SOCKWAY_ALLOW; the gateway denies every destination by default',
    );
  }
  const maxStreams = values.get('--max-streams');
  const window = values.get('--window');
  return {
    help: false,
    port: parsePort(...pick('--port', values, 'SOCKWAY_PORT', env, String(DEFAULT_PORT))),
    host: parseHost(...pick('--host', values, 'SOCKWAY_HOST', env, DEFAULT_HOST)),
    path: parsePath(values.get('--path') ?? DEFAULT_PATH),
    allow,
    deny: rules('--deny', lists['--deny'], 'SOCKWAY_DENY', env),
    ...(maxStreams === undefined ? {} : { maxStreams: parseMaxStreams(maxStreams) }),
    ...(window === undefined ? {} : { window: parseWindow(window) }),
    quiet,
  };
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

function rules(flag: '--allow' | '--deny', fromFlags: readonly string[], envName: string, env: GatewayEnv): Rule[] {
  // Flags replace the environment rather than add to it, like every other option.
  const fromEnv = env[envName];
  const [texts, label] =
    fromFlags.length > 0 || fromEnv === undefined
      ? [fromFlags, flag]
      : [fromEnv.split(',').map((text) => text.trim()).filter((text) => text !== ''), envName];
  return texts.map((text) => {
    try {
      return parseRule(text);
    } catch (error) {
      throw usageError(`${label}: ${(error as Error).message}`);
    }
  });
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
    case '--max-streams':
      return '256';
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
  const error = new Error(message) as Error & { code: string };
  error.code = CLI_USAGE_CODE;
  Error.captureStackTrace?.(error, usageError);
  return error;
}
