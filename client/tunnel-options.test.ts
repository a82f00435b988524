/**
 * createTunnel()'s options: a wrong type or an out-of-range number throws at once, as Node
 * does for a bad argument (not at the first socket, not as a late session failure), the
 * defaults are the table's, and docs/client.md's table is the one the table generates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTunnel } from './tunnel.ts';
import { TUNNEL_OPTIONS, resolveTunnelOptions, tunnelOptionsTable } from './tunnel-options.ts';

const GATEWAY = 'ws://127.0.0.1:1/';

test('bad option values throw ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE / ERR_INVALID_ARG_VALUE with Node\'s wording', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{}, 'ERR_INVALID_ARG_TYPE', /^The "options\.url" property must be of type string\. Received undefined$/],
    [{ url: 42 }, 'ERR_INVALID_ARG_TYPE', /^The "options\.url" property must be of type string\. Received type number \(42\)$/],
    [{ url: '' }, 'ERR_INVALID_ARG_VALUE', /^The property 'options\.url' must be the gateway WebSocket URL\. Received ''$/],
    [{ url: GATEWAY, resumeTimeout: '5s' }, 'ERR_INVALID_ARG_TYPE', /^The "options\.resumeTimeout" property must be of type number\. Received type string \('5s'\)$/],
    [{ url: GATEWAY, resumeTimeout: -1 }, 'ERR_OUT_OF_RANGE', /^The value of "options\.resumeTimeout" is out of range\. It must be >= 0 && <= 2147483647\. Received -1$/],
    [{ url: GATEWAY, keepaliveTimeout: 1.5 }, 'ERR_OUT_OF_RANGE', /^The value of "options\.keepaliveTimeout" is out of range\. It must be an integer\. Received 1\.5$/],
    [{ url: GATEWAY, keepaliveInterval: 2 ** 31 }, 'ERR_OUT_OF_RANGE', /It must be >= 0 && <= 2147483647\. Received 2147483648$/],
    [{ url: GATEWAY, maxStreamWindow: 1024 }, 'ERR_OUT_OF_RANGE', /It must be >= 16384 && <= 2147483647\. Received 1024$/],
    [{ url: GATEWAY, reconnect: 'no' }, 'ERR_INVALID_ARG_TYPE', /^The "options\.reconnect" property must be of type boolean\. Received type string \('no'\)$/],
    [{ url: GATEWAY, token: 7 }, 'ERR_INVALID_ARG_TYPE', /^The "options\.token" property must be one of type string or function\. Received type number \(7\)$/],
    [{ url: GATEWAY, WebSocket: {} }, 'ERR_INVALID_ARG_TYPE', /^The "options\.WebSocket" property must be of type function\. Received an instance of Object$/],
    [{ url: GATEWAY, protocols: [1] }, 'ERR_INVALID_ARG_TYPE', /^The "options\.protocols" property must be of type string or string\[\]\./],
    [{ url: GATEWAY, limits: { maxPayload: 5 } }, 'ERR_INVALID_ARG_VALUE', /^The property 'options\.limits' is invalid \(limits\.maxPayload must be an integer in 1024\.\.65536, got 5\)\. Received \{ maxPayload: 5 \}$/],
  ];
  for (const [options, code, message] of cases) {
    assert.throws(() => createTunnel(options as never), (error: Error & { code?: string }) => {
      assert.equal(error.code, code, JSON.stringify(options));
      assert.match(error.message, message);
      assert.ok(error instanceof (code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError));
      return true;
    });
  }
  assert.throws(() => createTunnel(null as never), { code: 'ERR_INVALID_ARG_TYPE', message: 'The "options" argument must be of type object. Received null' });
});

test('defaults come from the table; given values are kept', () => {
  const resolved = resolveTunnelOptions({ url: GATEWAY, keepaliveInterval: 0 });
  assert.equal(resolved.keepaliveInterval, 0);
  assert.equal(resolved.keepaliveTimeout, TUNNEL_OPTIONS.keepaliveTimeout.default);
  assert.equal(resolved.resumeTimeout, 60_000);
  assert.equal(resolved.maxStreamWindow, 4 * 1024 * 1024);
  assert.equal(resolved.reconnect, true);
  assert.equal(resolved.token, undefined);
  // A tunnel with valid options opens nothing until its first socket.
  createTunnel({ url: GATEWAY, limits: { streamWindow: 1024 * 1024 } }).close();
});

test('docs/client.md contains the createTunnel() options table verbatim', () => {
  const table = tunnelOptionsTable();
  const docs = readFileSync(new URL('../docs/client.md', import.meta.url), 'utf8');
  assert.ok(docs.includes(table), `docs/client.md does not contain the createTunnel() table; paste the output of node --import tsx scripts/options-doc.ts tunnel:\n\n${table}`);
});
