/**
 * Differential tests: isIP / isIPv4 / isIPv6 against node:net on a table of inputs (valid,
 * invalid, non-string) and on a seeded random fuzz of IP-ish strings.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { isIP, isIPv4, isIPv6 } from './ip.ts';

const strings: readonly string[] = [
  // IPv4
  '127.0.0.1', '0.0.0.0', '255.255.255.255', '1.2.3.4', '192.168.0.1', '10.0.0.255', '9.99.199.249',
  '256.0.0.1', '1.2.3.256', '01.2.3.4', '1.02.3.4', '1.2.3.04', '00.0.0.0', '0.0.0.00', '1.2.3', '1.2.3.4.5',
  '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '\n1.2.3.4', '1.2.3.-1', '1.2.3.+1',
  '0x7f.0.0.1', '1e2.0.0.1', '١.٢.٣.٤', '１.２.３.４', '2130706433', '127.1', '1.2.3.4%eth0', '300.300.300.300',
  '249.250.251.252', '199.200.201.1', '25.255.26.256',
  // IPv6
  '::', '::1', '1::', '::ffff:127.0.0.1', '::ffff:7f00:1', '2001:db8::1', '2001:DB8::ABCD', 'fe80::1%eth0',
  'fe80::1%', 'fe80::1%eth 0', 'fe80::1%en0.1-a:b', 'fe80::1%%', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::3:4:5:6:7:8', '1:2:3:4:5:6::8', '1::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5::1.2.3.4', '::1.2.3.4', '::1:2:3:4:5:1.2.3.4', '::1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4', '1::1.2.3.4', '1::01.2.3.4', '1:2:3:4:5:6:7:1.2.3.4%x', ':::', '1:::2', '::1::',
  '12345::', '0000::', '00000::', 'g::1', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', ':', '1', '[::1]', '::1/128',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:255.255.255.255', '::ffff:256.1.1.1',
  '0:0:0:0:0:0:0:0', '0::0', '1:2::3:4::5', 'fe80::1%eth0%eth1', '%eth0', '::%1', '::1 ', ' ::1',
  // Other
  '', ' ', 'localhost', 'example.com', 'a.b.c.d', 'undefined', 'null', '[object Object]',
];

const nonStrings: readonly [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['true', () => true],
  ['2130706433 (number)', () => 2130706433],
  ['1.5 (number)', () => 1.5],
  ['NaN', () => NaN],
  ['10n', () => 10n],
  ["['127.0.0.1'] (array coerces)", () => ['127.0.0.1']],
  ['[1, 2, 3, 4]', () => [1, 2, 3, 4]],
  ["{ toString: () => '::1' }", () => ({ toString: () => '::1' })],
  ["{ toString: () => '10.0.0.1' }", () => ({ toString: () => '10.0.0.1' })],
  ['{}', () => ({})],
  ['Object.create(null) (no toString: TypeError)', () => Object.create(null)],
  ["Symbol('1.2.3.4') (TypeError)", () => Symbol('1.2.3.4')],
  ["new String('1.2.3.4')", () => new String('1.2.3.4')],
  ['{ toString() { throw } }', () => ({ toString() { throw new Error('boom'); } })],
];

type Outcome = { value: unknown } | { error: string };

function outcome(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function assertSame(input: () => unknown): void {
  assert.deepEqual(outcome(() => isIP(input())), outcome(() => net.isIP(input() as string)));
  assert.deepEqual(outcome(() => isIPv4(input())), outcome(() => net.isIPv4(input() as string)));
  assert.deepEqual(outcome(() => isIPv6(input())), outcome(() => net.isIPv6(input() as string)));
}

describe('isIP / isIPv4 / isIPv6 match node:net (strings)', () => {
  for (const input of strings) {
    it(`isIP(${JSON.stringify(input)}) === ${net.isIP(input)}`, () => {
      assertSame(() => input);
    });
  }
});

describe('isIP / isIPv4 / isIPv6 match node:net (non-strings: coerced to string)', () => {
  for (const [label, make] of nonStrings) {
    it(`isIP(${label})`, () => {
      assertSame(make);
    });
  }

  it('calls toString once per check, as Node does', () => {
    let ours = 0;
    let theirs = 0;
    isIP({ toString: () => (ours++, 'nope') });
    net.isIP({ toString: () => (theirs++, 'nope') } as unknown as string);
    assert.equal(ours, theirs);
  });
});

describe('isIP fuzz against node:net', () => {
  // Deterministic xorshift so a failure reproduces.
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const alphabet = '0123456789abcdefABCDEFg:.%-z ';
  const pieces = ['', '0', '1', '00', '01', '255', '256', 'ff', 'FFFF', 'fffff', '1.2.3.4', '01.2.3.4', '::', ':', '%eth0', '%'];

  it('60000 random and structured strings agree', () => {
    const mismatches: string[] = [];
    for (let i = 0; i < 60000; i++) {
      let input = '';
      if (i % 2 === 0) {
        const length = Math.floor(random() * 40);
        for (let j = 0; j < length; j++) input += pick([...alphabet]);
      } else {
        const parts = 1 + Math.floor(random() * 10);
        for (let j = 0; j < parts; j++) input += pick(pieces) + (random() < 0.7 ? ':' : random() < 0.5 ? '.' : '');
      }
      if (isIP(input) !== net.isIP(input)) mismatches.push(input);
    }
    assert.deepEqual(mismatches, []);
  });
});
