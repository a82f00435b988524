/**
 * The kinds of gateway option (options-schema.ts) and, per kind, the one function that
 * reads it from text (a CLI flag or an environment variable) and the one that checks a
 * value given to createGateway(). The CLI throws SOCKWAY_ERR_CLI_USAGE naming the flag or
 * variable; the library throws ERR_INVALID_ARG_VALUE naming the option.
 */
import { SockwayErrorCode, codedError } from '../shared/errors.ts';
import { INSTANCE_ID } from './instance.ts';
import { parseRule, type Rule } from './policy.ts';

/** Largest value a timer or a byte counter option takes. */
export const MAX_INT32 = 2 ** 31 - 1;
/** Shortest token secret, in bytes (token.ts refuses shorter ones too). */
export const MIN_SECRET_BYTES = 32;
/** Error code of the errors the CLI parser throws; their message is one line of usage feedback. */
export const CLI_USAGE_CODE = SockwayErrorCode.CliUsage;

/** Whole numbers with bounds; `unit` names what is counted in the library's error message. */
export interface NumberKind {
  readonly kind: 'count' | 'duration' | 'bytes' | 'port';
  readonly min: number;
  readonly max: number;
  readonly unit?: string;
}

/** Text options, lists and the switch. */
export interface OtherKind {
  readonly kind: 'host' | 'path' | 'file' | 'rules' | 'origins' | 'servers' | 'secret' | 'audience' | 'instance' | 'switch';
}

/** One word out of a fixed list (`--log-level`). */
export interface ChoiceKind {
  readonly kind: 'choice';
  readonly choices: readonly string[];
}

export type OptionKind = NumberKind | OtherKind | ChoiceKind;

/** What an option of each kind holds once read. */
export interface KindValue {
  readonly count: number;
  readonly duration: number;
  readonly bytes: number;
  readonly port: number;
  readonly host: string;
  readonly path: string;
  readonly file: string;
  readonly rules: readonly Rule[];
  readonly origins: readonly string[];
  readonly servers: readonly string[];
  readonly secret: string;
  readonly audience: string;
  readonly instance: string;
  readonly switch: boolean;
  readonly choice: string;
}

/** Kinds given as a list: repeatable flags, comma-separated environment variables. */
export function isListKind(kind: OptionKind['kind']): kind is 'rules' | 'origins' | 'servers' {
  return kind === 'rules' || kind === 'origins' || kind === 'servers';
}

// ---- from text (CLI and environment) ----

