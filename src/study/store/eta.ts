import { PHASES, type Phase } from '../../records/records.js';

/** One phase's progress as the ETA needs it. */
export interface PhasePace {
  /** Units not finished yet (left or running). */
  unfinished: number;
  /** Units finished since the pace began to be measured, and the sum of their own times. */
  finished: number;
  finishedMs: number;
}

export interface Estimate {
  /** Time to finish the unfinished units of the timed phases; null before any unit finished. */
  etaMs: number | null;
  /** Phases with units unfinished but none finished yet: their cost is not in etaMs (empty when etaMs is null). */
  untimed: Phase[];
}

/**
 * The time left, phase by phase. A phase's units cost alike, but phases differ by orders of magnitude
 * (a clean shard takes seconds, an attack unit minutes), so one pace over all units finished misleads:
 * after the quick phases it promised minutes for an hour's work. The work left is each phase's unfinished
 * units times the mean time of its finished ones; the parallelism seen so far (the finished units' time
 * over the wall time `wallMs` since the first of them started) turns it into wall time.
 */
export function estimateRemaining(phases: Readonly<Record<Phase, PhasePace>>, wallMs: number): Estimate {
  let busyMs = 0;
  let workMs = 0;
  const untimed: Phase[] = [];
  for (const phase of PHASES) {
    const p = phases[phase];
    busyMs += p.finishedMs;
    if (p.unfinished === 0) continue;
    if (p.finished === 0) untimed.push(phase);
    else workMs += (p.unfinished * p.finishedMs) / p.finished;
  }
  const finished = PHASES.some((phase) => phases[phase].finished > 0);
  return finished && busyMs > 0 ? { etaMs: (workMs * wallMs) / busyMs, untimed } : { etaMs: null, untimed: [] };
}

/** An empty PhasePace per phase. */
export function emptyPaces(): Record<Phase, PhasePace> {
  return Object.fromEntries(PHASES.map((p) => [p, { unfinished: 0, finished: 0, finishedMs: 0 }])) as Record<Phase, PhasePace>;
}
