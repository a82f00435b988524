/**
 * The gateway's configuration file (`sockway-gateway --config FILE`, or SOCKWAY_CONFIG):
 * YAML, or JSON when the name ends in .json, holding createGateway()'s options under their
 * names (`limits:` nested, as in createGateway()) and the CLI's own (port, host, quiet).
 * Each value is read by its kind in the options schema, through the same function a flag's
 * text goes through (option-types.ts parseText), so the file, the flags and the environment
 * accept the same values. Every error names the file, the line and column, and the key:
 *
 *   gateway.yaml:12:3: limits.maxStreams: "lots" is not a whole number from 1 to 2147483647
 *
 * The token secret is given by reference, `{ file: PATH }` (relative to the configuration
 * file) or `{ env: NAME }`, so the file itself holds no secret; an inline one is accepted with
 * a warning. YAML is parsed with the `yaml` package, loaded only when a file is read.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { ConfigValues, GatewayEnv } from './cli-options.ts';
import { optionalDependency } from './dependencies.ts';
import { type OptionKind, closest, isListKind, parseText, usageError } from './option-types.ts';
import { type OptionKey, type OptionSpec, optionEntries, optionSpec } from './options-schema.ts';

/** A configuration file, read: the options it sets (by schema key), and warnings to log. */
export interface ConfigFile {
  readonly values: ConfigValues;
  /** One printable line each, `FILE:LINE:COL: ...` (an inline token secret). */
  readonly warnings: readonly string[];
}

/** How the reader gets at files a secret reference names (tests replace it). */
export type ReadTextFile = (path: string) => string;

/** The option each file key names: `limits.maxStreams` for --max-streams, `port` for the CLI's own. */
const BY_FILE_KEY: ReadonlyMap<string, OptionKey> = new Map(
  optionEntries().flatMap(([key, spec]) => (spec.inFile === false ? [] : [[spec.option ?? key, key] as const])),
);

/** The keys of the file's top level and of its `limits:` section, for "did you mean". */
function keysUnder(prefix: string): string[] {
  const keys = [...BY_FILE_KEY.keys()].filter((name) => name.startsWith(prefix) && !name.slice(prefix.length).includes('.')).map((name) => name.slice(prefix.length));
  return prefix === '' ? [...keys, 'limits'] : keys;
}

/** The file keys by the flag that sets the same option: `max-streams` → `limits.maxStreams`. */
const BY_FLAG_NAME: ReadonlyMap<string, string> = new Map(
  optionEntries().flatMap(([key, spec]) => (spec.flag === undefined || spec.inFile === false ? [] : [[spec.flag.slice(2), spec.option ?? key] as const])),
);

/** "did you mean" for an unknown key: a near key at its level, the limit it would be under `limits:`, or the option a flag name stands for. */
function hint(key: string, prefix: string): string {
  const local = key.slice(prefix.length);
  const near = closest(local, keysUnder(prefix));
  if (near !== undefined) return `; did you mean ${prefix}${near}?`;
  if (prefix === '' && BY_FILE_KEY.has(`limits.${local}`)) return `; it belongs under limits:`;
  const named = BY_FLAG_NAME.get(local);
  if (named !== undefined) return `; the file uses createGateway()'s names: ${named}`;
  return ' (the keys are createGateway()\'s option names)';
}

/** Reads and checks the configuration file at `path`; throws SOCKWAY_ERR_CLI_USAGE naming the file, line and key. */
export function readConfigFile(path: string, env: GatewayEnv, readText: ReadTextFile = (file) => readFileSync(file, 'utf8')): ConfigFile {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    throw usageError(`${path}: cannot read the configuration file: ${(error as Error).message}`);
  }
  return parseConfigText(text, path, env, (file) => readText(resolve(dirname(path), file)));
}

