/**
 * The e2e page: sockway's `net` (through the Vite plugin's `net` alias) and the test
 * scenarios on `globalThis.sockwayE2E`, for page.evaluate(); the same scenarios run in
 * a Web Worker through runInWorker().
 */
import netImport from 'net';
import nodeNetImport from 'node:net';
import { Buffer } from 'buffer';
import { configure, getDefaultTunnel } from '../../client/index.ts';
import type { NetModule } from '../../client/net.ts';
import { runResumeScenario } from './resume-scenarios.ts';
import { runScenario } from './scenarios.ts';

// The `net` types in scope are @types/node's; at run time this is sockway's.
const net = netImport as unknown as NetModule;

interface WorkerReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: unknown;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, (reply: WorkerReply) => void>();

function getWorker(): Worker {
  if (worker === null) {
    worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      pending.get(event.data.id)?.(event.data);
      pending.delete(event.data.id);
    };
  }
  return worker;
}

/** Runs a scenario (a resume scenario with `resume`) in the (one, lazily started) worker. */
function runInWorker(name: string, args: unknown, resume = false): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (reply) => (reply.ok ? resolve(reply.value) : reject(Object.assign(new Error('worker scenario failed'), { detail: reply.error }))));
    getWorker().postMessage({ id, name, args, resume });
  });
}

Object.assign(globalThis, {
  sockwayE2E: {
    net,
    Buffer,
    configure,
    netIsNodeNet: netImport === nodeNetImport,
    gatewayUrl: getDefaultTunnel()?.url,
    run: (name: string, args: unknown) => runScenario(net, name, args),
    runInWorker,
    runResume: (name: string, args: unknown) => runResumeScenario(name, args),
    runResumeInWorker: (name: string, args: unknown) => runInWorker(name, args, true),
  },
});
document.getElementById('status')!.textContent = 'ready';
