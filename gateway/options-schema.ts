/**
 * Every gateway option, once: its kind and bounds (option-types.ts), its default, its
 * createGateway() name, its CLI flag and environment variable, and its help text. The
 * CLI parser and --help (cli-options.ts), the library's validation and defaults
 * (resolveGatewayOptions) and the tables of docs/gateway.md and SECURITY.md (options-doc.ts)
 * come from here. Adding a flag is adding an entry.
 *
 * Precedence on the CLI: the flag, else its environment variable, else the default.
 */
import { DEFAULT_LIMITS, DEFAULT_MAX_STREAM_WINDOW, type Limits, MAX_PAYLOAD_LIMIT, MIN_PAYLOAD_LIMIT, MIN_STREAM_WINDOW } from '../shared/protocol.ts';
import { DEFAULT_IPV6_CLIENT_PREFIX } from './address.ts';
import { fdCaps, softFdLimit } from './fd-budget.ts';
import type { GatewayOptions } from './gateway.ts';
import { LOG_LEVELS } from './gateway-log.ts';
import type { GatewayLimitOptions, GatewayLimits } from './limits.ts';
import { MemoryBudget } from './memory-budget.ts';
import { type Instance, createInstance } from './instance.ts';
import { MAX_INT32, type OptionKind, checkInstanceId, checkNumber, checkPath } from './option-types.ts';

/** One option. */
export type OptionSpec = OptionKind & {
  /** Its name in createGateway()'s options ('limits.maxStreams' inside `limits`); absent: the CLI's alone. */
  readonly option?: string;
  /** Its command-line flag; absent: createGateway() only. */
  readonly flag?: `--${string}`;
  /** What the flag's value is called in --help. */
  readonly metavar?: string;
  /** Its environment variable, when not SOCKWAY_ and the flag in upper snake case. */
  readonly env?: string;
  /** --help's description, before the default. */
  readonly help?: string;
  /** The default, for createGateway() and the CLI alike; absent: none or derived (defaultText). */
  readonly default?: number | string;
  /** The CLI's own default, where it differs (drainTimeout). */
  readonly cliDefault?: number;
  /** The CLI's result carries the default (main.ts needs it); options without a createGateway() name always do. */
  readonly cliFills?: true;
  /** --help's words for a derived default: "(default: TEXT)". */
  readonly defaultText?: string;
  /** --help's remark after the default: "(default 8080; NOTE)". */
  readonly note?: string;
  /** A value for "--flag needs a value, e.g. --flag EXAMPLE". */
  readonly example?: string;
  /** Not a key of the configuration file (--config, --version). */
  readonly inFile?: false;
};

/** The process's soft descriptor limit (RLIMIT_NOFILE), read once: the fd-budget defaults derive from it. */
export const FD_LIMIT = softFdLimit();
const FD_CAPS = fdCaps(FD_LIMIT);

/**
 * The smallest replay-buffer cap (maxReplayBytes) a gateway accepts: DATA pauses at half
 * of it, and that half must hold a couple of full-size frames for data to flow at all.
 */
export const MIN_REPLAY_BYTES = 256 * 1024;

const KIB = 1024;
const MIB = 1024 * 1024;

