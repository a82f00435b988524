/**
 * The configuration file (config-file.ts): YAML and JSON read into the same values the
 * flags give, every error with its file:line:col and key, secrets by reference, the
 * precedence flag > environment > file > default, and the example in docs/gateway.md.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI_USAGE_CODE, type GatewayEnv, type GatewayRunOptions, gatewayOptionsOf, parseGatewayArgs } from './cli-options.ts';
import { type ConfigFile, parseConfigText, readConfigFile } from './config-file.ts';
import { createGateway } from './gateway.ts';
import { RELOADABLE_OPTIONS } from './options-schema.ts';

const SECRET = 'k'.repeat(40);
const noFiles = (path: string): string => {
  throw Object.assign(new Error(`no file ${path}`), { code: 'ENOENT' });
};

function load(text: string, name = 'gateway.yaml', env: GatewayEnv = {}, readText = noFiles): ConfigFile {
  return parseConfigText(text, name, env, readText);
}

/** Asserts a usage error with exactly this message. */
function fails(text: string, message: string, name = 'gateway.yaml', env: GatewayEnv = {}, readText = noFiles): void {
  assert.throws(() => load(text, name, env, readText), (error: Error & { code?: string }) => {
    assert.equal(error.code, CLI_USAGE_CODE);
    assert.equal(error.message, message);
    return true;
  });
}

const rulesText = (value: unknown): string[] => (value as { text: string }[]).map((rule) => rule.text);

