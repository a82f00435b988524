/**
 * The options schema is the one source: the CLI and createGateway() accept and refuse
 * the same values, each flag has its environment variable, the defaults are the
 * schema's, and docs/gateway.md and SECURITY.md contain exactly the generated help and
 * limits table (node --import tsx scripts/options-doc.ts usage|limits prints them).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CLI_USAGE_CODE, type GatewayRunOptions, gatewayOptionsOf, parseGatewayArgs } from './cli-options.ts';
import { createGateway } from './gateway.ts';
import type { GatewayOptions } from './gateway.ts';
import { LIMIT_DOCS, USAGE, limitsTable } from './options-doc.ts';
import { DEFAULT_GATEWAY_LIMITS, type OptionKey, type OptionSpec, envName, optionEntries, resolveGatewayOptions } from './options-schema.ts';

type Cli = GatewayRunOptions;

const doc = (name: string): string => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

/** Parses `argv` after an --allow rule (an --allow-listen rule with `listenRule`, to leave --allow free). */
function cli(argv: readonly string[], env: Record<string, string> = {}, listenRule = false): Cli {
  // The configuration file (--config, SOCKWAY_CONFIG) is read as empty: config-file.test.ts reads real ones.
  const options = parseGatewayArgs([...(listenRule ? ['--allow-listen', '0.0.0.0:1'] : ['--allow', 'x:1']), ...argv], env, () => new Map());
  assert.ok(!options.help && !options.version);
  return options as Cli;
}

/** createGateway() options with `value` under the spec's option name ('limits.x' nests). */
function libraryOptions(spec: OptionSpec, value: unknown): GatewayOptions {
  const name = spec.option ?? '';
  const options = name.startsWith('limits.') ? { limits: { [name.slice('limits.'.length)]: value } } : { [name]: value };
  return { allow: [], ...options } as GatewayOptions;
}

const numeric = optionEntries().flatMap(([key, spec]) =>
  spec.kind === 'count' || spec.kind === 'duration' || spec.kind === 'bytes' || spec.kind === 'port' ? [[key, spec, spec.min, spec.max] as const] : [],
);

describe('the documents contain what the schema generates', () => {
  test('docs/gateway.md and SECURITY.md contain the limits table verbatim', () => {
    const table = limitsTable();
    for (const name of ['docs/gateway.md', 'SECURITY.md']) {
      assert.ok(doc(name).includes(table), `${name} does not contain the limits table; paste the output of node --import tsx scripts/options-doc.ts limits:\n\n${table}`);
    }
  });

  test('docs/gateway.md contains --help verbatim', () => {
    assert.ok(doc('docs/gateway.md').includes(`\`\`\`\n${USAGE}\`\`\``), 'docs/gateway.md does not contain USAGE; paste the output of node --import tsx scripts/options-doc.ts usage');
  });

  test('every gateway limit has a row, and every row a default and a result', () => {
    const options = LIMIT_DOCS.flatMap((row) => row.option.split(', '));
    for (const key of Object.keys(DEFAULT_GATEWAY_LIMITS)) assert.ok(options.includes(key), `no row for ${key}`);
    for (const row of LIMIT_DOCS) assert.ok(row.default !== '' && row.result !== '', row.limit);
  });
});

describe('the schema', () => {
  test('flags and environment variables are unique; flags have help, value options a metavar', () => {
    const flags = optionEntries().flatMap(([, spec]) => (spec.flag === undefined ? [] : [spec.flag]));
    const variables = optionEntries().flatMap(([, spec]) => envName(spec) ?? []);
    assert.equal(new Set(flags).size, flags.length);
    assert.equal(new Set(variables).size, variables.length);
    for (const [key, spec] of optionEntries()) {
      if (spec.flag === undefined) continue;
      assert.ok(spec.help !== undefined && spec.help !== '', `${key}: help`);
      if (spec.kind !== 'switch') assert.ok(spec.metavar !== undefined, `${key}: metavar`);
    }
  });

  test('every numeric default lies within its bounds', () => {
    for (const [key, spec, min, max] of numeric) {
      for (const value of [spec.default, spec.cliDefault]) {
        if (value === undefined) continue;
        assert.equal(typeof value, 'number', key);
        assert.ok((value as number) >= min && (value as number) <= max, `${key}: ${String(value)} not in ${min}..${max}`);
      }
    }
  });
});