/** The options, in --help's order. Keys are the CLI's names for them (GatewayCliOptions). */
export const GATEWAY_OPTIONS = {
  port: { kind: 'port', min: 0, max: 65_535, flag: '--port', metavar: 'N', default: 8080, help: 'Port to listen on', note: '0 picks a free port', example: '8080' },
  host: { kind: 'host', flag: '--host', metavar: 'H', default: '127.0.0.1', help: 'Address to bind', note: '0.0.0.0 or :: for all', example: '127.0.0.1' },
  path: { kind: 'path', option: 'path', flag: '--path', metavar: '/P', default: '/', cliFills: true, help: 'URL path that accepts WebSocket upgrades', example: '/sockway' },
  allow: { kind: 'rules', option: 'allow', flag: '--allow', metavar: 'HOST:PORT', help: 'Allow destinations matching the rule; repeatable; this or --allow-listen is required', example: 'example.com:443' },
  deny: { kind: 'rules', option: 'deny', flag: '--deny', metavar: 'HOST:PORT', help: 'Deny destinations matching the rule, even if allowed; repeatable', example: 'example.com:443' },
  allowListen: { kind: 'rules', option: 'allowListen', flag: '--allow-listen', metavar: 'HOST:PORT', help: 'Allow pages to listen (net.Server) on this bind address and port; repeatable', defaultText: 'nowhere', example: '0.0.0.0:8000-8099' },
  denyListen: { kind: 'rules', option: 'denyListen', flag: '--deny-listen', metavar: 'HOST:PORT', help: 'Deny listening there, even if allowed; repeatable', example: '0.0.0.0:8000-8099' },
  tokenSecret: { kind: 'secret', option: 'tokenSecret', flag: '--token-secret', metavar: 'S', help: 'Require a capability token signed with S (>= 32 bytes); prefer the SOCKWAY_TOKEN_SECRET variable (argv is public)', example: '"$(openssl rand -base64 32)"' },
  tokenAudience: { kind: 'audience', option: 'tokenAudience', flag: '--token-audience', metavar: 'A', default: 'sockway', help: 'Audience tokens must name', example: 'gateway-eu-1' },
  allowOrigins: { kind: 'origins', option: 'allowOrigins', flag: '--allow-origin', metavar: 'O', help: 'Accept upgrades only from this page origin, e.g. https://app.example.com or https://*.example.com; repeatable', defaultText: 'any origin', example: 'https://app.example.com' },
  trustProxy: { kind: 'count', min: 0, max: 16, unit: 'proxies', option: 'trustProxy', flag: '--trust-proxy', metavar: 'N', default: 0, help: 'N reverse proxies append to X-Forwarded-For; take the client address from it', note: 'the socket\'s peer', example: '1' },
  maxStreams: { kind: 'count', min: 1, max: MAX_INT32, option: 'limits.maxStreams', flag: '--max-streams', metavar: 'N', default: 256, help: 'Maximum concurrent streams per session', example: '256' },
  window: { kind: 'bytes', min: MIN_STREAM_WINDOW, max: MAX_INT32, option: 'limits.streamWindow', flag: '--window', metavar: 'BYTES', default: DEFAULT_LIMITS.streamWindow, help: 'Per-stream flow-control window, e.g. 262144 or 256KiB', example: '256KiB' },
  maxPayload: { kind: 'bytes', min: MIN_PAYLOAD_LIMIT, max: MAX_PAYLOAD_LIMIT, option: 'limits.maxPayload', default: DEFAULT_LIMITS.maxPayload },
  idleTimeout: { kind: 'duration', min: 0, max: 0xffff_ffff, option: 'limits.idleTimeout', defaultText: 'sessionIdleTimeout' },
  maxStreamWindow: { kind: 'bytes', min: 1, max: MAX_INT32, option: 'maxStreamWindow', default: DEFAULT_MAX_STREAM_WINDOW },
  maxSessions: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxSessions', flag: '--max-sessions', metavar: 'N', default: 1024, help: 'Maximum sessions at once' },
  maxSessionsPerClient: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxSessionsPerClient', flag: '--max-sessions-per-client', metavar: 'N', default: 32, help: 'Maximum sessions per IPv4 address or IPv6 /56' },
  ipv6ClientPrefix: { kind: 'count', min: 32, max: 128, option: 'ipv6ClientPrefix', flag: '--ipv6-client-prefix', metavar: 'N', default: DEFAULT_IPV6_CLIENT_PREFIX, help: 'IPv6 prefix length counted as one client, 32 to 128', example: '56' },
  maxPendingOpens: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxPendingOpens', flag: '--max-pending-opens', metavar: 'N', default: 64, help: 'Maximum streams of a session still connecting' },
  maxTcpSockets: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxTcpSockets', flag: '--max-tcp-sockets', metavar: 'N', default: FD_CAPS.maxTcpSockets, defaultText: '0.7 x the open-file limit', help: 'Maximum TCP sockets for streams and listeners, all clients' },
  maxTcpSocketsPerClient: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxTcpSocketsPerClient', flag: '--max-tcp-sockets-per-client', metavar: 'N', default: FD_CAPS.maxTcpSocketsPerClient, defaultText: '1/16 of --max-tcp-sockets, at least 64', help: 'Maximum TCP sockets per IPv4 address or IPv6 /56' },
  maxConnections: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxConnections', flag: '--max-connections', metavar: 'N', default: FD_CAPS.maxConnections, defaultText: '1/5 of the open-file limit', help: 'Maximum HTTP connections, WebSockets included' },
  maxPendingConnectionsPerAddress: { kind: 'count', min: 0, max: MAX_INT32, option: 'maxPendingConnectionsPerAddress', flag: '--max-pending-per-address', metavar: 'N', default: 32, help: 'Maximum connections per address still sending their upgrade request', note: '0 = no cap, the default with --trust-proxy' },
  openRate: { kind: 'count', min: 1, max: MAX_INT32, option: 'openRate', flag: '--open-rate', metavar: 'N', default: 100, help: 'Connection attempts per second per session', note: 'bursts of twice that' },
  openBurst: { kind: 'count', min: 1, max: MAX_INT32, option: 'openBurst', default: 256 },
  maxListeners: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxListeners', default: 8 },
  pingRate: { kind: 'count', min: 1, max: MAX_INT32, option: 'pingRate', default: 10 },
  handshakeTimeout: { kind: 'duration', min: 1, max: MAX_INT32, option: 'handshakeTimeout', default: 10_000 },
  connectTimeout: { kind: 'duration', min: 1, max: MAX_INT32, option: 'connectTimeout', flag: '--connect-timeout', metavar: 'T', default: 30_000, help: 'Time to connect, DNS included', example: '30s' },
  maxDnsLookups: { kind: 'count', min: 1, max: MAX_INT32, option: 'maxDnsLookups', flag: '--max-dns-lookups', metavar: 'N', default: 512, help: 'Maximum name resolutions in flight, all sessions' },
  queryTimeout: { kind: 'duration', min: 1, max: MAX_INT32, option: 'queryTimeout', flag: '--query-timeout', metavar: 'T', default: 10_000, help: 'Time a page\'s DNS query may take', example: '30s' },
  dnsServers: { kind: 'servers', option: 'dnsServers', flag: '--dns-server', env: 'SOCKWAY_DNS_SERVERS', metavar: 'S', help: 'DNS server for OPEN\'s names and the pages\' dns queries, e.g. 127.0.0.1:5353 or [::1]:53; repeatable', defaultText: 'the system\'s', example: '127.0.0.1:53' },
  streamIdleTimeout: { kind: 'duration', min: 0, max: MAX_INT32, option: 'streamIdleTimeout', flag: '--stream-idle-timeout', metavar: 'T', default: 1_800_000, help: 'Reset a stream after T without traffic', note: '0 = never', example: '30s' },
  sessionIdleTimeout: { kind: 'duration', min: 0, max: MAX_INT32, option: 'sessionIdleTimeout', flag: '--session-idle-timeout', metavar: 'T', default: 300_000, help: 'Close a session after T without streams', note: '0 = never', example: '30s' },
  maxSessionBufferedBytes: { kind: 'bytes', min: 64 * KIB, max: MAX_INT32, option: 'maxSessionBufferedBytes', flag: '--max-session-buffer', metavar: 'BYTES', default: 32 * MIB, help: 'Bytes one session may make the gateway hold', example: '32MiB' },
  memoryBudget: { kind: 'bytes', min: MIB, max: MAX_INT32, option: 'memoryBudget', flag: '--memory-budget', metavar: 'BYTES', default: MemoryBudget.defaultLimit(), defaultText: 'a quarter of RAM, 64MiB to 256MiB', help: 'Bytes all sessions together may hold towards pages (queues, replay buffers); past it, sessions stop reading their TCP sockets until pages acknowledge', example: '512MiB' },
  keepaliveInterval: { kind: 'duration', min: 0, max: MAX_INT32, option: 'keepaliveInterval', default: 30_000 },
  closeTimeout: { kind: 'duration', min: 0, max: MAX_INT32, option: 'closeTimeout', default: 2_000 },
  resumeGracePeriod: { kind: 'duration', min: 0, max: MAX_INT32, option: 'resumeGracePeriod', flag: '--resume-grace', metavar: 'T', default: 60_000, help: 'Keep a session whose WebSocket dropped (its TCP sockets and listeners) this long for the client to resume it', note: '0 = no resumption', example: '30s' },
  maxReplayBytes: { kind: 'bytes', min: MIN_REPLAY_BYTES, max: MAX_INT32, option: 'maxReplayBytes', flag: '--max-replay', metavar: 'BYTES', default: 64 * MIB, help: 'Cap on a session\'s replay buffer, the frames kept until the client acknowledges them; DATA pauses at half of it', note: 'at least 256KiB', example: '64MiB' },
  drainTimeout: { kind: 'duration', min: 0, max: MAX_INT32, option: 'drainTimeout', flag: '--drain-timeout', metavar: 'T', default: 0, cliDefault: 30_000, help: 'On SIGTERM/SIGINT, let open streams finish for up to T after GOAWAY before resetting them', example: '30s' },
  quiet: { kind: 'switch', flag: '--quiet', help: 'Log only errors (as --log-level error)' },
  // ---- operations: health, readiness and metrics (admin-endpoint.ts, metrics.ts), log level (main.ts) ----
  logLevel: { kind: 'choice', choices: LOG_LEVELS, flag: '--log-level', metavar: 'L', default: 'info', help: 'Log lines of this level and above: debug, info, warn or error', example: 'warn' },
  adminPort: { kind: 'port', min: 0, max: 65_535, flag: '--admin-port', metavar: 'N', help: 'Serve /healthz, /readyz and /metrics on this port instead of --port', defaultText: 'none', example: '9090' },
  adminHost: { kind: 'host', flag: '--admin-host', metavar: 'H', default: '127.0.0.1', help: 'Address the admin server binds', example: '127.0.0.1' },
  metrics: { kind: 'switch', flag: '--metrics', help: 'Without --admin-port, serve /metrics on --port too (metrics reveal load)' },
  // ---- the configuration file and the version (config-file.ts, main.ts) ----
  config: { kind: 'file', flag: '--config', metavar: 'FILE', inFile: false, help: 'Read options from FILE, YAML (.yaml, .yml) or JSON (.json), under their createGateway() names; flags and environment variables win over it; SIGHUP reads it again', example: 'gateway.yaml' },
  version: { kind: 'switch', flag: '--version', inFile: false, help: 'Print the version and exit' },
  // Several gateways behind a load balancer (issue 15, docs/deployment.md).
  instanceId: { kind: 'instance', option: 'instanceId', flag: '--instance-id', metavar: 'ID', defaultText: 'random at start', help: 'This gateway\'s name among several behind a load balancer; its session ids carry a tag of it, so a resume sent to the wrong instance is refused as such', example: 'gw-1' },
} as const satisfies Record<string, OptionSpec>;

