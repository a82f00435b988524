/**
 * Differential conformance: every scenario runs against node:net (the oracle)
 * and against sockway's net through a real gateway; the two traces must be
 * equal, unless the scenario is a known deviation (deviations.ts). Prints the
 * score at the end: scenarios, equal traces, known deviations.
 *
 * Filter with CONFORMANCE_ONLY=<substring> to run some scenarios only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import nodeNet from 'node:net';
import { diffTraces, firstDifference, type NetLike, renumber, runScenario } from './harness.ts';
import { deviationsFor } from './deviations.ts';
import { startConformanceWorld, type ConformanceWorld } from './node-env.ts';
import { allScenarios } from './scenarios/index.ts';

let world: ConformanceWorld;
const score = { scenarios: 0, equal: 0, deviations: [] as Array<{ name: string; ids: string[] }>, failed: [] as string[] };

before(async () => {
  world = await startConformanceWorld();
});

after(async () => {
  await world.close();
  const lines = [
    `conformance: ${score.scenarios} scenarios, ${score.equal} equal traces, ${score.deviations.length} known deviations, ${score.failed.length} unexplained differences`,
    ...score.deviations.map(({ name, ids }) => `  known deviation (${ids.join(', ')}): ${name}`),
    ...score.failed.map((name) => `  DIFFERENT: ${name}`),
  ];
  console.log(lines.join('\n'));
});

const only = process.env['CONFORMANCE_ONLY'];
const names = new Set<string>();
for (const s of allScenarios) {
  if (names.has(s.name)) throw new Error(`duplicate scenario name: ${s.name}`);
  names.add(s.name);
  if (only !== undefined && !s.name.includes(only) && s.area !== only) continue;
  test(`[${s.area}] ${s.name}`, async () => {
    const expected = renumber(await runScenario(s, nodeNet as unknown as NetLike, (t) => world.env(t)));
    const actual = renumber(await runScenario(s, world.gateway.tunnel.net as unknown as NetLike, (t) => world.env(t)));
    score.scenarios++;
    const at = firstDifference(expected, actual);
    const deviations = deviationsFor(s.name, 'node');
    if (at === -1) {
      score.equal++;
      if (process.env['CONFORMANCE_VERBOSE']) console.log(expected.join('\n'));
      // Keep the allow-list honest: an entry that no longer differs must go.
      assert.deepEqual(deviations.map((d) => d.id), [], 'listed as a known deviation but the traces are equal: remove it from deviations.ts');
      return;
    }
    if (deviations.length > 0) {
      const masks = deviations.flatMap((d) => (d.mask ? [d.mask] : []));
      const unmasked = deviations.some((d) => d.mask === undefined);
      const apply = (lines: string[]): string[] => renumber(lines.map((line) => masks.reduce((l, mask) => mask(l), line)));
      if (unmasked || firstDifference(apply(expected), apply(actual)) === -1) {
        score.deviations.push({ name: s.name, ids: deviations.map((d) => d.id) });
        return;
      }
      score.failed.push(s.name);
      assert.fail(`traces differ beyond the known deviations (${deviations.map((d) => d.id).join(', ')}) ('-' node:net only, '+' sockway only):\n${diffTraces(apply(expected), apply(actual))}`);
    }
    score.failed.push(s.name);
    assert.fail(`traces differ from line ${at} ('-' node:net only, '+' sockway only):\n${diffTraces(expected, actual)}`);
  });
}
