/**
 * `sockway/gateway` exports the gateway's API and nothing else: createGateway, rules and
 * policies, tokens and the authenticate hook, the error codes. Internals (limit tables,
 * special address ranges, bridges, default constants) stay importable from their modules
 * for tests, not from the package. A new export is a decision: add it here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as gateway from './index.ts';

test('the gateway entry exports exactly its API', () => {
  assert.deepEqual(Object.keys(gateway).sort(), [
    'SockwayErrorCode',
    'TokenError',
    'createGateway',
    'createPolicy',
    'issueToken',
    'parseRule',
    'tokenAuthenticator',
    'tokenPolicy',
    'verifyToken',
  ]);
});

test('its errors carry codes from SockwayErrorCode', () => {
  assert.throws(() => gateway.parseRule('db.internal'), { code: gateway.SockwayErrorCode.InvalidRule });
  assert.throws(() => gateway.verifyToken('', { secret: 'x'.repeat(32) }), { code: gateway.SockwayErrorCode.Unauthorized });
});
