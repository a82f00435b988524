// Command-line and environment parsing for `sockway-gateway`, driven by the options schema
// (options-schema.ts): node:util parseArgs splits argv, each option's kind reads its value
// (option-types.ts). Pure: no I/O, no exit; main.ts prints USAGE or the error message and
// picks the exit code, and hands in the reader of the configuration file (config-file.ts).
//
// Precedence: the flag, else its environment variable, else the configuration file, else the default.

import { parseArgs } from 'node:util';
import type { GatewayOptions } from './gateway.ts';
import { type KindValue, closest, isListKind, parseText, usageError } from './option-types.ts';
import { type GATEWAY_OPTIONS, type OptionKey, type OptionSpec, envName, optionEntries, optionSpec } from './options-schema.ts';
import type { Rule } from './policy.ts';

export { CLI_USAGE_CODE } from './option-types.ts';
export { USAGE } from './options-doc.ts';

/** Environment variables parseGatewayArgs() reads (process.env by default). */
export type GatewayEnv = Readonly<Record<string, string | undefined>>;

/** Option values from a configuration file, by key, each already read as its kind (KindValue). */
export type ConfigValues = ReadonlyMap<OptionKey, unknown>;

/** Reads the configuration file --config (or SOCKWAY_CONFIG) names; throws a usage error naming the file, line and key. */
export type ReadConfig = (path: string, env: GatewayEnv) => ConfigValues;

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
  | { readonly help: false; readonly version: true }
  | ({ readonly help: false }
    & { readonly [K in Exclude<FilledKey, 'version'>]: KindValue[Specs[K]['kind']] }
    & { readonly version: false }
    & { readonly [K in Exclude<FlagKey, FilledKey>]?: KindValue[Specs[K]['kind']] }
    // Options without a flag come from the configuration file alone.
    & { readonly [K in Exclude<OptionKey, FlagKey>]?: KindValue[Specs[K]['kind']] });

/** A parsed command line that runs a gateway. */
export type GatewayRunOptions = Extract<GatewayCliOptions, { readonly version: false }>;


/** parseArgs' view of the flags: which take a value, which may repeat. */
const PARSE_CONFIG = Object.fromEntries(
  optionEntries().flatMap(([, spec]) =>
    spec.flag === undefined ? [] : [[spec.flag.slice(2), spec.kind === 'switch' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: isListKind(spec.kind) }]],
  ),
);

/** Options by flag. */
const BY_FLAG: ReadonlyMap<string, OptionKey> = new Map(optionEntries().flatMap(([key, spec]) => (spec.flag === undefined ? [] : [[spec.flag, key] as const])));

/**
 * Parses `sockway-gateway` arguments (process.argv.slice(2)) with environment and
 * configuration-file fallbacks (flag, else SOCKWAY_ variable, else the file --config names,
 * read by `readConfig`, else default); throws an Error (code SOCKWAY_ERR_CLI_USAGE) whose
 * message is printable usage feedback.
 */
export function parseGatewayArgs(argv: readonly string[], env: GatewayEnv = process.env, readConfig?: ReadConfig): GatewayCliOptions {
  // Help wins over everything else, so a confused user always gets it; then the version.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  if (argv.includes('--version')) return { help: false, version: true };

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

  const configPath = readOption('config', given.get('config'), env, new Map()) as string | undefined;
  if (configPath !== undefined && readConfig === undefined) throw usageError('--config: no configuration file reader here');
  const file: ConfigValues = configPath === undefined || readConfig === undefined ? new Map() : readConfig(configPath, env);
  const read = (key: OptionKey): unknown => readOption(key, given.get(key), env, file);
  const allow = read('allow') as Rule[];
  const allowListen = read('allowListen') as Rule[];
  if (allow.length === 0 && allowListen.length === 0) {
    throw usageError(`no destinations allowed: pass --allow HOST:PORT (repeatable), set SOCKWAY_ALLOW${configPath === undefined ? '' : ` or list them under allow: in ${configPath}`}; the gateway denies every destination by default`);
  }
  const result: Record<string, unknown> = { help: false };
  for (const [key, spec] of optionEntries()) {
    if (spec.flag === undefined) {
      if (file.has(key)) result[key] = file.get(key);
      continue;
    }
    const value = key === 'allow' ? allow : key === 'allowListen' ? allowListen : read(key);
    // An empty origin or server list means "not given"; the rule lists are always there.
    if (value === undefined || (Array.isArray(value) && value.length === 0 && spec.kind !== 'rules')) continue;
    result[key] = value;
  }
  return result as GatewayCliOptions;
}

/**
 * One option's value: from its flags, else its environment variable, else the
 * configuration file, else the CLI's default (cliDefault, or the default of options
 * main.ts needs); undefined leaves it to createGateway()'s own default.
 */
function readOption(key: OptionKey, fromFlags: readonly string[] | undefined, env: GatewayEnv, file: ConfigValues): unknown {
  const spec = optionSpec(key);
  if (spec.kind === 'switch') return fromFlags !== undefined || file.get(key) === true;
  const variable = envName(spec);
  const fromEnv = variable === undefined ? undefined : env[variable];
  let texts: readonly string[] | undefined;
  let label: string = spec.flag ?? key;
  if (fromFlags !== undefined) {
    texts = fromFlags;
  } else if (isListKind(spec.kind) && fromEnv !== undefined && fromEnv.trim() !== '') {
    // Flags replace the environment rather than add to it, like every other option.
    texts = fromEnv.split(',').map((text) => text.trim()).filter((text) => text !== '');
    label = variable ?? label;
  } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
    texts = [fromEnv.trim()];
    label = variable ?? label;
  }
  if (texts === undefined) return file.has(key) ? file.get(key) : isListKind(spec.kind) ? [] : cliDefault(spec);
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
export function gatewayOptionsOf(cli: GatewayRunOptions): GatewayOptions {
  const options: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  for (const [key, spec] of optionEntries()) {
    const value = (cli as Readonly<Record<string, unknown>>)[key];
    if (value === undefined || spec.option === undefined) continue;
    if (spec.option.startsWith('limits.')) limits[spec.option.slice('limits.'.length)] = value;
    else options[spec.option] = value;
  }
  // The CLI has no burst flag: a page may open twice the rate at once (unless the file says otherwise).
  if (cli.openRate !== undefined && cli.openBurst === undefined) options['openBurst'] = cli.openRate * 2;
  return { ...options, limits } as GatewayOptions;
}

// "did you mean" for typos within two edits, e.g. --alow → --allow.
function suggest(name: string): string {
  const best = closest(name, [...BY_FLAG.keys(), '--help']);
  return best === undefined ? ' (see --help)' : `; did you mean ${best}?`;
}
