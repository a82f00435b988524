/**
 * Every createTunnel() option once: what it takes, its default and bounds, and its
 * row in docs/client.md. createTunnel() checks what it is given against this table (throwing
 * as Node does for a bad argument: ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE) and the table of
 * docs/client.md is generated from it (tunnel-options.test.ts fails on drift).
 */
import { DEFAULT_LIMITS, DEFAULT_MAX_STREAM_WINDOW, MIN_STREAM_WINDOW, resolveLimits } from '../shared/protocol.ts';
import { errInvalidArgType, errInvalidArgValue, errOutOfRange } from './node-errors.ts';
import type { TunnelOptions } from './tunnel.ts';

/** Largest timer delay (setTimeout's): the bound of every duration option. */
const MAX_DELAY = 0x7fff_ffff;

/** One option: how it is checked, and its row in docs/client.md (links relative to docs/). */
type OptionSpec =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly default: number; readonly doc: string }
  | { readonly kind: 'boolean'; readonly default: boolean; readonly doc: string }
  | { readonly kind: 'string' | 'token' | 'protocols' | 'function' | 'limits'; readonly defaultText: string; readonly doc: string };

/** The options, in the documented order. */
export const TUNNEL_OPTIONS = {
  url: { kind: 'string', defaultText: '(required)', doc: "the gateway's WebSocket URL (`ws://` or `wss://`); every WebSocket gets `sockway_route=<the session's key>` added to its query, for load balancers ([Deployment](deployment.md#several-gateways-behind-a-load-balancer))" },
  token: { kind: 'token', defaultText: 'none', doc: 'a capability token (string, or a function called for every new WebSocket)' },
  WebSocket: { kind: 'function', defaultText: '`globalThis.WebSocket`', doc: "WebSocket class; in Node < 22 pass `ws`'s: `import WebSocket from 'ws'`" },
  protocols: { kind: 'protocols', defaultText: 'none', doc: 'WebSocket subprotocols to offer' },
  limits: {
    kind: 'limits',
    defaultText: `\`{ maxPayload: ${DEFAULT_LIMITS.maxPayload}, streamWindow: ${DEFAULT_LIMITS.streamWindow} }\``,
    doc: 'what this client accepts: largest DATA payload, initial per-stream receive window',
  },
  maxStreamWindow: { kind: 'integer', min: MIN_STREAM_WINDOW, max: MAX_DELAY, default: DEFAULT_MAX_STREAM_WINDOW, doc: 'largest receive window (bytes) auto-tuning may grow a fast stream to' },
  keepaliveInterval: { kind: 'integer', min: 0, max: MAX_DELAY, default: 15_000, doc: 'ms between keepalive PINGs (0 = off)' },
  keepaliveTimeout: {
    kind: 'integer',
    min: 1,
    max: MAX_DELAY,
    default: 10_000,
    doc: 'ms with nothing received after a PING (or during a resume attempt) before the link is declared dead (resumed; or failed with `SOCKWAY_ERR_GATEWAY_TIMEOUT` when `reconnect: false`)',
  },
  reconnect: { kind: 'boolean', default: true, doc: 'resume the session after a drop (protocol v2); `false` = protocol v1, sockets fail with `SOCKWAY_ERR_GATEWAY_CLOSED`' },
  resumeTimeout: { kind: 'integer', min: 0, max: MAX_DELAY, default: 60_000, doc: 'ms to keep trying to resume before sockets fail with `SOCKWAY_ERR_RESUME_FAILED`' },
} as const satisfies { readonly [K in keyof TunnelOptions]-?: OptionSpec };

type NumberOption = { [K in keyof typeof TUNNEL_OPTIONS]: (typeof TUNNEL_OPTIONS)[K] extends { kind: 'integer' } ? K : never }[keyof typeof TUNNEL_OPTIONS];

/** The options with their defaults filled in. */
export type ResolvedTunnelOptions = TunnelOptions & { readonly [K in NumberOption]: number } & { readonly reconnect: boolean };

/** Checks `options` against TUNNEL_OPTIONS and fills in the defaults; throws as Node does for a bad argument. */
export function resolveTunnelOptions(options: TunnelOptions): ResolvedTunnelOptions {
  if (options === null || typeof options !== 'object') throw errInvalidArgType('options', 'Object', options);
  const resolved: Record<string, unknown> = { ...options };
  for (const [name, spec] of Object.entries(TUNNEL_OPTIONS) as [keyof TunnelOptions, OptionSpec][]) {
    const value = options[name];
    if (value === undefined) {
      if (name === 'url') throw errInvalidArgType('options.url', 'string', value);
      if ('default' in spec) resolved[name] = spec.default;
      continue;
    }
    check(`options.${name}`, spec, value);
  }
  // Every integer and boolean option is now set: checked above, or its default.
  return resolved as unknown as ResolvedTunnelOptions;
}

function check(name: string, spec: OptionSpec, value: unknown): void {
  switch (spec.kind) {
    case 'integer':
      if (typeof value !== 'number') throw errInvalidArgType(name, 'number', value);
      if (!Number.isInteger(value)) throw errOutOfRange(name, 'an integer', value);
      if (value < spec.min || value > spec.max) throw errOutOfRange(name, `>= ${spec.min} && <= ${spec.max}`, value);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw errInvalidArgType(name, 'boolean', value);
      return;
    case 'string':
      if (typeof value !== 'string') throw errInvalidArgType(name, 'string', value);
      if (value === '') throw errInvalidArgValue(name, value, 'must be the gateway WebSocket URL');
      return;
    case 'token':
      if (typeof value !== 'string' && typeof value !== 'function') throw errInvalidArgType(name, ['string', 'function'], value);
      return;
    case 'function':
      if (typeof value !== 'function') throw errInvalidArgType(name, 'function', value);
      return;
    case 'protocols':
      if (typeof value !== 'string' && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
        throw errInvalidArgType(name, ['string', 'string[]'], value);
      }
      return;
    case 'limits':
      if (typeof value !== 'object' || value === null) throw errInvalidArgType(name, 'Object', value);
      try {
        resolveLimits(value);
      } catch (error) {
        throw errInvalidArgValue(name, value, `is invalid (${(error as Error).message})`);
      }
      return;
  }
}

/** docs/client.md's createTunnel() options table. */
export function tunnelOptionsTable(): string {
  const rows = Object.entries(TUNNEL_OPTIONS).map(([name, spec]: [string, OptionSpec]) => {
    const defaultText = 'defaultText' in spec ? spec.defaultText : `\`${String(spec.default)}\``;
    return `| \`${name}\` | ${defaultText} | ${spec.doc} |`;
  });
  return ['| option | default | meaning |', '|---|---|---|', ...rows, ''].join('\n');
}