/** An option's key in GATEWAY_OPTIONS. */
export type OptionKey = keyof typeof GATEWAY_OPTIONS;

const SPECS: Readonly<Record<OptionKey, OptionSpec>> = GATEWAY_OPTIONS;

/** An option's spec (typed as the general OptionSpec). */
export function optionSpec(key: OptionKey): OptionSpec {
  return SPECS[key];
}

/** Every option, in order. */
export function optionEntries(): readonly (readonly [OptionKey, OptionSpec])[] {
  return Object.entries(SPECS) as [OptionKey, OptionSpec][];
}

/** The environment variable that stands in for an option's flag: SOCKWAY_MAX_SESSIONS for --max-sessions. Switches have none. */
export function envName(spec: OptionSpec): string | undefined {
  if (spec.flag === undefined || spec.kind === 'switch') return undefined;
  return spec.env ?? `SOCKWAY_${spec.flag.slice(2).toUpperCase().replaceAll('-', '_')}`;
}

/**
 * The options gateway.reload() (and SIGHUP) changes on a running gateway: policy, origins,
 * tokens, and the limits read when a session or stream starts. Any other option that
 * differs is refused (logged `config-reload-refused`): it needs a restart.
 */
export const RELOADABLE_OPTIONS = [
  'allow', 'deny', 'allowListen', 'denyListen', 'allowOrigins', 'tokenSecret', 'tokenAudience',
  'maxSessions', 'maxSessionsPerClient', 'maxListeners', 'openRate', 'openBurst', 'maxPendingOpens', 'pingRate',
  'sessionIdleTimeout', 'streamIdleTimeout', 'queryTimeout', 'maxSessionBufferedBytes', 'drainTimeout',
] as const satisfies readonly OptionKey[];

