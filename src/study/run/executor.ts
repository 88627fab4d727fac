import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NonFiniteError, UserError } from '../../core/errors.js';
import type { StudyConfig } from '../config/config-schema.js';
import { UnitContext } from './unit-context.js';
import { executeTask } from './run-unit.js';
import type { UnitOutput, UnitTask } from './tasks.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

/**
 * A worker process died in the middle of a unit (killed, out of memory): not the unit's fault, so a
 * queue worker hands the unit back for another try instead of recording it as failed.
 */
export class WorkerExitError extends Error {}

/** Computes units for the runner: `slots` of them at a time. */
export interface Executor {
  readonly slots: number;
  run(task: UnitTask): Promise<UnitOutput>;
  close(): Promise<void>;
}

/** `--jobs 1`: units run one after another in this process. */
export async function inProcessExecutor(config: StudyConfig, threads?: number): Promise<Executor> {
  const ctx = await UnitContext.open(config, threads);
  return { slots: 1, run: (task) => executeTask(ctx, task), close: () => ctx.release() };
}

/**
 * `--jobs N`: N worker processes (each with its own ONNX Runtime sessions), one unit each at a time.
 * Processes rather than worker threads: a native addon's state is per process, and a worker that dies
 * fails its unit without taking the runner with it. Workers exit when the runner goes away, even by
 * kill -9, since their IPC channel closes.
 */
export function workerPool(config: StudyConfig, jobs: number, threads: number): Executor {
  const script = fileURLToPath(new URL('./worker.js', import.meta.url));
  const workers = Array.from({ length: jobs }, () => {
    // Whatever a worker prints goes to stderr: stdout carries the runner's --json result.
    const child = fork(script, [], { serialization: 'advanced', stdio: ['ignore', 2, 2, 'ipc'] });
    const worker: { child: ChildProcess; pending?: { resolve: (o: UnitOutput) => void; reject: (e: Error) => void } } = { child };
    child.send({ type: 'init', config, threads } satisfies WorkerRequest);
    child.on('message', (reply: WorkerReply) => {
      const pending = worker.pending;
      worker.pending = undefined;
      if (reply.type === 'result') pending?.resolve(reply.output);
      else pending?.reject(reply.nonFinite ? new NonFiniteError(reply.message) : reply.user ? new UserError(reply.message) : new Error(`worker: ${reply.message}`));
    });
    child.on('exit', (code, signal) => {
      worker.pending?.reject(new WorkerExitError(`a worker process exited (${signal ?? `code ${code}`}) in the middle of a unit`));
      worker.pending = undefined;
    });
    return worker;
  });
  return {
    slots: jobs,
    run(task) {
      const worker = workers.find((w) => !w.pending && w.child.connected);
      if (!worker) return Promise.reject(new Error('no idle worker process'));
      return new Promise((resolve, reject) => {
        worker.pending = { resolve, reject };
        worker.child.send({ type: 'task', task } satisfies WorkerRequest);
      });
    },
    async close() {
      await Promise.all(workers.map(({ child }) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        if (child.connected) child.disconnect();
      })));
    },
  };
}
