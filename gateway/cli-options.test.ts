import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_USAGE_CODE, parseGatewayArgs, USAGE, type GatewayEnv, type GatewayRunOptions } from './cli-options.ts';

type Options = GatewayRunOptions;

function parse(argv: readonly string[], env: GatewayEnv = {}): Options {
  const options = parseGatewayArgs(argv, env);
  assert.ok(!options.help && !options.version, 'expected options, got help or version');
  return options as Options;
}

describe('parseGatewayArgs: valid command lines', () => {
  const cases: readonly {
    title: string;
    argv: readonly string[];
    env?: GatewayEnv;
    expect: Partial<Omit<Options, 'allow' | 'deny'>> & { allow?: readonly string[]; deny?: readonly string[] };
    absent?: readonly ('maxStreams' | 'window')[];
  }[] = [
    {
      title: 'defaults with one --allow',
      argv: ['--allow', 'localhost:5432'],
      expect: { port: 8080, host: '127.0.0.1', path: '/', allow: ['localhost:5432'], deny: [], quiet: false },
      absent: ['maxStreams', 'window'],
    },
    {
      title: '--flag value form for every option',
      argv: ['--port', '9000', '--host', '0.0.0.0', '--path', '/sockway', '--allow', 'a.example:1', '--deny', 'b.example:2', '--max-streams', '64', '--window', '65536', '--quiet'],
      expect: { port: 9000, host: '0.0.0.0', path: '/sockway', allow: ['a.example:1'], deny: ['b.example:2'], maxStreams: 64, window: 65_536, quiet: true },
    },
    {
      title: '--flag=value form for every option',
      argv: ['--port=9000', '--host=0.0.0.0', '--path=/sockway', '--allow=a.example:1', '--deny=b.example:2', '--max-streams=64', '--window=65536'],
      expect: { port: 9000, host: '0.0.0.0', path: '/sockway', allow: ['a.example:1'], deny: ['b.example:2'], maxStreams: 64, window: 65_536, quiet: false },
    },
    {
      title: 'repeated --allow and --deny keep their order',
      argv: ['--allow', 'a.example:1', '--allow=b.example:2', '--deny', '10.0.0.0/8:*', '--allow', '[::1]:22', '--deny', '[fd00::/8]:*'],
      expect: { allow: ['a.example:1', 'b.example:2', '[::1]:22'], deny: ['10.0.0.0/8:*', '[fd00::/8]:*'] },
    },
    { title: '--flag=value keeps later "=" in the value', argv: ['--path=/a=b', '--allow', 'x:1'], expect: { path: '/a=b' } },
    { title: 'port 0 picks a free port', argv: ['--port', '0', '--allow', 'x:1'], expect: { port: 0 } },
    { title: 'port 65535 is the highest', argv: ['--port', '65535', '--allow', 'x:1'], expect: { port: 65_535 } },
    { title: 'bracketed IPv6 --host loses its brackets', argv: ['--host', '[::1]', '--allow', 'x:1'], expect: { host: '::1' } },
    { title: 'unbracketed IPv6 --host', argv: ['--host', '::', '--allow', 'x:1'], expect: { host: '::' } },
    { title: '--window with KiB suffix', argv: ['--window', '256KiB', '--allow', 'x:1'], expect: { window: 262_144 } },
    { title: '--window with lower-case mib suffix', argv: ['--window=4mib', '--allow', 'x:1'], expect: { window: 4_194_304 } },
    { title: '--max-streams 1 is the lowest', argv: ['--max-streams', '1', '--allow', 'x:1'], expect: { maxStreams: 1 } },
    { title: '--quiet given twice is still quiet', argv: ['--quiet', '--quiet', '--allow', 'x:1'], expect: { quiet: true } },
    {
      title: 'env SOCKWAY_PORT, SOCKWAY_HOST, SOCKWAY_ALLOW and SOCKWAY_DENY are fallbacks',
      argv: [],
      env: { SOCKWAY_PORT: '7000', SOCKWAY_HOST: '0.0.0.0', SOCKWAY_ALLOW: 'a.example:1, *.b.example:443 ,,10.0.0.0/8:5432', SOCKWAY_DENY: '10.9.0.0/16:*' },
      expect: { port: 7000, host: '0.0.0.0', allow: ['a.example:1', '*.b.example:443', '10.0.0.0/8:5432'], deny: ['10.9.0.0/16:*'] },
    },
    {
      title: 'flags override env',
      argv: ['--port', '9000', '--host', '127.0.0.2', '--allow', 'flag.example:1', '--deny', 'flag.example:2'],
      env: { SOCKWAY_PORT: '7000', SOCKWAY_HOST: '0.0.0.0', SOCKWAY_ALLOW: 'env.example:1', SOCKWAY_DENY: 'env.example:2' },
      expect: { port: 9000, host: '127.0.0.2', allow: ['flag.example:1'], deny: ['flag.example:2'] },
    },
    {
      title: 'empty env values fall back to defaults',
      argv: ['--allow', 'x:1'],
      env: { SOCKWAY_PORT: '', SOCKWAY_HOST: '  ' },
      expect: { port: 8080, host: '127.0.0.1' },
    },
    { title: 'unrelated env is ignored', argv: ['--allow', 'x:1'], env: { PORT: '1', HOST: 'evil' }, expect: { port: 8080, host: '127.0.0.1' } },
    {
      title: 'security flags',
      argv: ['--allow', 'x:1', '--token-secret', 'k'.repeat(32), '--token-audience', 'gw-1', '--allow-origin', 'https://app.example.com/', '--allow-origin', 'https://*.example.org', '--trust-proxy', '2'],
      expect: { tokenSecret: 'k'.repeat(32), tokenAudience: 'gw-1', allowOrigins: ['https://app.example.com', 'https://*.example.org'], trustProxy: 2 },
    },
    {
      title: 'security settings from the environment',
      argv: ['--allow', 'x:1'],
      env: { SOCKWAY_TOKEN_SECRET: 'e'.repeat(40), SOCKWAY_TOKEN_AUDIENCE: 'aud', SOCKWAY_ALLOW_ORIGIN: 'https://a.example, https://b.example' },
      expect: { tokenSecret: 'e'.repeat(40), tokenAudience: 'aud', allowOrigins: ['https://a.example', 'https://b.example'] },
    },
    {
      title: 'limit flags with units',
      argv: ['--allow', 'x:1', '--max-sessions', '10', '--max-sessions-per-client', '2', '--ipv6-client-prefix', '48', '--max-pending-opens', '3', '--open-rate', '5', '--connect-timeout', '5s', '--stream-idle-timeout', '2min', '--session-idle-timeout', '0', '--max-session-buffer', '8MiB', '--memory-budget', '1GiB'],
      expect: { maxSessions: 10, maxSessionsPerClient: 2, ipv6ClientPrefix: 48, maxPendingOpens: 3, openRate: 5, connectTimeout: 5000, streamIdleTimeout: 120_000, sessionIdleTimeout: 0, maxSessionBufferedBytes: 8 * 1024 * 1024, memoryBudget: 1024 * 1024 * 1024 },
    },
    {
      title: 'descriptor flags',
      argv: ['--allow', 'x:1', '--max-tcp-sockets', '5000', '--max-tcp-sockets-per-client', '300', '--max-connections', '2000', '--max-pending-per-address', '0'],
      expect: { maxTcpSockets: 5000, maxTcpSocketsPerClient: 300, maxConnections: 2000, maxPendingConnectionsPerAddress: 0 },
    },
    {
      title: 'resumption flags',
      argv: ['--allow', 'x:1', '--resume-grace', '2min', '--max-replay', '16MiB', '--drain-timeout', '10s'],
      expect: { resumeGracePeriod: 120_000, maxReplayBytes: 16 * 1024 * 1024, drainTimeout: 10_000 },
    },
    { title: 'listen rules alone are enough', argv: ['--allow-listen', '0.0.0.0:8000-8099'], expect: { allow: [] } },
  ];

  for (const { title, argv, env = {}, expect, absent = [] } of cases) {
    test(title, () => {
      const options = parse(argv, env);
      const { allow, deny, ...scalars } = expect;
      for (const [key, value] of Object.entries(scalars)) {
        assert.deepEqual(options[key as keyof Options], value, key);
      }
      if (allow !== undefined) assert.deepEqual(options.allow.map((rule) => rule.text), allow);
      if (deny !== undefined) assert.deepEqual(options.deny.map((rule) => rule.text), deny);
      for (const key of absent) assert.equal(key in options, false, `${key} should be absent`);
    });
  }

  test('rules come back parsed', () => {
    const options = parse(['--allow', '*.Example.com:8000-8999']);
    assert.deepEqual(options.allow[0], {
      text: '*.Example.com:8000-8999',
      host: { type: 'subdomain', suffix: 'example.com' },
      port: { min: 8000, max: 8999 },
    });
  });
});

