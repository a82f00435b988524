// Command-line and environment parsing for `sockway-gateway`, driven by the options schema
// (options-schema.ts): node:util parseArgs splits argv, each option's kind reads its value
// (option-types.ts). Pure: no I/O, no exit; main.ts prints USAGE or the error message and
// picks the exit code.

import { parseArgs } from 'node:util';
import type { GatewayOptions } from './gateway.ts';
import { type KindValue, isListKind, parseText, usageError } from './option-types.ts';
import { type GATEWAY_OPTIONS, type OptionKey, type OptionSpec, envName, optionEntries, optionSpec } from './options-schema.ts';
import type { Rule } from './policy.ts';

export { CLI_USAGE_CODE } from './option-types.ts';
export { USAGE } from './options-doc.ts';

/** Environment variables parseGatewayArgs() reads (process.env by default). */
export type GatewayEnv = Readonly<Record<string, string | undefined>>;

type Specs = typeof GATEWAY_OPTIONS;
/** The options with a flag: the CLI's result has a field for each, named by its key. */
type FlagKey = { [K in OptionKey]: Specs[K] extends { readonly flag: string } ? K : never }[OptionKey];
/**
 * Fields the result always has (as readOption() fills them): rule lists, the switch, a
 * cliDefault, and the default of an option that has no createGateway() name or cliFills.
 */
type FilledKey = {
  [K in FlagKey]: Specs[K] extends { readonly kind: 'rules' | 'switch' } | { readonly cliDefault: number } ? K
    : Specs[K] extends { readonly default: unknown } ? (Specs[K] extends { readonly option: string } ? (Specs[K] extends { readonly cliFills: true } ? K : never) : K)
    : never;
}[FlagKey];

/**
 * The parsed command line: either a request for help, or complete gateway options, each
 * of the kind its schema entry names (KindValue); an option absent from it was not given,
 * so the gateway's default applies.
 */
export type GatewayCliOptions =
  | { readonly help: true }
  | ({ readonly help: false }
    & { readonly [K in FilledKey]: KindValue[Specs[K]['kind']] }
    & { readonly [K in Exclude<FlagKey, FilledKey>]?: KindValue[Specs[K]['kind']] });


/** parseArgs' view of the flags: which take a value, which may repeat. */
const PARSE_CONFIG = Object.fromEntries(
  optionEntries().flatMap(([, spec]) =>
    spec.flag === undefined ? [] : [[spec.flag.slice(2), spec.kind === 'switch' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: isListKind(spec.kind) }]],
  ),
);

/** Options by flag. */
const BY_FLAG: ReadonlyMap<string, OptionKey> = new Map(optionEntries().flatMap(([key, spec]) => (spec.flag === undefined ? [] : [[spec.flag, key] as const])));

/**
 * Parses `sockway-gateway` arguments (process.argv.slice(2)) with environment fallbacks
 * (flag, else SOCKWAY_ variable, else default); throws an Error (code
 * SOCKWAY_ERR_CLI_USAGE) whose message is printable usage feedback.
 */
export function parseGatewayArgs(argv: readonly string[], env: GatewayEnv = process.env): GatewayCliOptions {
  // Help wins over everything else, so a confused user always gets it.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };

  const given = new Map<OptionKey, string[]>();
  const { tokens } = parseArgs({ args: [...argv], options: PARSE_CONFIG, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    const raw = argv[token.index] ?? '';
    if (token.kind !== 'option' || !token.rawName.startsWith('--')) {
      throw usageError(`unexpected argument ${JSON.stringify(raw)}; options start with "--" (see --help)`);
    }
    const name = token.rawName;
    const key = BY_FLAG.get(name);
    if (key === undefined) throw usageError(`unknown option ${name}${suggest(name)}`);
    const spec = optionSpec(key);
    if (spec.kind === 'switch') {
      if (token.value !== undefined) throw usageError(`${name} does not take a value`);
      given.set(key, []);
      continue;
    }
    // parseArgs takes the next argument whatever it is; a flag there means the value is missing.
    const value = token.value;
    if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('--'))) {
      throw usageError(`${name} needs a value, e.g. ${name} ${spec.example ?? 'VALUE'}`);
    }
    const values = given.get(key) ?? [];
    if (values.length > 0 && !isListKind(spec.kind)) throw usageError(`${name} was given more than once`);
    given.set(key, [...values, value]);
  }

  const read = (key: OptionKey): unknown => readOption(key, given.get(key), env);
  const allow = read('allow') as Rule[];
  const allowListen = read('allowListen') as Rule[];
  if (allow.length === 0 && allowListen.length === 0) {
    throw usageError('no destinations allowed: pass --allow HOST:PORT (repeatable) or set SOCKWAY_ALLOW; the gateway denies every destination by default');
  }
  const result: Record<string, unknown> = { help: false };
  for (const [key, spec] of optionEntries()) {
    if (spec.flag === undefined) continue;
    const value = key === 'allow' ? allow : key === 'allowListen' ? allowListen : read(key);
    // An empty origin or server list means "not given"; the rule lists are always there.
    if (value === undefined || (Array.isArray(value) && value.length === 0 && spec.kind !== 'rules')) continue;
    result[key] = value;
  }
  return result as GatewayCliOptions;
}

/**
 * One option's value: from its flags, else its environment variable, else the CLI's
 * default (cliDefault, or the default of options main.ts needs); undefined leaves it to
 * createGateway()'s own default.
 */
function readOption(key: OptionKey, fromFlags: readonly string[] | undefined, env: GatewayEnv): unknown {
  const spec = optionSpec(key);
  if (spec.kind === 'switch') return fromFlags !== undefined;
  const variable = envName(spec);
  const fromEnv = variable === undefined ? undefined : env[variable];
  let texts: readonly string[] | undefined;
  let label: string = spec.flag ?? key;
  if (fromFlags !== undefined) {
    texts = fromFlags;
  } else if (isListKind(spec.kind) && fromEnv !== undefined) {
    // Flags replace the environment rather than add to it, like every other option.
    texts = fromEnv.split(',').map((text) => text.trim()).filter((text) => text !== '');
    label = variable ?? label;
  } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
    texts = [fromEnv.trim()];
    label = variable ?? label;
  }
  if (texts === undefined) return isListKind(spec.kind) ? [] : cliDefault(spec);
  const values = texts.map((text) => parseText(spec, text, label));
  return isListKind(spec.kind) ? values : values[0];
}

function cliDefault(spec: OptionSpec): number | string | undefined {
  return spec.cliDefault ?? (spec.option === undefined || spec.cliFills === true ? spec.default : undefined);
}

/**
 * createGateway()'s options for a parsed command line: each value under its schema name
 * (`limits.maxStreams` for --max-streams), and the burst that --open-rate implies.
 */
export function gatewayOptionsOf(cli: Extract<GatewayCliOptions, { help: false }>): GatewayOptions {
  const options: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  for (const [key, spec] of optionEntries()) {
    const value = (cli as Readonly<Record<string, unknown>>)[key];
    if (value === undefined || spec.option === undefined) continue;
    if (spec.option.startsWith('limits.')) limits[spec.option.slice('limits.'.length)] = value;
    else options[spec.option] = value;
  }
  // The CLI has no burst flag: a page may open twice the rate at once.
  if (cli.openRate !== undefined) options['openBurst'] = cli.openRate * 2;
  return { ...options, limits } as GatewayOptions;
}

// "did you mean" for typos within two edits, e.g. --alow → --allow.
function suggest(name: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const flag of [...BY_FLAG.keys(), '--help']) {
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
