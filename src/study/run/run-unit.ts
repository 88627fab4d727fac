import { runAccuracyUnit } from './accuracy-unit.js';
import { runAttackUnit } from './attack-unit.js';
import { runBudgetUnit } from './budget-unit.js';
import { runCleanUnit } from './clean-unit.js';
import { runCleverUnit } from './clever-unit.js';
import type { UnitContext } from './unit-context.js';
import type { UnitOutput, UnitTask } from './tasks.js';
import { runTransferUnit } from './transfer-units.js';

/** Computes one unit's rows; the same code runs in-process (`--jobs 1`) and in worker processes. */
export async function executeTask(ctx: UnitContext, task: UnitTask): Promise<UnitOutput> {
  const started = performance.now();
  const { unit, items } = task;
  const timeMs = () => performance.now() - started;
  switch (unit.phase) {
    case 'clean':
      return { phase: 'clean', rows: await runCleanUnit(ctx, unit, items), timeMs: timeMs() };
    case 'accuracy':
      return { phase: 'accuracy', rows: await runAccuracyUnit(ctx, unit), timeMs: timeMs() };
    case 'attack':
      return { phase: 'attack', rows: await runAttackUnit(ctx, unit, items), timeMs: timeMs() };
    case 'clever':
      return { phase: 'clever', rows: await runCleverUnit(ctx, unit, items), timeMs: timeMs() };
    case 'transfer':
      if (!task.transfer) throw new Error(`transfer unit ${unit.id} came without its inputs`);
      return { phase: 'transfer', rows: await runTransferUnit(ctx, unit, task.transfer), timeMs: timeMs() };
    case 'budget':
      return { phase: 'budget', rows: await runBudgetUnit(ctx, unit, items), timeMs: timeMs() };
  }
}
