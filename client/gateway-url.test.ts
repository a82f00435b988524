import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toWebSocketUrl } from './gateway-url.ts';

test('toWebSocketUrl: ws and wss URLs pass through', () => {
  assert.equal(toWebSocketUrl('ws://localhost:8080/sockway'), 'ws://localhost:8080/sockway');
  assert.equal(toWebSocketUrl('wss://gw.example/sockway', 'https://app.example/'), 'wss://gw.example/sockway');
});

test('toWebSocketUrl: a path is this origin, http → ws, https → wss', () => {
  assert.equal(toWebSocketUrl('/sockway', 'http://127.0.0.1:8080/app/index.html'), 'ws://127.0.0.1:8080/sockway');
  assert.equal(toWebSocketUrl('/sockway', 'https://app.example/'), 'wss://app.example/sockway');
  assert.equal(toWebSocketUrl('gateway', 'https://app.example/app/'), 'wss://app.example/app/gateway');
});

test('toWebSocketUrl: http(s) URLs become ws(s)', () => {
  assert.equal(toWebSocketUrl('http://gw.example:81/x?token=1'), 'ws://gw.example:81/x?token=1');
  assert.equal(toWebSocketUrl('https://gw.example/x'), 'wss://gw.example/x');
});

test('toWebSocketUrl: a path with nothing to resolve it against throws (Node has no location)', () => {
  assert.throws(() => toWebSocketUrl('/sockway'), { name: 'TypeError' });
});
