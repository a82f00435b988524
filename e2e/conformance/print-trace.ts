/**
 * Debugging aid: prints the trace of every scenario whose name contains argv[2],
 * against node:net, or against sockway's net through a gateway with argv[3] = 'tunnel'.
 *
 *   node --import tsx e2e/conformance/print-trace.ts "EPIPE" [tunnel]
 *
 * W=<columns> sets the line width (default 220).
 */
import nodeNet from 'node:net';
import { runScenario, type NetLike } from './harness.ts';
import { startConformanceWorld } from './node-env.ts';
import { allScenarios } from './scenarios/index.ts';
const world = await startConformanceWorld();
for (const s of allScenarios.filter((x) => x.name.includes(process.argv[2] ?? ''))) {
  console.log(`=== ${s.name}`);
  const lines = await runScenario(s, (process.argv[3] === 'tunnel' ? world.gateway.tunnel.net : nodeNet) as unknown as NetLike, (t) => world.env(t));
  console.log(lines.map((l) => l.slice(0, Number(process.env['W'] ?? 220))).join('\n'));
}
await world.close();
