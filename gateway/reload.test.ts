/**
 * gateway.reload(): new options on a running gateway. Sessions stay up, a stream already
 * open keeps its destination (even one the new policy denies), new OPENs and upgrades meet
 * the new policy, origins, tokens and limits; options that need a restart are refused and
 * logged; an invalid option throws and changes nothing. The CLI's SIGHUP: cli-config.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type * as http from 'node:http';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { wireError } from '../shared/errors.ts';
import type { StreamHandler } from '../shared/session.ts';
import type { GatewayOptions } from './gateway.ts';
import type { TestClient } from './testing/ws-client-transport.ts';
import { attemptClient, client, open, startGateway, startTarget, until } from './testing/harness.ts';
import { issueToken } from './token.ts';

const T = { timeout: 20_000 };
const SECRET = 'r'.repeat(40);

/** A LISTEN on 127.0.0.1, any port: its first event is 'listening' or 'reset:CODE'. */
function listen(c: TestClient): { readonly events: string[]; readonly outcome: Promise<string> } {
  const events: string[] = [];
  let settle!: (event: string) => void;
  const outcome = new Promise<string>((resolve) => {
    settle = resolve;
  });
  const record = (event: string): void => {
    events.push(event);
    settle(event);
  };
  const handler: StreamHandler = {
    onListening: () => record('listening'),
    onAccept: () => wireError({ code: 'ECONNREFUSED', message: 'not in this test' }),
    onData: () => {},
    onEnd: () => record('end'),
    onReset: (error) => record(`reset:${error.code}`),
    onDrain: () => {},
  };
  assert.ok(c.session.listen({ host: '127.0.0.1', port: 0, backlog: 0, ipv6Only: false, exclusive: false }, handler));
  return { events, outcome };
}

/** Writes `text` on an open echo stream and waits for it to come back (after `before` bytes). */
async function echoes(r: ReturnType<typeof open>, text: string): Promise<void> {
  const before = r.byteCount;
  r.stream.write(Buffer.from(text));
  await until(() => r.byteCount >= before + text.length, `the echo of ${text}`);
  assert.equal(r.data().subarray(before).toString(), text);
}

describe('gateway.reload(): policy', () => {
  test('an open stream to a destination the new policy denies keeps moving data; a new OPEN to it is refused; a newly allowed one is reachable', T, async (t) => {
    const a = await startTarget(t);
    const b = await startTarget(t);
    const options: GatewayOptions = { allow: [`127.0.0.1:${a.port}`] };
    const { gateway, url, logs } = await startGateway(t, options);
    const c = await client(t, url);
    const kept = open(c, '127.0.0.1', a.port);
    await kept.opened.promise;
    await echoes(kept, 'before the reload');
    const refusedBefore = await open(c, '127.0.0.1', b.port).reset.promise;
    assert.equal(refusedBefore.code, 'SOCKWAY_ERR_DENIED');

    const result = gateway.reload({ allow: [`127.0.0.1:${b.port}`] });
    assert.deepEqual(result, { changed: ['allow'], refused: [] });
    assert.deepEqual(logs.filter((entry) => entry.event.startsWith('config-')).map(({ event, changed }) => ({ event, changed })), [{ event: 'config-reloaded', changed: ['allow'] }]);

    await echoes(kept, 'after the reload: same stream, same destination');
    const denied = await open(c, '127.0.0.1', a.port).reset.promise;
    assert.equal(denied.code, 'SOCKWAY_ERR_DENIED');
    assert.equal(denied.syscall, 'connect');
    assert.equal(denied.message, `connect SOCKWAY_ERR_DENIED 127.0.0.1:${a.port} (not allowed by the gateway policy)`);
    const newly = open(c, '127.0.0.1', b.port);
    await newly.opened.promise;
    await echoes(newly, 'newly allowed');
    assert.equal(gateway.sessions, 1, 'the session stayed up');
    await echoes(kept, 'still moving');
  });

  test('a session admitted with a token keeps its token grant, intersected with the reloaded gateway rules', T, async (t) => {
    const a = await startTarget(t);
    const b = await startTarget(t);
    const { gateway, url } = await startGateway(t, { allow: [`127.0.0.1:${a.port}`], tokenSecret: SECRET });
    const token = issueToken({ secret: SECRET, connect: ['127.0.0.1:*'] });
    const c = attemptClient(t, url, { protocols: ['sockway', `sockway.token.${token}`] });
    assert.equal(await c.ready, true);
    assert.equal((await open(c, '127.0.0.1', b.port).reset.promise).code, 'SOCKWAY_ERR_DENIED', 'the gateway does not allow b yet');
    gateway.reload({ allow: [`127.0.0.1:${b.port}`], tokenSecret: SECRET });
    await open(c, '127.0.0.1', b.port).opened.promise;
    assert.equal((await open(c, '127.0.0.1', a.port).reset.promise).code, 'SOCKWAY_ERR_DENIED', 'the reloaded gateway rules bind the token session too');
  });

  test('listen rules reload: a listener already up stays; a new LISTEN the new rules deny is refused', T, async (t) => {
    const { gateway, url } = await startGateway(t, { allow: ['127.0.0.1:1'], allowListen: ['127.0.0.1:*'] });
    const c = await client(t, url);
    const first = listen(c);
    assert.equal(await first.outcome, 'listening');
    assert.deepEqual(gateway.reload({ allow: ['127.0.0.1:1'], denyListen: ['127.0.0.1:*'], allowListen: ['127.0.0.1:*'] }).changed, ['denyListen']);
    assert.equal(await listen(c).outcome, 'reset:SOCKWAY_ERR_DENIED');
    assert.deepEqual(first.events, ['listening'], 'the listener already up was not touched');
    assert.deepEqual(gateway.reload({ allow: ['127.0.0.1:1'], denyListen: ['127.0.0.1:*'], allowListen: ['127.0.0.1:*'] }).changed, [], 'the same options again change nothing');
  });
});

