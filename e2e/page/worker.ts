/** The e2e worker: runs the scenarios with its own `net` (and so its own WebSocket). */
import netImport from 'net';
import type { NetModule } from '../../client/net.ts';
import { runResumeScenario } from './resume-scenarios.ts';
import { errorFields, runScenario } from './scenarios.ts';

const net = netImport as unknown as NetModule;

self.onmessage = async (event: MessageEvent<{ id: number; name: string; args: unknown; resume?: boolean }>) => {
  const { id, name, args, resume } = event.data;
  try {
    self.postMessage({ id, ok: true, value: await (resume === true ? runResumeScenario(name, args) : runScenario(net, name, args)) });
  } catch (error) {
    self.postMessage({ id, ok: false, error: errorFields(error) });
  }
};
