/** run.ts's side of a client worker (bench/worker.ts): fork, request, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunResult } from './measure.ts';
import { REPO_ROOT, runnable } from './processes.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from '../worker.ts';

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

/** One contender's client process; requests are answered in order. */
export class WorkerHandle {
  readonly name: string;
  #child: ChildProcess;
  #waiting: { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void } | undefined;
  #exit: Error | undefined;

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.#child = child;
    child.on('message', (message) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(message as WorkerReply);
    });
    child.on('error', (err) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.reject(err);
    });
    child.once('exit', (code, signal) => {
      this.#exit = new Error(`${name}: client worker exited (code ${code}, signal ${signal})`);
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.reject(this.#exit);
    });
  }

  /** Forks the worker; resolves once its contender started and passed the preflight. */
  static async start(init: WorkerInit, timeoutMs: number): Promise<WorkerHandle> {
    const child = fork(runnable(WORKER), [JSON.stringify(init)], {
      cwd: REPO_ROOT,
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle = new WorkerHandle(init.contender, child);
    const reply = await handle.#next(timeoutMs, 'start + preflight');
    if (reply.type !== 'ready') throw handle.#unexpected(reply, 'start + preflight');
    return handle;
  }

  /** One repetition of every measurement. */
  async measure(timeoutMs: number): Promise<RunResult> {
    const reply = await this.#request({ type: 'measure' }, timeoutMs, 'measure');
    if (reply.type !== 'result') throw this.#unexpected(reply, 'measure');
    return reply.result;
  }

  /** Stops the contender (its relay/gateway) and the worker; SIGTERM if it does not answer. */
  async stop(): Promise<void> {
    if (this.#exit) return;
    try {
      await this.#request({ type: 'stop' }, 10_000, 'stop');
    } catch {
      // SIGTERM, not SIGKILL: the worker's exit hook stops its relay (lib/processes.ts).
      this.#child.kill('SIGTERM');
    }
  }

  #request(request: WorkerRequest, timeoutMs: number, what: string): Promise<WorkerReply> {
    if (this.#exit) return Promise.reject(this.#exit);
    if (!this.#child.connected) return Promise.reject(new Error(`${this.name}: client worker is gone`));
    const reply = this.#next(timeoutMs, what);
    this.#child.send(request);
    return reply;
  }

  #next(timeoutMs: number, what: string): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        this.#child.kill('SIGTERM');
        reject(new Error(`${this.name} ${what}: no answer within ${timeoutMs / 1000} s (BENCH_CELL_TIMEOUT_S)`));
      }, timeoutMs);
      this.#waiting = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  #unexpected(reply: WorkerReply, what: string): Error {
    if (reply.type === 'failure') return new Error(`${this.name} ${what} failed:\n${reply.message}`);
    return new Error(`${this.name} ${what}: unexpected reply ${reply.type}`);
  }
}