describe('parseGatewayArgs: --help', () => {
  const cases: readonly { title: string; argv: readonly string[] }[] = [
    { title: '--help alone', argv: ['--help'] },
    { title: '-h alone', argv: ['-h'] },
    { title: '--help wins over a missing --allow', argv: ['--port', '9000', '--help'] },
    { title: '--help wins over an unknown flag', argv: ['--frobnicate', '--help'] },
    { title: '--help wins over a bad value', argv: ['--port', 'abc', '-h'] },
  ];
  for (const { title, argv } of cases) {
    test(title, () => {
      assert.deepEqual(parseGatewayArgs(argv, {}), { help: true });
    });
  }
});

describe('parseGatewayArgs: bad command lines throw usage feedback', () => {
  const cases: readonly { title: string; argv: readonly string[]; env?: GatewayEnv; message: RegExp }[] = [
    { title: 'no --allow and no SOCKWAY_ALLOW', argv: [], message: /no destinations allowed: pass --allow HOST:PORT/ },
    { title: 'only --deny', argv: ['--deny', 'x:1'], message: /no destinations allowed/ },
    { title: 'SOCKWAY_ALLOW with only commas', argv: [], env: { SOCKWAY_ALLOW: ' , ,' }, message: /no destinations allowed/ },
    { title: 'unknown flag', argv: ['--frobnicate', '--allow', 'x:1'], message: /^unknown option --frobnicate \(see --help\)$/ },
    { title: 'typo gets a suggestion', argv: ['--alow', 'x:1'], message: /^unknown option --alow; did you mean --allow\?$/ },
    { title: 'typo with =value gets a suggestion', argv: ['--max-stream=4', '--allow', 'x:1'], message: /did you mean --max-streams\?/ },
    { title: 'single-dash flag', argv: ['-p', '80', '--allow', 'x:1'], message: /unexpected argument "-p"/ },
    { title: 'positional argument', argv: ['8080', '--allow', 'x:1'], message: /unexpected argument "8080"/ },
    { title: 'bare --', argv: ['--', '--allow', 'x:1'], message: /unexpected argument "--"/ },
    { title: 'missing value at the end', argv: ['--allow'], message: /^--allow needs a value, e\.g\. --allow example\.com:443$/ },
    { title: 'missing value before another flag', argv: ['--port', '--allow', 'x:1'], message: /^--port needs a value/ },
    { title: 'empty =value', argv: ['--host=', '--allow', 'x:1'], message: /^--host needs a value/ },
    { title: 'switch with a value', argv: ['--quiet=yes', '--allow', 'x:1'], message: /^--quiet does not take a value$/ },
    { title: 'port not a number', argv: ['--port', 'abc', '--allow', 'x:1'], message: /^--port: "abc" is not a port number \(0-65535\)$/ },
    { title: 'port 65536', argv: ['--port', '65536', '--allow', 'x:1'], message: /^--port: "65536" is not a port number/ },
    { title: 'negative port', argv: ['--port', '-1', '--allow', 'x:1'], message: /^--port: "-1" is not a port number/ },
    { title: 'port in exponent form', argv: ['--port', '8e3', '--allow', 'x:1'], message: /^--port: "8e3"/ },
    { title: 'port with a sign', argv: ['--port=+80', '--allow', 'x:1'], message: /^--port: "\+80"/ },
    { title: 'SOCKWAY_PORT bad value names the variable', argv: ['--allow', 'x:1'], env: { SOCKWAY_PORT: 'http' }, message: /^SOCKWAY_PORT: "http" is not a port number/ },
    { title: 'host with a space', argv: ['--host', 'local host', '--allow', 'x:1'], message: /^--host: "local host" is not a host name/ },
    { title: 'host given as a URL', argv: ['--host', 'http://x', '--allow', 'x:1'], message: /^--host: "http:\/\/x"/ },
    { title: 'path without leading slash', argv: ['--path', 'sockway', '--allow', 'x:1'], message: /^--path: "sockway" must start with "\/"/ },
    { title: 'path with a query', argv: ['--path', '/ws?x=1', '--allow', 'x:1'], message: /^--path: "\/ws\?x=1"/ },
    { title: 'max-streams 0', argv: ['--max-streams', '0', '--allow', 'x:1'], message: /^--max-streams: "0" is not a whole number from 1/ },
    { title: 'max-streams fractional', argv: ['--max-streams', '1.5', '--allow', 'x:1'], message: /^--max-streams: "1.5"/ },
    { title: 'max-streams too large', argv: ['--max-streams', '2147483648', '--allow', 'x:1'], message: /^--max-streams: "2147483648"/ },
    { title: 'window 0', argv: ['--window', '0', '--allow', 'x:1'], message: /^--window: "0" is not a byte count/ },
    { title: 'window with ambiguous k suffix', argv: ['--window', '64k', '--allow', 'x:1'], message: /^--window: "64k" is not a byte count from 16384.*KiB, MiB or GiB suffix/ },
    { title: 'window too large', argv: ['--window', '2048MiB', '--allow', 'x:1'], message: /^--window: "2048MiB"/ },
    { title: '--port given twice', argv: ['--port', '1', '--port', '2', '--allow', 'x:1'], message: /^--port was given more than once$/ },
    { title: 'bad --allow rule names the rule', argv: ['--allow', 'example.com'], message: /^--allow: invalid rule "example\.com": is missing a port/ },
    { title: 'reversed range in --deny', argv: ['--allow', 'x:1', '--deny', 'x:9-1'], message: /^--deny: invalid rule "x:9-1": port range 9-1 is reversed/ },
    { title: 'bad SOCKWAY_ALLOW entry names the variable', argv: [], env: { SOCKWAY_ALLOW: 'ok.example:1,10.0.0.1/8:1' }, message: /^SOCKWAY_ALLOW: invalid rule "10\.0\.0\.1\/8:1": .*host bits set/ },
    { title: 'bad SOCKWAY_DENY entry names the variable', argv: ['--allow', 'x:1'], env: { SOCKWAY_DENY: '127.1:*' }, message: /^SOCKWAY_DENY: invalid rule "127\.1:\*"/ },
    { title: 'short token secret', argv: ['--allow', 'x:1', '--token-secret', 'short'], message: /^--token-secret: the token secret must be at least 32 bytes/ },
    { title: 'short SOCKWAY_TOKEN_SECRET names the variable', argv: ['--allow', 'x:1'], env: { SOCKWAY_TOKEN_SECRET: 'short' }, message: /^SOCKWAY_TOKEN_SECRET: the token secret must be at least 32 bytes/ },
    { title: 'origin with a path', argv: ['--allow', 'x:1', '--allow-origin', 'https://a.example/app'], message: /^--allow-origin: "https:\/\/a\.example\/app" is not an origin/ },
    { title: 'bad listen rule', argv: ['--allow-listen', '0.0.0.0'], message: /^--allow-listen: invalid rule "0\.0\.0\.0": is missing a port/ },
    { title: 'duration with an unknown unit', argv: ['--allow', 'x:1', '--connect-timeout', '5d'], message: /^--connect-timeout: "5d" is not a time/ },
    { title: 'connect timeout 0', argv: ['--allow', 'x:1', '--connect-timeout', '0'], message: /^--connect-timeout: "0" is not a time from 1 ms/ },
    { title: 'trust-proxy too large', argv: ['--allow', 'x:1', '--trust-proxy', '17'], message: /^--trust-proxy: "17" is not a whole number from 0 to 16/ },
    { title: 'max-session-buffer too small', argv: ['--allow', 'x:1', '--max-session-buffer', '1KiB'], message: /^--max-session-buffer: "1KiB" is not a byte count from 65536/ },
    { title: 'max-replay too small', argv: ['--allow', 'x:1', '--max-replay', '64KiB'], message: /^--max-replay: "64KiB" is not a byte count from 262144/ },
  ];
  for (const { title, argv, env = {}, message } of cases) {
    test(`${title}: ${argv.join(' ') || '(no arguments)'}`, () => {
      assert.throws(() => parseGatewayArgs(argv, env), (error: Error & { code?: string }) => {
        assert.equal(error.code, CLI_USAGE_CODE);
        assert.match(error.message, message);
        assert.ok(!error.message.includes('\n'), 'message is one line');
        return true;
      });
    });
  }
});

