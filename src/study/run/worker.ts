import { NonFiniteError, UserError, messageOf } from '../../core/errors.js';
import type { StudyConfig } from '../config/config-schema.js';
import { UnitContext } from './unit-context.js';
import { executeTask } from './run-unit.js';
import type { UnitOutput, UnitTask } from './tasks.js';

/** A worker process of `study run --jobs N` (see executor.ts): computes the units it is sent. */

export type WorkerRequest = { type: 'init'; config: StudyConfig; threads: number } | { type: 'task'; task: UnitTask };
export type WorkerReply = { type: 'result'; output: UnitOutput } | { type: 'error'; message: string; user: boolean; nonFinite: boolean };

let context: Promise<UnitContext> | undefined;

process.on('message', async (request: WorkerRequest) => {
  if (request.type === 'init') {
    context = UnitContext.open(request.config, request.threads);
    // Reported by the first task that needs the context, not as an unhandled rejection.
    context.catch(() => undefined);
    return;
  }
  let reply: WorkerReply;
  try {
    if (!context) throw new Error('a task arrived before the study config');
    reply = { type: 'result', output: await executeTask(await context, request.task) };
  } catch (err) {
    reply = { type: 'error', message: err instanceof UserError ? err.message : err instanceof Error ? (err.stack ?? err.message) : messageOf(err), user: err instanceof UserError, nonFinite: err instanceof NonFiniteError };
  }
  process.send!(reply);
});

// The runner is gone (finished, or killed): nothing is left to do.
process.on('disconnect', () => process.exit(0));