describe('gateway.reload(): origins, tokens, limits', () => {
  test('allowOrigins: a new upgrade from an origin no longer listed gets 403; sessions already open stay', T, async (t) => {
    const target = await startTarget(t);
    const { gateway, url } = await startGateway(t, { allow: [`127.0.0.1:${target.port}`], allowOrigins: ['https://a.example'] });
    const before = attemptClient(t, url, { headers: { origin: 'https://a.example' } });
    assert.equal(await before.ready, true);
    assert.deepEqual(gateway.reload({ allow: [`127.0.0.1:${target.port}`], allowOrigins: ['https://b.example'] }).changed, ['allowOrigins']);
    const refused = new WebSocket(url, { headers: { origin: 'https://a.example' } });
    refused.on('error', () => {});
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, http.IncomingMessage];
    assert.equal(response.statusCode, 403);
    refused.terminate();
    assert.equal(await attemptClient(t, url, { headers: { origin: 'https://b.example' } }).ready, true);
    await open(before, '127.0.0.1', target.port).opened.promise;
  });

  test('tokenSecret: new upgrades need a token; the change is logged by name, never the secret', T, async (t) => {
    const target = await startTarget(t);
    const { gateway, url, logs } = await startGateway(t, { allow: [`127.0.0.1:${target.port}`] });
    const before = await client(t, url);
    assert.deepEqual(gateway.reload({ allow: [`127.0.0.1:${target.port}`], tokenSecret: SECRET, tokenAudience: 'gw-2' }).changed, ['tokenSecret', 'tokenAudience']);
    const anonymous = attemptClient(t, url);
    assert.equal(await anonymous.ready, false);
    assert.equal((await anonymous.closeError)?.code, 'SOCKWAY_ERR_UNAUTHORIZED');
    const token = issueToken({ secret: SECRET, audience: 'gw-2', connect: [`127.0.0.1:${target.port}`] });
    assert.equal(await attemptClient(t, url, { protocols: ['sockway', `sockway.token.${token}`] }).ready, true);
    await open(before, '127.0.0.1', target.port).opened.promise;
    assert.ok(!JSON.stringify(logs).includes(SECRET), 'the secret is not in the logs');
  });

  test('maxSessions lowered: the next session is refused, the ones open stay; raised past the memory reserves: refused', T, async (t) => {
    const { gateway, url, logs } = await startGateway(t, { allow: ['127.0.0.1:1'], maxSessions: 4, memoryBudget: 1024 * 1024 });
    await client(t, url);
    await client(t, url);
    assert.deepEqual(gateway.reload({ allow: ['127.0.0.1:1'], maxSessions: 2, memoryBudget: 1024 * 1024 }).changed, ['maxSessions']);
    const third = attemptClient(t, url);
    assert.equal(await third.ready, false);
    assert.equal((await third.closeError)?.code, 'SOCKWAY_ERR_LIMIT');
    assert.equal(gateway.sessions >= 2, true);
    // Each of 4 sessions keeps min(1 MiB, budget / 4) = 256 KiB: 8 of them would not fit in 1 MiB.
    const raised = gateway.reload({ allow: ['127.0.0.1:1'], maxSessions: 8, memoryBudget: 1024 * 1024 });
    assert.deepEqual(raised.changed, []);
    assert.deepEqual(raised.refused.map(({ option }) => option), ['maxSessions']);
    assert.match(raised.refused[0]?.reason ?? '', /above 4 the sessions' reserves would not fit in the memory budget/);
    assert.equal(logs.filter((entry) => entry.event === 'config-reload-refused').length, 1);
  });
});