// ---- the library's side ----

/** The GatewayLimits keys: the limit options, each filled in by resolveGatewayLimits(). */
const LIMIT_KEYS = [
  'maxSessions', 'maxSessionsPerClient', 'ipv6ClientPrefix', 'maxPendingOpens', 'maxDnsLookups', 'queryTimeout', 'maxListeners', 'openRate', 'openBurst', 'pingRate',
  'handshakeTimeout', 'sessionIdleTimeout', 'streamIdleTimeout', 'maxSessionBufferedBytes', 'memoryBudget', 'maxConnections', 'maxPendingConnectionsPerAddress', 'maxTcpSockets', 'maxTcpSocketsPerClient',
] as const satisfies readonly (keyof GatewayLimits & OptionKey)[];
// Every limit has a key above (a compile error names the one missing).
const LIMITS_COMPLETE: Exclude<keyof GatewayLimits, (typeof LIMIT_KEYS)[number]> extends never ? true : never = true;
void LIMITS_COMPLETE;

/** An option's library default (a number: only numeric options have one that is not derived). */
function numberDefault(key: OptionKey): number {
  const value = SPECS[key].default;
  if (typeof value !== 'number') throw new Error(`options-schema: ${key} has no numeric default`);
  return value;
}

/** Every limit's default. */
export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = Object.freeze(Object.fromEntries(LIMIT_KEYS.map((key) => [key, numberDefault(key)])) as unknown as GatewayLimits);