describe('config file: values', () => {
  test('YAML: every kind reads as its flag does (units, lists, a single entry without a list, nested limits)', () => {
    const { values, warnings } = load([
      'port: 9000',
      'host: "[::1]"',
      'path: /ws',
      'allow:',
      '  - db.internal:5432',
      '  - "[fd00::/8]:80"',
      'deny: 10.9.0.0/16:*',
      'allowOrigins: [https://app.example.com/]',
      'tokenAudience: gw-1',
      'limits:',
      '  maxStreams: 64',
      '  streamWindow: 64KiB',
      '  maxPayload: 16384',
      'connectTimeout: 5s',
      'maxSessions: 10',
      'openBurst: 7',
      'dnsServers: [127.0.0.1:5353]',
      'quiet: true',
    ].join('\n'));
    assert.deepEqual(warnings, []);
    assert.equal(values.get('port'), 9000);
    assert.equal(values.get('host'), '::1');
    assert.equal(values.get('path'), '/ws');
    assert.deepEqual(rulesText(values.get('allow')), ['db.internal:5432', '[fd00::/8]:80']);
    assert.deepEqual(rulesText(values.get('deny')), ['10.9.0.0/16:*']);
    assert.deepEqual(values.get('allowOrigins'), ['https://app.example.com']);
    assert.equal(values.get('tokenAudience'), 'gw-1');
    assert.equal(values.get('maxStreams'), 64);
    assert.equal(values.get('window'), 65_536);
    assert.equal(values.get('maxPayload'), 16_384);
    assert.equal(values.get('connectTimeout'), 5000);
    assert.equal(values.get('maxSessions'), 10);
    assert.equal(values.get('openBurst'), 7);
    assert.deepEqual(values.get('dnsServers'), ['127.0.0.1:5353']);
    assert.equal(values.get('quiet'), true);
  });

  test('JSON by extension gives the same values', () => {
    const yaml = load('allow: [a.example:1]\nlimits: { maxStreams: 8 }\nresumeGracePeriod: 2min\n').values;
    const json = load('{ "allow": ["a.example:1"], "limits": { "maxStreams": 8 }, "resumeGracePeriod": "2min" }', 'gateway.json').values;
    assert.deepEqual([...json.keys()], [...yaml.keys()]);
    assert.deepEqual(rulesText(json.get('allow')), rulesText(yaml.get('allow')));
    assert.deepEqual([json.get('maxStreams'), json.get('resumeGracePeriod')], [8, 120_000]);
  });

  test('tokenSecret: { env: NAME } reads the variable; { file: PATH } reads the file, relative to the configuration file, without its trailing newline', () => {
    assert.equal(load('tokenSecret: { env: GW_SECRET }', 'gateway.yaml', { GW_SECRET: SECRET }).values.get('tokenSecret'), SECRET);
    const dir = mkdtempSync(join(tmpdir(), 'sockway-config-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'token'), `${SECRET}\n`);
    writeFileSync(join(dir, 'gateway.yaml'), 'allow: [x:1]\ntokenSecret:\n  file: token\n');
    const file = readConfigFile(join(dir, 'gateway.yaml'), {});
    assert.equal(file.values.get('tokenSecret'), SECRET);
    assert.deepEqual(file.warnings, []);
  });

  test('an inline tokenSecret works, with a warning naming the line and never the secret', () => {
    const { values, warnings } = load(`allow: [x:1]\ntokenSecret: ${SECRET}\n`);
    assert.equal(values.get('tokenSecret'), SECRET);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^gateway\.yaml:2:1: tokenSecret is written in the configuration file; prefer \{ file: PATH \} or \{ env: NAME \}/);
    assert.ok(!(warnings[0] ?? '').includes(SECRET));
  });
});

describe('config file: every error names the file, line, column and key', () => {
  const cases: readonly { title: string; text: string; message: string; name?: string; env?: GatewayEnv }[] = [
    { title: 'a bad number in limits', text: 'allow: [x:1]\nlimits:\n  maxStreams: lots\n', message: 'gateway.yaml:3:3: limits.maxStreams: "lots" is not a whole number from 1 to 2147483647' },
    { title: 'a number out of bounds', text: 'maxSessions: 0\n', message: 'gateway.yaml:1:1: maxSessions: "0" is not a whole number from 1 to 2147483647' },
    { title: 'a fraction', text: 'port: 80.5\n', message: 'gateway.yaml:1:1: port: "80.5" is not a port number (0-65535)' },
    { title: 'a bad duration', text: 'connectTimeout: soon\n', message: 'gateway.yaml:1:1: connectTimeout: "soon" is not a time from 1 ms to 2147483647 ms (milliseconds, or with ms, s, min or h)' },
    { title: 'a bad rule, at its list entry', text: 'allow:\n  - x:1\n  - nonsense\n', message: 'gateway.yaml:3:5: allow[1]: invalid rule "nonsense": is missing a port; expected HOST:PORT, e.g. example.com:443 or example.com:*' },
    { title: 'a bad origin', text: 'allowOrigins: [app.example.com]\n', message: 'gateway.yaml:1:16: allowOrigins[0]: "app.example.com" is not an origin; expected scheme://host[:port], e.g. https://app.example.com' },
    { title: 'an unknown key, with the closest one', text: 'allow: [x:1]\nmaxSesions: 3\n', message: 'gateway.yaml:2:1: maxSesions: unknown option; did you mean maxSessions?' },
    { title: 'an unknown key in limits', text: 'limits:\n  maxStream: 3\n', message: 'gateway.yaml:2:3: limits.maxStream: unknown option; did you mean limits.maxStreams?' },
    { title: 'an unknown key far from any', text: 'colour: blue\n', message: 'gateway.yaml:1:1: colour: unknown option (the keys are createGateway()\'s option names)' },
    { title: 'a flag name instead of the option name', text: 'max-streams: 3\n', message: 'gateway.yaml:1:1: max-streams: unknown option; the file uses createGateway()\'s names: limits.maxStreams' },
    { title: 'a limit outside limits:', text: 'streamWindow: 64KiB\n', message: 'gateway.yaml:1:1: streamWindow: unknown option; it belongs under limits:' },
    { title: 'limit: for limits:', text: 'limit:\n  maxStreams: 3\n', message: 'gateway.yaml:1:1: limit: unknown option; did you mean limits?' },
    { title: '--config itself is not a key', text: 'config: other.yaml\n', message: 'gateway.yaml:1:1: config: unknown option (the keys are createGateway()\'s option names)' },
    { title: 'a list where text belongs', text: 'host: [a, b]\n', message: 'gateway.yaml:1:1: host: must be text, got a list' },
    { title: 'text where a switch belongs', text: 'quiet: yes please\n', message: 'gateway.yaml:1:1: quiet: must be true or false, got "yes please"' },
    { title: 'a key without a value', text: 'allow:\n', message: 'gateway.yaml:1:1: allow: has no value' },
    { title: 'limits that are not a mapping', text: 'limits: 5\n', message: 'gateway.yaml:1:9: limits: must be a mapping of limit names to values, got 5' },
    { title: 'a file that is not a mapping', text: '- allow\n', message: 'gateway.yaml:1:1: the file must be a mapping of option names to values, e.g. "allow: [\'localhost:5432\']"' },
    { title: 'an empty file', text: '# nothing\n', message: 'gateway.yaml:1:1: the configuration file is empty' },
    { title: 'a key given twice', text: 'allow: [x:1]\nport: 1\nallow: [y:2]\n', message: 'gateway.yaml:3:1: allow: given more than once' },
    { title: 'a YAML syntax error', text: 'allow: [x:1\nport: 2\n', message: 'gateway.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]' },
    { title: 'a JSON syntax error, with its line', text: '{\n  "allow": ["x:1"],\n  "limits": { "maxStreams": }\n}\n', name: 'gateway.json', message: 'gateway.json:3:29: not valid JSON: Unexpected token \'}\'' },
    { title: 'a JSON trailing comma', text: '{\n  "allow": ["x:1"],\n}\n', name: 'gateway.json', message: 'gateway.json:3:1: not valid JSON: Expected double-quoted property name' },
    { title: 'a JSON comment (YAML would take it)', text: '{ "allow": ["x:1"] } # no\n', name: 'gateway.json', message: 'gateway.json:1:22: not valid JSON: Unexpected non-whitespace character after JSON' },
    { title: 'tokenSecret: { env } not set', text: 'tokenSecret: { env: GW_SECRET }\n', message: 'gateway.yaml:1:16: tokenSecret.env: the environment variable GW_SECRET is not set' },
    { title: 'tokenSecret: { file } missing', text: 'tokenSecret: { file: /run/secrets/none }\n', message: 'gateway.yaml:1:16: tokenSecret.file: cannot read /run/secrets/none: ENOENT' },
    { title: 'tokenSecret: a short secret by reference', text: 'tokenSecret: { env: GW_SECRET }\n', env: { GW_SECRET: 'short' }, message: 'gateway.yaml:1:16: tokenSecret.env: the token secret must be at least 32 bytes (e.g. `openssl rand -base64 32`)' },
    { title: 'tokenSecret: an unknown reference', text: 'tokenSecret: { vault: x }\n', message: 'gateway.yaml:1:16: tokenSecret: must be { file: PATH } or { env: NAME } (or, not recommended, the secret itself)' },
  ];
  for (const { title, text, message, name, env } of cases) {
    test(title, () => fails(text, message, name, env));
  }

  test('an alias as a value is refused (no expansion)', () => {
    fails('host: &h 127.0.0.1\npath: *h\n', 'gateway.yaml:2:7: path: YAML aliases are not supported here; write the value out');
  });

  test('a missing file names the file', () => {
    assert.throws(() => readConfigFile('/nonexistent/gateway.yaml', {}), { code: CLI_USAGE_CODE, message: /^\/nonexistent\/gateway\.yaml: cannot read the configuration file: ENOENT/ });
  });
});

describe('config file: precedence flag > environment > file > default', () => {
  const file = (text: string) => () => load(text).values;
  const parse = (argv: readonly string[], env: GatewayEnv, text: string): GatewayRunOptions => {
    const options = parseGatewayArgs(['--config', 'gateway.yaml', ...argv], env, file(text));
    assert.ok(!options.help && !options.version);
    return options;
  };
  const text = 'port: 7000\nallow: [file.example:1]\nmaxSessions: 50\nlimits: { maxStreams: 9 }\nopenRate: 3\nquiet: true\n';

  test('the file over the defaults', () => {
    const options = parse([], {}, text);
    assert.deepEqual([options.port, rulesText(options.allow), options.maxSessions, options.maxStreams, options.openRate, options.quiet], [7000, ['file.example:1'], 50, 9, 3, true]);
    assert.equal(options.host, '127.0.0.1', 'what the file leaves out keeps its default');
  });

  test('the environment over the file', () => {
    const options = parse([], { SOCKWAY_PORT: '7100', SOCKWAY_ALLOW: 'env.example:1', SOCKWAY_MAX_SESSIONS: '60' }, text);
    assert.deepEqual([options.port, rulesText(options.allow), options.maxSessions, options.maxStreams], [7100, ['env.example:1'], 60, 9]);
  });

  test('an empty variable counts as unset: the file applies', () => {
    const options = parse([], { SOCKWAY_ALLOW: '', SOCKWAY_PORT: ' ' }, text);
    assert.deepEqual([options.port, rulesText(options.allow)], [7000, ['file.example:1']]);
  });

  test('flags over the environment and the file', () => {
    const options = parse(['--port', '7200', '--allow', 'flag.example:1', '--max-streams', '11'], { SOCKWAY_PORT: '7100', SOCKWAY_ALLOW: 'env.example:1' }, text);
    assert.deepEqual([options.port, rulesText(options.allow), options.maxSessions, options.maxStreams], [7200, ['flag.example:1'], 50, 11]);
  });

  test('SOCKWAY_CONFIG names the file; --config wins over it', () => {
    const read: string[] = [];
    const reader = (path: string) => {
      read.push(path);
      return load(text).values;
    };
    parseGatewayArgs([], { SOCKWAY_CONFIG: 'env.yaml' }, reader);
    parseGatewayArgs(['--config', 'flag.yaml'], { SOCKWAY_CONFIG: 'env.yaml' }, reader);
    assert.deepEqual(read, ['env.yaml', 'flag.yaml']);
  });

  test('the file lands under createGateway()\'s names; its openBurst wins over the CLI\'s twice openRate', () => {
    const options = gatewayOptionsOf(parse([], {}, `${text}openBurst: 5\nmaxListeners: 2\n`));
    assert.deepEqual([options.maxSessions, options.limits?.maxStreams, options.openRate, options.openBurst, options.maxListeners], [50, 9, 3, 5, 2]);
    assert.equal(gatewayOptionsOf(parse([], {}, text)).openBurst, 6, 'without one, twice openRate as for the flag');
  });

  test('no allow anywhere: the usage error says where rules may go', () => {
    assert.throws(() => parseGatewayArgs(['--config', 'gateway.yaml'], {}, file('maxSessions: 5\n')), { code: CLI_USAGE_CODE, message: /or list them under allow: in gateway\.yaml/ });
  });
});

describe('the configuration file in docs/gateway.md', () => {
  const docs = readFileSync(new URL('../docs/gateway.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('\n## Configuration file\n'), docs.indexOf('\n## Library\n'));

  test('its example validates (its secret by file reference, no warning) and makes a gateway', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(example !== undefined, 'a ```yaml block in the Configuration file section');
    const asked: string[] = [];
    const { values, warnings } = load(example, 'gateway.yaml', {}, (path) => {
      asked.push(path);
      return `${SECRET}\n`;
    });
    assert.deepEqual(asked, ['/run/secrets/sockway-token']);
    assert.deepEqual(warnings, []);
    const options = parseGatewayArgs(['--config', 'gateway.yaml'], {}, () => values);
    assert.ok(!options.help && !options.version);
    const gateway = createGateway(gatewayOptionsOf(options));
    void gateway.close();
  });

  test('it names every option a reload changes', () => {
    for (const key of RELOADABLE_OPTIONS) assert.ok(section.includes(`\`${key}\``), `the reload paragraph of docs/gateway.md names ${key}`);
  });
});