/** Reads one flag or variable value (one list entry for list kinds); `label` is the flag or variable, for the message. */
export function parseText(spec: OptionKind, text: string, label: string): number | string | Rule | boolean {
  switch (spec.kind) {
    case 'count':
      if (!/^[0-9]+$/.test(text) || Number(text) < spec.min || Number(text) > spec.max) {
        throw usageError(`${label}: ${JSON.stringify(text)} is not a whole number from ${spec.min} to ${spec.max}`);
      }
      return Number(text);
    case 'duration':
      return parseDuration(text, label, spec.min, spec.max);
    case 'bytes':
      return parseBytes(text, label, spec.min, spec.max);
    case 'port':
      if (!/^[0-9]{1,5}$/.test(text) || Number(text) > spec.max) {
        throw usageError(`${label}: ${JSON.stringify(text)} is not a port number (${spec.min}-${spec.max})`);
      }
      return Number(text);
    case 'host': {
      const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
      if (host === '' || /[\s/[\]]/.test(host)) throw usageError(`${label}: ${JSON.stringify(text)} is not a host name or IP address to bind`);
      return host;
    }
    case 'path':
      if (!isPath(text)) throw usageError(`${label}: ${JSON.stringify(text)} must start with "/" and contain no spaces, "?" or "#"`);
      return text;
    case 'file':
      if (text.includes('\0')) throw usageError(`${label}: ${JSON.stringify(text)} is not a file name`);
      return text;
    case 'rules':
      try {
        return parseRule(text);
      } catch (error) {
        throw usageError(`${label}: ${(error as Error).message}`);
      }
    case 'origins':
      if (text === '*' || text === 'null') return text;
      if (!/^[a-z][a-z0-9+.-]*:\/\/(\*\.)?[^\s/?#]+\/?$/i.test(text)) {
        throw usageError(`${label}: ${JSON.stringify(text)} is not an origin; expected scheme://host[:port], e.g. https://app.example.com`);
      }
      return text.replace(/\/$/, '');
    case 'servers':
      return text; // node:dns Resolver.setServers() checks them when the gateway starts
    case 'secret':
      if (Buffer.byteLength(text) < MIN_SECRET_BYTES) {
        throw usageError(`${label}: the token secret must be at least ${MIN_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
      }
      return text;
    case 'audience':
      if (text.length > 256 || /\s/.test(text)) throw usageError(`${label}: ${JSON.stringify(text.slice(0, 40))} is not a token audience (no spaces, at most 256 characters)`);
      return text;
    case 'instance':
      if (!INSTANCE_ID.test(text)) throw usageError(`${label}: ${JSON.stringify(text.slice(0, 70))} is not an instance id (1 to 64 letters, digits and . _ : -)`);
      return text;
    case 'switch':
      return true;
    case 'choice':
      if (!spec.choices.includes(text)) throw usageError(`${label}: ${JSON.stringify(text)} is not one of ${spec.choices.join(', ')}`);
      return text;
  }
}

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function parseDuration(text: string, label: string, min: number, max: number): number {
  const match = /^([0-9]+)(ms|s|min|m|h)?$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * (TIME_UNITS[match[2] ?? ''] ?? Number.NaN);
  if (!(ms >= min && ms <= max)) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a time from ${min} ms to ${max} ms (milliseconds, or with ms, s, min or h)`);
  }
  return ms;
}

function parseBytes(text: string, label: string, min: number, max: number): number {
  const match = /^([0-9]+)(kib|mib|gib)?$/i.exec(text);
  const bytes = match === null ? Number.NaN : Number(match[1]) * (BYTE_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN);
  if (!(bytes >= min && bytes <= max)) {
    throw usageError(`${label}: ${JSON.stringify(text)} is not a byte count from ${min} to ${max} (a KiB, MiB or GiB suffix is allowed)`);
  }
  return bytes;
}

function isPath(text: string): boolean {
  return text.startsWith('/') && !/[\s?#]/.test(text);
}

// ---- library values ----

/** Checks a createGateway() number option; `name` is the option as the caller wrote it. */
export function checkNumber(spec: NumberKind, value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    const unit = spec.unit ?? (spec.kind === 'duration' ? 'ms' : spec.kind === 'bytes' ? 'bytes' : undefined);
    const what = unit === undefined ? 'an integer' : `an integer number of ${unit}`;
    throw invalidValue(`${name} must be ${what} from ${spec.min} to ${spec.max}, got ${String(value)}`, typeof value === 'number');
  }
  return value;
}

/** Checks createGateway()'s instanceId. */
export function checkInstanceId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !INSTANCE_ID.test(value)) {
    throw invalidValue(`${name} must be 1 to 64 letters, digits and . _ : -, got ${JSON.stringify(value)}`, false);
  }
  return value;
}

/** Checks a createGateway() URL path option. */
export function checkPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || !isPath(value)) {
    throw invalidValue(`${name} must start with "/" and contain no spaces, "?" or "#", got ${JSON.stringify(value)}`, typeof value === 'string');
  }
  return value;
}

// ---- formatting (help and tables) ----

/** 30000 → "30s", 300000 → "5min" (the largest unit with a whole amount of at least 2: 60000 → "60s"); `spaced` for prose ("30 s"). */
export function formatDuration(ms: number, spaced = false): string {
  const units = [[3_600_000, 'h'], [60_000, 'min'], [1000, 's']] as const;
  const [scale, unit] = units.find(([scale]) => ms % scale === 0 && ms / scale >= 2) ?? [1, 'ms'];
  return `${ms / scale}${spaced ? ' ' : ''}${unit}`;
}

/** 262144 → "256KiB"; `spaced` for prose ("256 KiB"). */
export function formatBytes(bytes: number, spaced = false): string {
  const [amount, unit] = bytes !== 0 && bytes % 1024 ** 3 === 0 ? [bytes / 1024 ** 3, 'GiB'] : bytes !== 0 && bytes % 1024 ** 2 === 0 ? [bytes / 1024 ** 2, 'MiB'] : bytes !== 0 && bytes % 1024 === 0 ? [bytes / 1024, 'KiB'] : [bytes, ''];
  return unit === '' ? String(amount) : `${amount}${spaced ? ' ' : ''}${unit}`;
}

// ---- suggestions ----

/** The candidate within two edits of `name` ("did you mean"), if any: --alow → --allow, maxStream → maxStreams. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
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

// ---- errors ----

/** The CLI's error: one printable line. */
export function usageError(message: string): Error {
  return codedError(SockwayErrorCode.CliUsage, message, usageError);
}

/** The library's error for a bad option value: RangeError for a number out of bounds, as Node's ERR_INVALID_ARG_VALUE. */
export function invalidValue(message: string, outOfRange = true): Error {
  return codedError('ERR_INVALID_ARG_VALUE', message, invalidValue, outOfRange ? RangeError : TypeError);
}