/** Streams a gateway session accepts at once unless `limits.maxStreams` says otherwise (announced in WELCOME). */
export const DEFAULT_GATEWAY_MAX_STREAMS: number = numberDefault('maxStreams');

/** A numeric option: checked when given, else its default. */
function numberOption(key: OptionKey, value: unknown, name: string = SPECS[key].option ?? key): number {
  const spec = SPECS[key];
  if (spec.kind !== 'count' && spec.kind !== 'duration' && spec.kind !== 'bytes' && spec.kind !== 'port') throw new Error(`options-schema: ${key} is not a number`);
  return value === undefined ? numberDefault(key) : checkNumber(spec, value, name);
}

/** Validated limits; throws ERR_INVALID_ARG_VALUE naming the option. */
export function resolveGatewayLimits(options: GatewayLimitOptions): GatewayLimits {
  return Object.freeze(Object.fromEntries(LIMIT_KEYS.map((key) => [key, numberOption(key, options[key])])) as unknown as GatewayLimits);
}

/** createGateway()'s options, checked and filled in. */
export interface ResolvedGatewayOptions {
  readonly gatewayLimits: GatewayLimits;
  /** What WELCOME announces. */
  readonly limits: Limits;
  readonly maxStreamWindow: number;
  readonly path: string;
  readonly trustProxy: number;
  /** maxPendingConnectionsPerAddress as enforced: 0 behind a proxy unless it was set. */
  readonly maxPendingPerPeer: number;
  readonly connectTimeout: number;
  readonly keepaliveInterval: number;
  readonly closeTimeout: number;
  readonly resumeGracePeriod: number;
  readonly drainTimeout: number;
  readonly maxReplayBytes: number;
  /** This gateway among several behind a load balancer. */
  readonly instance: Instance;
}

/**
 * Checks createGateway()'s numeric options and path against the schema and fills in the
 * defaults; throws ERR_INVALID_ARG_VALUE naming the option. Rules, tokens and origins are
 * checked where they are compiled (policy.ts, token.ts, admission.ts), by the same
 * functions the CLI's values go through.
 */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  const gatewayLimits = resolveGatewayLimits(options);
  const announced = options.limits ?? {};
  const trustProxy = numberOption('trustProxy', options.trustProxy);
  return {
    gatewayLimits,
    // WELCOME announces the session idle timeout the gateway enforces (PROTOCOL.md#limits).
    limits: {
      maxPayload: numberOption('maxPayload', announced.maxPayload),
      streamWindow: numberOption('window', announced.streamWindow),
      maxStreams: numberOption('maxStreams', announced.maxStreams),
      idleTimeout: announced.idleTimeout === undefined ? gatewayLimits.sessionIdleTimeout : numberOption('idleTimeout', announced.idleTimeout),
    },
    maxStreamWindow: numberOption('maxStreamWindow', options.maxStreamWindow),
    path: checkPath(options.path ?? SPECS.path.default, 'path'),
    trustProxy,
    // Behind a proxy every peer is the proxy: no per-peer cap unless one is set explicitly.
    maxPendingPerPeer: options.maxPendingConnectionsPerAddress === undefined && trustProxy > 0 ? 0 : gatewayLimits.maxPendingConnectionsPerAddress,
    connectTimeout: numberOption('connectTimeout', options.connectTimeout),
    keepaliveInterval: numberOption('keepaliveInterval', options.keepaliveInterval),
    closeTimeout: numberOption('closeTimeout', options.closeTimeout),
    resumeGracePeriod: numberOption('resumeGracePeriod', options.resumeGracePeriod),
    drainTimeout: numberOption('drainTimeout', options.drainTimeout),
    maxReplayBytes: numberOption('maxReplayBytes', options.maxReplayBytes),
    instance: createInstance(options.instanceId === undefined ? undefined : checkInstanceId(options.instanceId, 'instanceId')),
  };
}