/** Checks a configuration file's text; `name` is the file as the messages name it. */
export function parseConfigText(text: string, name: string, env: GatewayEnv, readText: ReadTextFile): ConfigFile {
  const yaml = optionalDependency<typeof Yaml>('yaml', '--config');
  const lineCounter = new yaml.LineCounter();
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${name}:${line}:${col}`;
  };
  if (name.endsWith('.json')) checkJson(text, name);
  // Duplicate keys are errors (uniqueKeys), as JSON.parse would silently keep the last.
  const document = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [syntax] = document.errors;
  if (syntax !== undefined) {
    const duplicate = syntax.code === 'DUPLICATE_KEY' ? /^[^:\s]+/.exec(text.slice(syntax.pos[0]))?.[0] : undefined;
    throw usageError(`${at(syntax.pos[0])}: ${duplicate === undefined ? firstLine(syntax.message) : `${duplicate}: given more than once`}`);
  }

  /** A value as an error message shows it: `"lots"`, `true`, `a list`, `a mapping`. */
  const describe = (node: unknown): string => {
    if (yaml.isSeq(node)) return 'a list';
    if (yaml.isMap(node)) return 'a mapping';
    const value = yaml.isScalar(node) ? node.value : node;
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  };
  const values = new Map<OptionKey, unknown>();
  const warnings: string[] = [];
  const fail = (node: Yaml.Node | null | undefined, message: string): never => {
    throw usageError(`${at(node?.range?.[0] ?? 0)}: ${message}`);
  };

  const readMap = (node: unknown, prefix: string): void => {
    if (!yaml.isMap(node)) {
      fail(yaml.isNode(node) ? node : null, prefix === '' ? 'the file must be a mapping of option names to values, e.g. "allow: [\'localhost:5432\']"' : `${prefix.slice(0, -1)}: must be a mapping of limit names to values, got ${describe(node)}`);
    }
    for (const { key: keyNode, value } of (node as Yaml.YAMLMap<unknown, unknown>).items) {
      if (!yaml.isScalar(keyNode) || typeof keyNode.value !== 'string') return fail(yaml.isNode(keyNode) ? keyNode : null, 'option names must be plain strings');
      const key = `${prefix}${keyNode.value}`;
      if (key === 'limits') {
        readMap(value, 'limits.');
        continue;
      }
      const option = BY_FILE_KEY.get(key);
      if (option === undefined) return fail(keyNode, `${key}: unknown option${hint(key, prefix)}`);
      values.set(option, readValue(optionSpec(option), value, key, keyNode));
    }
    return undefined;
  };

  /** One option's value, read by its kind; errors point at the key (a list entry: at the entry). */
  const readValue = (spec: OptionSpec, node: unknown, key: string, keyNode: Yaml.Node): unknown => {
    if (node === null || (yaml.isScalar(node) && node.value === null)) return fail(keyNode, `${key}: has no value`);
    if (yaml.isAlias(node)) return fail(node, `${key}: YAML aliases are not supported here; write the value out`);
    if (spec.kind === 'switch') {
      if (!yaml.isScalar(node) || typeof node.value !== 'boolean') return fail(keyNode, `${key}: must be true or false, got ${describe(node)}`);
      return node.value;
    }
    if (spec.kind === 'secret') return readSecret(spec, node, key, keyNode);
    if (isListKind(spec.kind)) {
      // One entry may be written without the list.
      const entries = yaml.isSeq(node) ? node.items : [node];
      return entries.map((entry, index) => {
        const label = yaml.isSeq(node) ? `${key}[${index}]` : key;
        const where = yaml.isNode(entry) ? entry : keyNode;
        return parse(spec, textOf(entry, label, where, false), label, where);
      });
    }
    return parse(spec, textOf(node, key, keyNode, isNumberKind(spec)), key, keyNode);
  };

  const textOf = (node: unknown, label: string, where: Yaml.Node, numbers: boolean): string => {
    if (yaml.isAlias(node)) return fail(node, `${label}: YAML aliases are not supported here; write the value out`);
    if (yaml.isScalar(node) && typeof node.value === 'string') return node.value;
    // A number is read as its digits, so bounds and whole-number checks are the flag's.
    if (numbers && yaml.isScalar(node) && typeof node.value === 'number') return String(node.value);
    return fail(where, `${label}: must be ${numbers ? 'a number or text' : 'text'}, got ${describe(node)}`);
  };

  const parse = (spec: OptionKind, text: string, label: string, where: Yaml.Node): unknown => {
    try {
      return parseText(spec, text, label);
    } catch (error) {
      return fail(where, (error as Error).message);
    }
  };

  /** `{ file: PATH }`, `{ env: NAME }`, or (with a warning) the secret itself. */
  const readSecret = (spec: OptionSpec, node: unknown, key: string, keyNode: Yaml.Node): unknown => {
    if (yaml.isScalar(node) && typeof node.value === 'string') {
      warnings.push(`${at(keyNode.range?.[0] ?? 0)}: ${key} is written in the configuration file; prefer { file: PATH } or { env: NAME }, and keep the file unreadable to others`);
      return parse(spec, node.value, key, keyNode);
    }
    const hint = `${key}: must be { file: PATH } or { env: NAME } (or, not recommended, the secret itself)`;
    if (!yaml.isMap(node) || node.items.length !== 1) return fail(keyNode, `${hint}, got ${describe(node)}`);
    const [pair] = node.items;
    const refKey = yaml.isScalar(pair?.key) ? pair.key.value : undefined;
    const refValue = yaml.isScalar(pair?.value) ? pair.value.value : undefined;
    const where = yaml.isNode(pair?.key) ? pair.key : keyNode;
    if ((refKey !== 'file' && refKey !== 'env') || typeof refValue !== 'string' || refValue === '') return fail(where, hint);
    let secret: string | undefined;
    if (refKey === 'env') {
      secret = env[refValue];
      if (secret === undefined || secret === '') return fail(where, `${key}.env: the environment variable ${refValue} is not set`);
    } else {
      try {
        secret = readText(refValue);
      } catch (error) {
        return fail(where, `${key}.file: cannot read ${refValue}: ${(error as { code?: string }).code ?? (error as Error).message}`);
      }
    }
    // A secret file usually ends in a newline (echo, openssl rand > file): not part of the secret.
    return parse(spec, secret.replace(/\s+$/, ''), `${key}.${refKey}`, where);
  };

  if (document.contents === null) throw usageError(`${name}:1:1: the configuration file is empty`);
  readMap(document.contents, '');
  return { values, warnings };
}

function isNumberKind(spec: OptionSpec): boolean {
  return spec.kind === 'count' || spec.kind === 'duration' || spec.kind === 'bytes' || spec.kind === 'port';
}


function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

// ---- JSON ----

/** JSON is checked by JSON.parse (YAML would accept comments and bare words); its error gets a line and column. */
function checkJson(text: string, name: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const offset = jsonErrorOffset(message, text);
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const col = (before[before.length - 1] ?? '').length + 1;
    const what = message.replace(/( in JSON)? at position \d+.*$/s, '').replace(/^(Unexpected token '.'), .*$/s, '$1');
    throw usageError(`${name}:${line}:${col}: not valid JSON: ${what}`);
  }
}

/**
 * Where JSON.parse failed: V8 says "at position N", or quotes the text around the
 * offending token (10 characters either side, "..." where it cut), or the input ended.
 */
function jsonErrorOffset(message: string, text: string): number {
  const position = / at position (\d+)/.exec(message);
  if (position !== null) return Number(position[1]);
  if (message.includes('end of JSON input')) return text.length;
  const quoted = /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (quoted === null) return 0;
  const [, token = '', cutBefore, context = '', cutAfter] = quoted;
  if (cutBefore !== undefined) return text.indexOf(context) + 10;
  if (cutAfter !== undefined) return context.length - 10;
  return Math.max(0, text.indexOf(token));
}
