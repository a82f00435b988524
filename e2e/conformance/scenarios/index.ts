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
 * Server-side scenarios (listen forms and errors, address(), close, getConnections,
 * maxConnections/'drop', pauseOnConnect, listening, ERR_SERVER_ALREADY_LISTEN).
 * Empty until sockway has net.Server: its createServer throws
 * ERR_FEATURE_UNAVAILABLE_ON_PLATFORM. Add them here with the same `scenario()`
 * shape; a server scenario gets `net` and creates its server with
 * `net.createServer`, then connects to it with `net.connect`.
 */
export const serverScenarios: Scenario[] = serverOnes;

export const allScenarios: Scenario[] = [...clientScenarios, ...serverScenarios];
