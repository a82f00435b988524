/**
 * `npm run bench:load` at a tiny size, so the tool cannot rot: against one gateway and
 * against three behind nginx, every session and stream opens, every byte comes back, no
 * error, and every figure is there and plausible. And a gateway that denies the echo
 * server: every stream's refusal is counted, so a count of 0 above means something.
 * No timing assertions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatewayArgs, gatewayFiles, startGateway, startSingleGateway, type StartDeployment } from './load/deployment.ts';
import { nginxFleet } from './load/nginx-fleet.ts';
import { type LoadOptions, type LoadResult, formatLoadReport, runLoad } from './load/run-load.ts';

const TINY: LoadOptions = { sessions: 5, streams: 2, streamBytes: 48 * 1024, clients: 2, inFlight: 4, phaseTimeoutMs: 60_000 };

function assertSane(result: LoadResult, instances: number): void {
  assert.equal(result.errors, 0, result.errorSamples.join('\n'));
  assert.equal(result.instances, instances);
  assert.equal(result.sessionsOpened, TINY.sessions);
  assert.equal(result.streamsOpened, TINY.sessions * TINY.streams);
  assert.equal(result.relayedBytes, 2 * TINY.streamBytes * TINY.sessions * TINY.streams, 'every stream echoed its bytes');
  for (const [point, memory] of Object.entries(result.memory)) {
    assert.equal(memory.perInstanceRss.length, instances, point);
    assert.ok(memory.rss > 10 * 1024 * 1024 && memory.heapUsed > 0, `${point}: ${JSON.stringify(memory)}`);
  }
  assert.ok(Number.isFinite(result.rssPerSession) && result.rssPerStream !== null && Number.isFinite(result.rssPerStream));
  assert.ok(Number.isFinite(result.rssPerActiveStream));
  assert.ok(result.sessionsPerSecond > 0 && Number.isFinite(result.sessionsPerSecond));
  assert.ok(result.gatewayCpuMsPerSession >= 0 && result.gatewayCpuMsPerOpen !== null && result.gatewayCpuMsPerOpen >= 0);
  assert.ok(result.sessionSetupMs.p50 > 0 && result.sessionSetupMs.p99 >= result.sessionSetupMs.p50);
  assert.ok(result.openMs !== null && result.openMs.p50 > 0 && result.openMs.p99 >= result.openMs.p50);
  // CPU time comes in clock ticks: a tiny run may see none, never less.
  assert.ok(result.gatewayCpuSecondsPerGB >= 0 && Number.isFinite(result.gatewayCpuSecondsPerGB));
  assert.equal(result.balancerCpuSecondsPerGB === null, instances === 1, 'a balancer figure exactly when there is a balancer');
  assert.match(formatLoadReport([result]), /\| errors \| 0 \|/);
}

test('bench:load against one gateway CLI: 5 sessions × 2 streams, every byte echoed, no error', { timeout: 120_000 }, async () => {
  assertSane(await runLoad(TINY, startSingleGateway), 1);
});

test('bench:load against three gateway CLIs behind nginx: 5 sessions × 2 streams, every byte echoed, no error', { timeout: 120_000 }, async () => {
  assertSane(await runLoad(TINY, nginxFleet(3)), 3);
});

test('bench:load counts errors: a gateway that does not allow the echo server refuses every stream, and each refusal is counted', { timeout: 120_000 }, async () => {
  const denying: StartDeployment = async (target, sizing) => {
    // The rules name another port: every OPEN is denied by policy.
    const args = gatewayArgs(target, sizing).map((arg) => (arg === `${target.host}:${target.port}` ? `${target.host}:${target.port === 1 ? 2 : 1}` : arg));
    const gateway = await startGateway(args, gatewayFiles(sizing));
    return { name: 'denying', url: `ws://127.0.0.1:${gateway.port}/`, instances: [gateway], balancer: null, stop: () => gateway.stop() };
  };
  const result = await runLoad({ ...TINY, streams: 1 }, denying);
  assert.equal(result.errors, TINY.sessions, result.errorSamples.join('\n'));
  assert.equal(result.streamsOpened, 0);
  assert.match(result.errorSamples[0] ?? '', /SOCKWAY_ERR_POLICY_DENIED|denied/i);
});
