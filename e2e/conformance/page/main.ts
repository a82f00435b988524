/**
 * The conformance page: runs a scenario (by name) against sockway's `net` in
 * Chromium (the Vite plugin's `net` alias, gateway at /sockway) and returns its
 * trace; the Node side compares it with node:net's trace of the same scenario.
 * What the TCP servers saw comes back from Node through an exposed function.
 */
import net from 'net';
import processShim from 'process';
import { type Feature, type NetLike, type ScenarioEnv, type ServerName, runScenario } from '../harness.ts';
import { allScenarios } from '../scenarios/index.ts';

/** Arguments of one run, sent by the Node side. */
interface RunArgs {
  readonly name: string;
  readonly ports: Record<ServerName, number>;
  /** Connections each server had accepted before the run (for env.peer). */
  readonly since: Record<ServerName, number>;
}

/** Exposed by the Node side with page.exposeFunction(). */
declare function conformancePeer(name: ServerName, since: number): Promise<string[]>;

const FEATURES: ReadonlySet<Feature> = new Set();

async function run(args: RunArgs): Promise<string[]> {
  const scenario = allScenarios.find((s) => s.name === args.name);
  if (scenario === undefined) throw new Error(`no scenario ${args.name}`);
  return runScenario(scenario, net as unknown as NetLike, (t): ScenarioEnv => ({
    t,
    port: (name) => args.ports[name],
    peer: (name) => conformancePeer(name, args.since[name]),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    nextTick: (callback) => processShim.nextTick(callback),
    setImmediate: (callback) => void setTimeout(callback, 0),
    listenerCount: () => {
      throw new Error('a page has no events.getEventListeners');
    },
    features: FEATURES,
    peerNet: net as unknown as NetLike,
  }));
}

Object.assign(globalThis, { sockwayConformance: { run } });
document.getElementById('status')!.textContent = 'ready';
