import { serverScenarios as serverOnes } from './server.ts';
/**
 * Every conformance scenario, in run order. Portable: bundle this module for a
 * page to run the same scenarios in a browser.
 */
import type { Scenario } from '../harness.ts';
import { abortScenarios } from './abort.ts';
import { connectScenarios } from './connect.ts';
import { halfOpenScenarios } from './half-open.ts';
import { ipScenarios } from './ip.ts';
import { lifecycleScenarios } from './lifecycle.ts';
import { readScenarios } from './read.ts';
import { reconnectScenarios } from './reconnect.ts';
import { resetScenarios } from './reset.ts';
import { timeoutScenarios } from './timeout.ts';
import { validationScenarios } from './validation.ts';
import { writeScenarios } from './write.ts';

/** Client-side scenarios (net.Socket, connect, isIP). */
export const clientScenarios: Scenario[] = [
  ...connectScenarios,
  ...validationScenarios,
  ...lifecycleScenarios,
  ...writeScenarios,
  ...halfOpenScenarios,
  ...timeoutScenarios,
  ...resetScenarios,
  ...abortScenarios,
  ...readScenarios,
  ...reconnectScenarios,
  ...ipScenarios,
];

/**
 * Server-side scenarios (net.Server: listen forms and errors, address(), close,
 * accepted connections, getConnections, maxConnections/'drop', pauseOnConnect,
 * resets, unref/ref). Created with `net.createServer`; the peers connecting to
 * it come from `env.peerNet`, and each endpoint is traced in its own lane.
 */
export const serverScenarios: Scenario[] = serverOnes;

export const allScenarios: Scenario[] = [...clientScenarios, ...serverScenarios];
