/**
 * net.isIP / isIPv4 / isIPv6 over hundreds of inputs: a hand-picked table of
 * edge cases, deterministic mutations of valid addresses, and non-string inputs
 * (coerced to strings as Node does; a Symbol throws).
 */
import { type Scenario, scenario } from '../harness.ts';

/** Hand-picked edge cases. */
const TABLE: string[] = [
  "127.0.0.1",
  "0.0.0.0",
  "255.255.255.255",
  "256.0.0.1",
  "1.2.3",
  "1.2.3.4.5",
  "01.2.3.4",
  "1.02.3.4",
  "1.2.3.04",
  "0.0.0.00",
  "1.2.3.4 ",
  " 1.2.3.4",
  "1.2.3.4\\n",
  "1..3.4",
  ".1.2.3",
  "1.2.3.",
  "-1.2.3.4",
  "1.2.3.-4",
  "1.2.3.a",
  "0x7f.0.0.1",
  "127.1",
  "2130706433",
  "1e2.0.0.1",
  "\uff11.2.3.4",
  "192.168.0.255",
  "10.0.0.1",
  "249.250.251.252",
  "25.0.0.0",
  "100.200.199.99",
  "99.9.9.9",
  "::",
  "::1",
  "::ffff:127.0.0.1",
  "::ffff:127.0.0.256",
  "1::",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7::",
  "::2:3:4:5:6:7:8",
  "1::8",
  "1:2::8",
  "1:2:3:4:5:6::8",
  "1:2:3:4:5:6:7",
  ":1:2:3:4:5:6:7",
  "1:2:3:4:5:6:7:",
  "1::2::3",
  ":::",
  "1:::2",
  "fe80::1%eth0",
  "fe80::1%",
  "fe80::1%eth0%1",
  "fe80::1%en0.1",
  "fe80::1%a:b",
  "fe80::1%a_b",
  "fe80::1% ",
  "FE80::ABCD",
  "fE80::aBcD",
  "12345::1",
  "g::1",
  "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5:1.2.3.4",
  "::1.2.3.4",
  "::ffff:1.2.3",
  "1:2:3:4:5:6:7:1.2.3.4",
  "[::1]",
  "::1]",
  "2001:db8::",
  "2001:0db8:0000:0000:0000:0000:0000:0001",
  "2001:db8:0:0:0:0:2:1",
  "0:0:0:0:0:0:0:0",
  "0000:0000:0000:0000:0000:0000:0000:0000",
  "00000::1",
  "::ffff:0.0.0.0",
  "64:ff9b::1.2.3.4",
  "::1 ",
  " ::1",
  "1::2:3:4:5:6:7",
  "1:2::3:4:5:6:7",
  "a:b:c:d:e:f:0:1",
  "::ffff:01.2.3.4",
  "fe80:0:0:0:200:f8ff:fe21:67cf",
  "2001:db8::1/64",
  "::/0",
  "localhost",
  "example.com",
  "",
  "  ",
  "0",
  "1",
  "-",
  "%",
  ":",
  "::%1",
  "::1%1",
  "1.2.3.4%eth0",
  "1::1.2.3.4%x",
];

const SEEDS = ['127.0.0.1', '192.168.1.254', '::1', '2001:db8::8a2e:370:7334', '::ffff:10.0.0.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8'];
const ALPHABET = '0123456789abcdefgABCDEF:.%x -';

/** Deterministic mutations (delete, duplicate, replace one character) of valid addresses. */
function mutations(): string[] {
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const out: string[] = [];
  for (const base of SEEDS) {
    for (let k = 0; k < 30; k++) {
      const i = random(base.length);
      const op = random(3);
      const c = ALPHABET[random(ALPHABET.length)] as string;
      if (op === 0) out.push(base.slice(0, i) + base.slice(i + 1));
      else if (op === 1) out.push(base.slice(0, i) + base[i] + base.slice(i));
      else out.push(base.slice(0, i) + c + base.slice(i + 1));
    }
  }
  return out;
}

/** Inputs that are not strings. */
const NON_STRINGS: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['0', 0],
  ['127', 127],
  ['true', true],
  ['{}', {}],
  ['[]', []],
  ["['127.0.0.1']", ['127.0.0.1']],
  ["['::1']", ['::1']],
  ['{toString: () => "127.0.0.1"}', { toString: () => '127.0.0.1' }],
  ['{toString: () => "::1"}', { toString: () => '::1' }],
  ['new String("::1")', new String('::1')],
  ['NaN', NaN],
  ['Symbol()', Symbol('x')],
];

type Check = 'isIP' | 'isIPv4' | 'isIPv6';

function checkAll(check: Check): Scenario['run'] {
  return async (net, { t }) => {
    const fn = net[check] as (input: unknown) => unknown;
    const results: string[] = [];
    for (const input of [...TABLE, ...mutations()]) results.push(`${JSON.stringify(input)}=${String(fn(input))}`);
    t.note(`${check} strings (${results.length})`, results.join(' '));
    for (const [label, input] of NON_STRINGS) t.try(`${check}(${label})`, () => fn(input));
    t.note('arity', fn.length);
  };
}

export const ipScenarios: Scenario[] = [
  scenario('isIP', 'net.isIP over the table, mutations and non-strings', checkAll('isIP')),
  scenario('isIP', 'net.isIPv4 over the table, mutations and non-strings', checkAll('isIPv4')),
  scenario('isIP', 'net.isIPv6 over the table, mutations and non-strings', checkAll('isIPv6')),
  scenario('isIP', 'module surface: functions, defaults of autoSelectFamily', async (net, { t }) => {
    const names = ['connect', 'createConnection', 'createServer', 'isIP', 'isIPv4', 'isIPv6', 'Socket', 'Stream', 'Server',
      'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout', 'setDefaultAutoSelectFamilyAttemptTimeout'];
    t.note('types', names.map((n) => `${n}:${typeof net[n]}`).join(' '));
    const get = net['getDefaultAutoSelectFamily'] as () => boolean;
    const getTimeout = net['getDefaultAutoSelectFamilyAttemptTimeout'] as () => number;
    t.note('defaults', get(), getTimeout());
    t.note('Socket.name', (net.Socket as unknown as { name: string }).name, 'connect.length', (net.connect as unknown as { length: number }).length);
  }),
];
