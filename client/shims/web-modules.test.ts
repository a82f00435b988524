/**
 * The built-in shims for `querystring`, `url` and `util`: compared with Node's own
 * modules on the same inputs (what the corpus libraries call: amqplib, ldapjs, ldapts).
 */
import assert from 'node:assert/strict';
import * as nodeQuerystring from 'node:querystring';
import * as nodeUrl from 'node:url';
import * as nodeUtil from 'node:util';
import { test } from 'node:test';
import querystring, * as qs from './querystring.ts';
import url, * as urlShim from './url.ts';
import util, * as utilShim from './util.ts';

// Node's unescapeBuffer is public but missing from @types/node.
const nodeUnescapeBuffer = (nodeQuerystring as unknown as { unescapeBuffer(text: string, decodeSpaces?: boolean): Buffer }).unescapeBuffer;

const QUERIES = [
  '',
  'a=1&b=2',
  'a=1&a=2&a=3&b=',
  'frameMax=4096&heartbeat=30&channelMax=0',
  'a+b=c+d&e=%20f%2B',
  'key&=v&&x==y',
  'bad=%E0%A4%A&pct=100%&half=%4',
  'utf8=h%C3%A9llo%20%E2%9C%93&raw=héllo ✓',
  '%2B=%3D&=empty',
  'x=1;y=2',
];

test('querystring.parse: the same objects as Node (repeats, +, malformed escapes, empty parts)', () => {
  for (const query of QUERIES) {
    const ours = qs.parse(query);
    assert.deepEqual({ ...ours }, { ...nodeQuerystring.parse(query) }, query);
    assert.equal(Object.getPrototypeOf(ours), null, 'a null-prototype object, as in Node');
  }
  assert.deepEqual({ ...qs.parse('x=1;y=2', ';', '=') }, { ...nodeQuerystring.parse('x=1;y=2', ';', '=') });
  assert.deepEqual({ ...qs.parse('a:1|b:2', '|', ':') }, { ...nodeQuerystring.parse('a:1|b:2', '|', ':') });
  assert.deepEqual({ ...qs.parse('a=1&b=2&c=3', '&', '=', { maxKeys: 2 }) }, { ...nodeQuerystring.parse('a=1&b=2&c=3', '&', '=', { maxKeys: 2 }) });
  assert.deepEqual({ ...qs.parse('a=%41', '&', '=', { decodeURIComponent: (s) => s.toLowerCase() }) }, { ...nodeQuerystring.parse('a=%41', '&', '=', { decodeURIComponent: (s) => s.toLowerCase() }) });
  assert.equal(querystring.decode, qs.parse);
});

test('querystring.stringify: the same strings as Node (arrays, numbers, booleans, other types as empty)', () => {
  const inputs = [
    { a: 1, b: 'two words', c: true, d: 10n },
    { list: ['x', 'y z', 3], empty: [] },
    { weird: 'é✓&=?/#', nan: Number.NaN, inf: Number.POSITIVE_INFINITY, nil: null, undef: undefined },
    { 'key with space': '' },
  ];
  for (const input of inputs) assert.equal(qs.stringify(input), nodeQuerystring.stringify(input as nodeQuerystring.ParsedUrlQueryInput), JSON.stringify(input, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  assert.equal(qs.stringify({ a: 1, b: 2 }, ';', ':'), nodeQuerystring.stringify({ a: 1, b: 2 }, ';', ':'));
  assert.equal(qs.stringify({ a: 'é' }, '&', '=', { encodeURIComponent: (s) => `<${s}>` }), nodeQuerystring.stringify({ a: 'é' }, '&', '=', { encodeURIComponent: (s) => `<${s}>` }));
  assert.equal(qs.stringify('not an object'), nodeQuerystring.stringify('not an object' as never));
  assert.equal(querystring.encode, qs.stringify);
});

test('querystring.escape / unescape / unescapeBuffer: as Node', () => {
  for (const text of ["a b&c=d/é✓!'()*~-_.", '', 'plain']) assert.equal(qs.escape(text), nodeQuerystring.escape(text));
  assert.throws(() => qs.escape('\uD800'), URIError, 'a lone surrogate cannot be encoded, in Node either');
  assert.throws(() => nodeQuerystring.escape('\uD800'), URIError);
  for (const text of ['%41%42', 'a+b', '%E2%9C%93', '100%', '%zz%4', '%C3']) {
    assert.equal(qs.unescape(text), nodeQuerystring.unescape(text), text);
    assert.deepEqual([...qs.unescapeBuffer(text, true)], [...nodeUnescapeBuffer(text, true)], text);
    assert.deepEqual([...qs.unescapeBuffer(text)], [...nodeUnescapeBuffer(text)], text);
  }
});

test("url: the npm package's legacy API plus Node's WHATWG URL and URLSearchParams", () => {
  assert.equal(urlShim.URL, nodeUrl.URL, 'the same class as the global');
  assert.equal(urlShim.URLSearchParams, nodeUrl.URLSearchParams);
  assert.equal(url.URL, globalThis.URL);
  const href = 'ldap://127.0.0.1:389/dc=example,dc=com?cn?sub?(uid=x)';
  const parsed = new urlShim.URL(href);
  assert.deepEqual([parsed.protocol, parsed.hostname, parsed.port, parsed.pathname, parsed.search], ['ldap:', '127.0.0.1', '389', '/dc=example,dc=com', '?cn?sub?(uid=x)']);
  const legacy = urlShim.parse('amqp://user:p%40ss@host:5672/vhost?heartbeat=30', true);
  const nodeLegacy = nodeUrl.parse('amqp://user:p%40ss@host:5672/vhost?heartbeat=30', true);
  for (const key of ['protocol', 'auth', 'hostname', 'port', 'pathname', 'search'] as const) assert.equal(legacy[key], nodeLegacy[key], key);
  assert.deepEqual({ ...legacy.query as object }, { ...nodeLegacy.query });
  assert.equal(urlShim.format({ protocol: 'http:', host: 'a.test', pathname: '/x' }), nodeUrl.format({ protocol: 'http:', host: 'a.test', pathname: '/x' }));
  assert.equal(urlShim.resolve('http://a.test/b/c', '../d'), nodeUrl.resolve('http://a.test/b/c', '../d'));
  for (const name of ['parse', 'resolve', 'resolveObject', 'format', 'Url', 'URL', 'URLSearchParams'] as const) assert.equal(typeof url[name], 'function', name);
});

test("util: the npm package plus Node's TextEncoder / TextDecoder and debug", () => {
  assert.equal(utilShim.TextDecoder, nodeUtil.TextDecoder, 'the same class as the global');
  assert.equal(utilShim.TextEncoder, nodeUtil.TextEncoder);
  assert.equal(new utilShim.TextDecoder('utf8', { fatal: true }).decode(new utilShim.TextEncoder().encode('héllo ✓')), 'héllo ✓');
  assert.throws(() => new utilShim.TextDecoder('utf8', { fatal: true }).decode(Uint8Array.of(0xff)), TypeError);
  assert.equal(utilShim.format('%s=%d %j', 'a', 42, { b: 1 }), nodeUtil.format('%s=%d %j', 'a', 42, { b: 1 }));
  assert.equal(utilShim.debug, utilShim.debuglog);
  assert.equal(typeof utilShim.promisify, 'function');
  assert.equal(typeof utilShim.inherits, 'function');
  assert.equal(typeof utilShim.types.isPromise, 'function');
  assert.equal(util.TextDecoder, globalThis.TextDecoder);
  assert.equal(util.format, utilShim.format);
});
