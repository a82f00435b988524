/**
 * The Node side of the conformance suite: the scripted servers, a gateway with
 * a tunnel to it, and the ScenarioEnv both runs of a scenario get. Used by
 * conformance.test.ts and by the Chromium run (which records node:net here).
 */
import { getEventListeners } from 'node:events';
import nodeNet from 'node:net';
import { startGateway, type GatewayFixture } from '../fixtures/start-gateway.ts';
import { type Feature, type NetLike, SERVER_NAMES, type ScenarioEnv, type Tracer } from './harness.ts';
import { startConformanceServers, type ConformanceServers } from './servers.ts';

/** Destinations the conformance gateway allows: loopback (v4, v6, by name) and the never-resolving .invalid. */
export const CONFORMANCE_ALLOW = ['127.0.0.0/8:*', '[::1]:*', 'localhost:*', '*.invalid:*'];

/** Where the conformance gateway lets net.Server scenarios listen: loopback (v4, v6) and every interface (`listen(0)`), any port. */
export const CONFORMANCE_ALLOW_LISTEN = ['127.0.0.1:*', '[::1]:*', '[::]:*'];

/** Servers plus gateway plus tunnel. */
export interface ConformanceWorld {
  readonly servers: ConformanceServers;
  readonly gateway: GatewayFixture;
  /** A ScenarioEnv for a run recording into `t`. */
  env(t: Tracer): ScenarioEnv;
  close(): Promise<void>;
}

const NODE_FEATURES: ReadonlySet<Feature> = new Set<Feature>(['listenerCounts', 'nodeTicks']);

/** Starts the servers and the gateway. */
export async function startConformanceWorld(): Promise<ConformanceWorld> {
  const servers = await startConformanceServers();
  const gateway = await startGateway({ allow: CONFORMANCE_ALLOW, allowListen: CONFORMANCE_ALLOW_LISTEN });
  return {
    servers,
    gateway,
    env(t) {
      const since = new Map(SERVER_NAMES.map((name) => [name, servers.accepted(name)]));
      return {
        t,
        port: (name) => servers.port(name),
        peer: (name) => servers.peer(name, since.get(name) ?? 0),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        nextTick: (callback) => process.nextTick(callback),
        setImmediate: (callback) => void setImmediate(callback),
        listenerCount: (target, type) => getEventListeners(target as EventTarget, type).length,
        features: NODE_FEATURES,
        peerNet: nodeNet as unknown as NetLike,
      };
    },
    async close() {
      await gateway.close();
      await servers.close();
    },
  };
}
