/**
 * bench/timing.ts's policy for calls that take seconds to minutes (a whole attack run): no warm-up calls
 * (the caller warms up the pieces a run is made of) and fewer calls at least, else the same median and the
 * same measure of how much of the machine other processes took.
 */
import { timeCalls, type Timing } from './timing.js';

/** Timed runs at least: one attack run on ResNet-50 takes a minute on 2 cores. */
export const MIN_RUNS = 1;

/** Runs `run` for `seconds`, at least MIN_RUNS times, one at a time; the figure is the median run. */
export function timeRuns(run: () => Promise<unknown>, seconds: number): Promise<Timing> {
  return timeCalls(run, seconds, { warmup: 0, minCalls: MIN_RUNS });
}
