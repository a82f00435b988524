/**
 * Address normalisation and special-range classification (address.ts), including a
 * differential test of the IPv4 notations against the WHATWG URL host parser.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type AddressCategory, SPECIAL_RANGES, clientKey, formatIp, normalizeHost, parseResolvedAddress, specialRange } from './address.ts';

describe('normalizeHost: every notation of an address is its canonical form', () => {
  const cases: readonly [host: string, address: string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0X7F.0.0.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['127.000.000.001', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['010.0.0.1', '8.0.0.1'],
    ['0xa9fea9fe', '169.254.169.254'],
    ['2852039166', '169.254.169.254'],
    ['4294967295', '255.255.255.255'],
    ['0', '0.0.0.0'],
    ['1.2.3.', '1.2.0.3'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['[::FFFF:7F00:1]', '127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:0001', '127.0.0.1'],
    ['::127.0.0.1', '127.0.0.1'],
    ['::7f00:1', '127.0.0.1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]', 'fe80::1'],
    ['FD12:3456::1', 'fd12:3456::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['64:ff9b::127.0.0.1', '64:ff9b::7f00:1'],
  ];
  for (const [host, address] of cases) {
    test(`${JSON.stringify(host)} is ${address}`, () => {
      const normalized = normalizeHost(host);
      assert.equal(normalized.kind, 'ip');
      assert.equal(normalized.kind === 'ip' && normalized.address, address);
    });
  }

  const names: readonly [host: string, name: string][] = [
    ['localhost', 'localhost'],
    ['LocalHost.', 'localhost'],
    ['Example.COM', 'example.com'],
    ['_srv.my-host.example', '_srv.my-host.example'],
    ['1e3', '1e3'],
    ['0x1g', '0x1g'],
  ];
  for (const [host, name] of names) {
    test(`${JSON.stringify(host)} is the name ${name}`, () => {
      assert.deepEqual(normalizeHost(host), { kind: 'name', name });
    });
  }

  const invalid: readonly string[] = [
    '', '1.2.3.4.5', '256.0.0.1', '4294967296', '08.1.1.1', '0x', 'foo.0x', '1..2', '127.0.0.1 ', ' 127.0.0.1',
    '127.0.0.1\u0000', '[127.0.0.1]', '[example.com]', '::1]', '1::2::3', '::ffff:0177.0.0.1', '::ffff:0x7f.0.0.1', 'fe80::1%',
    'fe80::1%eth0/24', 'exa mple.com', 'exämple.com', 'ｌｏｃａｌｈｏｓｔ', 'a..b', 'example.com..', `${'a.'.repeat(128)}com`,
  ];
  for (const host of invalid) {
    test(`${JSON.stringify(host)} is invalid`, () => {
      assert.equal(normalizeHost(host).kind, 'invalid');
    });
  }
});

describe('normalizeHost: IPv4 notations agree with the WHATWG URL parser', () => {
  const octet = fc.oneof(
    fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => String(n)),
    fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => `0x${n.toString(16)}`),
    fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => `0${n.toString(8)}`),
    fc.integer({ min: 0, max: 255 }).map((n) => String(n)),
    fc.constantFrom('0', '00', '0x', '08', '09', '0x0', '1e1', ''),
  );
  const host = fc.array(octet, { minLength: 1, maxLength: 5 }).chain((parts) =>
    fc.boolean().map((dot) => `${parts.join('.')}${dot ? '.' : ''}`));

  test('an IPv4 host we accept means the same address to WHATWG; one we refuse is never a different address', () => {
    fc.assert(
      fc.property(host, (text) => {
        const ours = normalizeHost(text);
        let whatwg: string | undefined;
        try {
          whatwg = new URL(`http://${text}/`).hostname;
        } catch {
          whatwg = undefined;
        }
        if (ours.kind === 'ip') {
          assert.equal(ours.address, whatwg, `${text}: ours ${ours.address}, WHATWG ${String(whatwg)}`);
        } else if (ours.kind === 'name') {
          // A name to us is a name to WHATWG too: neither reads it as an address.
          assert.equal(whatwg?.replace(/\.$/, ''), ours.name, `${text}: a name to us, ${String(whatwg)} to WHATWG`);
        }
        // Refusing is always safe (we refuse "0x", which WHATWG reads as 0.0.0.0).
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('specialRange: the special-purpose registries', () => {
  const cases: readonly [address: string, category: AddressCategory | undefined][] = [
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['10.1.2.3', 'private'], ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'], ['100.128.0.0', undefined], ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['172.32.0.0', undefined],
    ['192.0.0.8', 'reserved'], ['192.0.2.1', 'documentation'], ['192.88.99.1', 'reserved'], ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'], ['198.51.100.7', 'documentation'], ['203.0.113.9', 'documentation'], ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'broadcast'], ['8.8.8.8', undefined],
    ['93.184.215.14', undefined], ['::', 'unspecified'], ['::1', 'loopback'], ['::2', 'reserved'], ['100::1', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'link-local'], ['64:ff9b::808:808', undefined], ['64:ff9b:1::1', 'private'],
    ['2001::1', 'reserved'], ['2001:db8::1', 'documentation'], ['2002:7f00:1::1', 'reserved'], ['3fff::1', 'documentation'],
    ['5f00::1', 'reserved'], ['2606:4700::1111', undefined], ['fc00::1', 'private'], ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'], ['febf::1', 'link-local'], ['fec0::1', 'private'], ['ff02::1', 'multicast'], ['4000::1', 'reserved'],
    ['8000::1', 'reserved'],
  ];
  for (const [address, category] of cases) {
    test(`${address}: ${category ?? 'global unicast'}`, () => {
      const ip = parseResolvedAddress(address);
      assert.ok(ip, address);
      assert.equal(specialRange(ip)?.category, category);
    });
  }

  test('the table is sorted most specific first and every block is canonical', () => {
    for (let i = 1; i < SPECIAL_RANGES.length; i += 1) {
      assert.ok((SPECIAL_RANGES[i - 1]?.prefix ?? 0) >= (SPECIAL_RANGES[i]?.prefix ?? 0));
    }
    for (const range of SPECIAL_RANGES) {
      assert.equal(formatIp(range), range.cidr.replace(/^\[|\/\d+\]?$/g, ''));
    }
  });
});

describe('clientKey: what per-client limits count', () => {
  test('IPv4 by address, IPv4-mapped as IPv4, IPv6 by /56 by default', () => {
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '[2001:db8:1::/56]');
    assert.equal(clientKey('2001:db8:1:2ff:ffff::1'), '[2001:db8:1:200::/56]');
    assert.notEqual(clientKey('2001:db8:1:100::1'), clientKey('2001:db8:1:2::1'));
    assert.equal(clientKey('not an address'), 'not an address');
  });

  test('one /56 is one client: its /64s cannot multiply the per-client limit (the /59 of 32 /64s attack)', () => {
    // A subscriber's /56 holds 256 /64s: counted per /64, one /59 made 32 clients.
    const keys = new Set<string>();
    for (let subnet = 0; subnet < 32; subnet += 1) keys.add(clientKey(`2001:db8:0:${(0xe0 + subnet).toString(16)}::1`));
    assert.equal(keys.size, 1);
    assert.equal(clientKey('2001:db8:0:1ff::1'), clientKey('2001:db8:0:100::2'));
  });

  test('the IPv6 prefix is configurable (32..128)', () => {
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6', 64), '[2001:db8:1:2::/64]');
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6', 48), '[2001:db8:1::/48]');
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6', 128), '[2001:db8:1:2:3:4:5:6/128]');
    assert.equal(clientKey('192.0.2.7', 48), '192.0.2.7', 'IPv4 is counted by address whatever the prefix');
  });
});