describe('USAGE', () => {
  const documented = ['--port', '--host', '--path', '--allow', '--deny', '--allow-listen', '--deny-listen', '--token-secret', '--token-audience', '--allow-origin', '--trust-proxy', '--max-streams', '--window', '--max-sessions', '--max-sessions-per-client', '--max-pending-opens', '--max-tcp-sockets', '--max-tcp-sockets-per-client', '--max-connections', '--max-pending-per-address', '--open-rate', '--connect-timeout', '--stream-idle-timeout', '--session-idle-timeout', '--max-session-buffer', '--quiet', '--help', '-h', 'SOCKWAY_PORT', 'SOCKWAY_HOST', 'SOCKWAY_ALLOW', 'SOCKWAY_DENY', 'SOCKWAY_ALLOW_LISTEN', 'SOCKWAY_DENY_LISTEN', 'SOCKWAY_TOKEN_SECRET', 'SOCKWAY_TOKEN_AUDIENCE', 'SOCKWAY_ALLOW_ORIGIN', '--dns-server', 'SOCKWAY_DNS_SERVERS'];
  for (const word of documented) {
    test(`documents ${word}`, () => {
      assert.match(USAGE, new RegExp(`(^|[\\s,])${word.replace(/[-]/g, '\\-')}\\b`, 'm'));
    });
  }

  test('every flag in USAGE is accepted', () => {
    const options = USAGE.slice(USAGE.indexOf('Options:'), USAGE.indexOf('Rules'));
    const flags = [...options.matchAll(/^ {2}(?:-h, )?(--[a-z0-9-]+)/gm)].map((match) => match[1] ?? '');
    const sample: Record<string, string | null> = {
      '--port': '1', '--host': 'h', '--path': '/', '--allow': 'x:1', '--deny': 'x:1', '--allow-listen': '0.0.0.0:8000',
      '--deny-listen': '0.0.0.0:22', '--token-secret': 's'.repeat(32), '--token-audience': 'gw', '--allow-origin': 'https://a.example',
      '--trust-proxy': '1', '--max-streams': '1', '--window': '16KiB', '--max-sessions': '1', '--max-sessions-per-client': '1', '--ipv6-client-prefix': '64', '--instance-id': 'gw-1',
      '--max-pending-opens': '1', '--max-tcp-sockets': '1', '--max-tcp-sockets-per-client': '1', '--max-connections': '1', '--max-pending-per-address': '0', '--open-rate': '1', '--connect-timeout': '1s', '--max-dns-lookups': '1', '--query-timeout': '2s', '--dns-server': '127.0.0.1:5353', '--stream-idle-timeout': '0', '--session-idle-timeout': '5min',
      '--max-session-buffer': '1MiB', '--memory-budget': '64MiB', '--resume-grace': '0', '--max-replay': '1MiB', '--drain-timeout': '10s', '--quiet': null, '--help': null,
      '--config': 'gateway.yaml', '--version': null,
      '--log-level': 'warn', '--admin-port': '9090', '--admin-host': '127.0.0.1', '--metrics': null,
    };
    assert.deepEqual([...flags].sort(), Object.keys(sample).sort());
    for (const flag of flags) {
      const value = sample[flag];
      const argv = value === null || value === undefined ? [flag, '--allow', 'x:1'] : [flag, value, '--allow', 'x:1'];
      // The file --config names is read as empty here (config-file.test.ts reads real ones).
      assert.doesNotThrow(() => parseGatewayArgs(argv, {}, () => new Map()), flag);
    }
  });

  test('every example rule in USAGE parses', () => {
    const examples = [...USAGE.slice(USAGE.indexOf('\nExamples')).matchAll(/--(?:allow|deny) '?([^\s']+)'?/g)].map((match) => match[1] ?? '').filter((text) => text !== 'HOST:PORT');
    assert.ok(examples.length >= 10, `found ${examples.length} examples`);
    for (const text of examples) assert.doesNotThrow(() => parseGatewayArgs(['--allow', text], {}), text);
  });

  test('lines fit in 80 columns', () => {
    for (const line of USAGE.split('\n')) assert.ok(line.length <= 80, `too long (${line.length}): ${line}`);
  });
});

test('--dns-server (repeatable) and SOCKWAY_DNS_SERVERS give the gateway its resolver servers', () => {
  const fromFlags = parseGatewayArgs(['--allow', 'x:1', '--dns-server', '127.0.0.1:5353', '--dns-server', '[::1]:53'], {});
  assert.deepEqual('dnsServers' in fromFlags ? fromFlags.dnsServers : null, ['127.0.0.1:5353', '[::1]:53']);
  const fromEnv = parseGatewayArgs(['--allow', 'x:1'], { SOCKWAY_DNS_SERVERS: '10.0.0.2, 10.0.0.3:5353' });
  assert.deepEqual('dnsServers' in fromEnv ? fromEnv.dnsServers : null, ['10.0.0.2', '10.0.0.3:5353']);
  const none = parseGatewayArgs(['--allow', 'x:1'], {});
  assert.equal('dnsServers' in none, false);
});