describe('gateway.reload(): what it refuses', () => {
  test('options that need a restart are refused by name and kept; the rest applies', T, async (t) => {
    const target = await startTarget(t);
    const { gateway, url, logs } = await startGateway(t, { allow: ['127.0.0.1:1'], path: '/', limits: { maxStreams: 8 } });
    const result = gateway.reload({ allow: [`127.0.0.1:${target.port}`], path: '/other', limits: { maxStreams: 4 }, memoryBudget: 64 * 1024 * 1024, maxListeners: 2 });
    assert.deepEqual(result.changed, ['allow', 'maxListeners']);
    assert.deepEqual(result.refused.map(({ option }) => option), ['path', 'limits.maxStreams', 'memoryBudget']);
    const refusedLine = logs.find((entry) => entry.event === 'config-reload-refused');
    assert.equal(refusedLine?.level, 'warn');
    assert.deepEqual((refusedLine?.['refused'] as { option: string }[]).map(({ option }) => option), ['path', 'limits.maxStreams', 'memoryBudget']);
    // Still on the old path, with the new rules.
    const c = await client(t, url);
    await open(c, '127.0.0.1', target.port).opened.promise;
    // The same options again: the refused ones are refused again (the gateway still runs the old ones), nothing else changes.
    const again = gateway.reload({ allow: [`127.0.0.1:${target.port}`], path: '/other', limits: { maxStreams: 4 }, memoryBudget: 64 * 1024 * 1024, maxListeners: 2 });
    assert.deepEqual([again.changed, again.refused.map(({ option }) => option)], [[], ['path', 'limits.maxStreams', 'memoryBudget']]);
  });

  test('an invalid option throws and changes nothing; nothing is logged as reloaded', T, async (t) => {
    const target = await startTarget(t);
    const { gateway, url, logs } = await startGateway(t, { allow: [`127.0.0.1:${target.port}`] });
    assert.throws(() => gateway.reload({ allow: ['nonsense'] }), { code: 'SOCKWAY_ERR_INVALID_RULE' });
    assert.throws(() => gateway.reload({ allow: ['127.0.0.1:1'], maxSessions: 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => gateway.reload({ allow: ['127.0.0.1:1'], allowOrigins: ['no origin'] }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => gateway.reload({ allow: ['127.0.0.1:1'], tokenSecret: 'short' }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => gateway.reload({}), { code: 'ERR_INVALID_ARG_VALUE' });
    const c = await client(t, url);
    await open(c, '127.0.0.1', target.port).opened.promise;
    assert.equal(logs.filter((entry) => entry.event.startsWith('config-')).length, 0);
  });

  test('a closed gateway refuses to reload', async () => {
    const { createGateway } = await import('./gateway.ts');
    const gateway = createGateway({ allow: ['127.0.0.1:1'] });
    await gateway.close();
    assert.throws(() => gateway.reload({ allow: ['127.0.0.1:1'] }), { code: 'ERR_SERVER_NOT_RUNNING' });
  });
});