describe('the CLI and createGateway() take the same values', () => {
  for (const [key, spec, min, max] of numeric) {
    const label = [spec.flag, spec.option].filter((name) => name !== undefined).join(' / ');
    test(`${label}: ${min} to ${max}`, () => {
      if (spec.flag !== undefined) {
        const flag = spec.flag;
        assert.equal(cli([flag, String(min)])[key as keyof Cli], min, `${flag} ${min}`);
        assert.equal(cli([flag, String(max)])[key as keyof Cli], max, `${flag} ${max}`);
        for (const bad of [String(min - 1), String(max + 1), `${min}.5`]) {
          assert.throws(() => cli([flag, bad]), (error: Error & { code?: string }) => error.code === CLI_USAGE_CODE && error.message.startsWith(`${flag}: ${JSON.stringify(bad)} is not`), `${flag} ${bad}`);
        }
      }
      if (spec.option !== undefined) {
        const name = spec.option;
        assert.doesNotThrow(() => resolveGatewayOptions(libraryOptions(spec, min)), `${name}: ${min}`);
        assert.doesNotThrow(() => resolveGatewayOptions(libraryOptions(spec, max)), `${name}: ${max}`);
        for (const bad of [min - 1, max + 1, min + 0.5, String(min)]) {
          assert.throws(() => resolveGatewayOptions(libraryOptions(spec, bad)), (error: Error & { code?: string }) =>
            error.code === 'ERR_INVALID_ARG_VALUE' && error.message.startsWith(`${name} must be an integer`) && error.message.includes(`from ${min} to ${max}, got ${String(bad)}`), `${name}: ${String(bad)}`);
        }
      }
    });
  }

  test('createGateway() refuses through the same checks (RangeError, ERR_INVALID_ARG_VALUE)', () => {
    assert.throws(() => createGateway({ allow: [], limits: { streamWindow: 1024 } }), { name: 'RangeError', code: 'ERR_INVALID_ARG_VALUE', message: 'limits.streamWindow must be an integer number of bytes from 16384 to 2147483647, got 1024' });
    assert.throws(() => createGateway({ allow: [], trustProxy: 17 }), { code: 'ERR_INVALID_ARG_VALUE', message: 'trustProxy must be an integer number of proxies from 0 to 16, got 17' });
    assert.throws(() => createGateway({ allow: [], connectTimeout: 0 }), { code: 'ERR_INVALID_ARG_VALUE', message: 'connectTimeout must be an integer number of ms from 1 to 2147483647, got 0' });
  });
});

describe('environment variables', () => {
  const samples: Partial<Record<OptionKey, string>> = {
    host: '0.0.0.0', path: '/ws', allow: 'a.example:1', deny: 'b.example:2', allowListen: '127.0.0.1:8000', denyListen: '127.0.0.1:22',
    tokenSecret: 's'.repeat(32), tokenAudience: 'gw', allowOrigins: 'https://a.example', dnsServers: '127.0.0.1:5353', config: 'gateway.yaml',
    logLevel: 'warn', adminHost: '0.0.0.0', instanceId: 'gw-1',
  };
  for (const [key, spec] of optionEntries()) {
    const variable = envName(spec);
    if (variable === undefined || spec.flag === undefined) continue;
    const flag = spec.flag;
    const sample = samples[key] ?? ('min' in spec ? String(spec.min === 0 ? 1 : spec.min) : undefined);
    const listenRule = key === 'allow';
    test(`${variable} stands in for ${flag}; the flag wins`, () => {
      assert.ok(sample !== undefined, `a sample value for ${key}`);
      const fromEnv = cli([], { [variable]: sample }, listenRule)[key as keyof Cli];
      assert.deepEqual(fromEnv, cli([flag, sample], {}, listenRule)[key as keyof Cli], 'the variable reads as the flag does');
      assert.notDeepEqual(fromEnv, cli([], {}, listenRule)[key as keyof Cli], 'the variable changed the value');
      const other = cli([flag, sample], { [variable]: 'not valid' }, listenRule)[key as keyof Cli];
      assert.deepEqual(other, fromEnv, 'the flag wins and the variable is not even read');
    });
  }
});

describe('defaults', () => {
  test('createGateway() without options gets the schema\'s defaults', () => {
    const resolved = resolveGatewayOptions({ allow: [] });
    assert.deepEqual(resolved.gatewayLimits, DEFAULT_GATEWAY_LIMITS);
    assert.deepEqual(resolved.limits, { maxPayload: 65_536, streamWindow: 262_144, maxStreams: 256, idleTimeout: DEFAULT_GATEWAY_LIMITS.sessionIdleTimeout });
    assert.deepEqual(
      { path: resolved.path, trustProxy: resolved.trustProxy, connectTimeout: resolved.connectTimeout, keepaliveInterval: resolved.keepaliveInterval, closeTimeout: resolved.closeTimeout, resumeGracePeriod: resolved.resumeGracePeriod, drainTimeout: resolved.drainTimeout, maxReplayBytes: resolved.maxReplayBytes, maxStreamWindow: resolved.maxStreamWindow },
      { path: '/', trustProxy: 0, connectTimeout: 30_000, keepaliveInterval: 30_000, closeTimeout: 2_000, resumeGracePeriod: 60_000, drainTimeout: 0, maxReplayBytes: 64 * 1024 * 1024, maxStreamWindow: 4 * 1024 * 1024 },
    );
    assert.equal(resolved.maxPendingPerPeer, 32);
    assert.equal(resolveGatewayOptions({ allow: [], trustProxy: 1 }).maxPendingPerPeer, 0, 'behind a proxy: no per-peer cap unless set');
    assert.equal(resolveGatewayOptions({ allow: [], trustProxy: 1, maxPendingConnectionsPerAddress: 5 }).maxPendingPerPeer, 5);
  });

  test('the CLI leaves createGateway()\'s defaults alone, except the drain timeout; flags land under their option names', () => {
    assert.deepEqual(gatewayOptionsOf(cli([])), { allow: cli([]).allow, deny: [], allowListen: [], denyListen: [], path: '/', drainTimeout: 30_000, limits: {} });
    const options = gatewayOptionsOf(cli(['--max-streams', '8', '--window', '64KiB', '--open-rate', '5', '--drain-timeout', '0', '--max-pending-per-address', '3', '--resume-grace', '2min']));
    assert.deepEqual(options.limits, { maxStreams: 8, streamWindow: 65_536 });
    assert.deepEqual([options.openRate, options.openBurst, options.drainTimeout, options.maxPendingConnectionsPerAddress, options.resumeGracePeriod], [5, 10, 0, 3, 120_000]);
  });
});
