/**
 * Attack quality per cost against a reference budget, per example: `node dist/bench/budget-quality.js
 * NORM REFERENCE_DIR CANDIDATE_DIR...`, each directory written by `robustscope attack ... --save DIR` on
 * the same examples (same model, data, --limit and seed). For every candidate: mean gradient calls and
 * seconds per example, and the ratio of its NORM distortion to the reference's on the examples both made
 * adversarial (median, p90 with its distribution-free 95% interval, max; '?' is an end too few examples
 * bound), with the successes it missed or gained. The acceptance reads
 * these against the paper's C&W budget: median within 1%, p90 within 5%, no success missed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { table } from '../src/cli/output.js';
import { compareToReference, type ExampleOutcome } from './budget-compare.js';

const NORM_COLUMNS: Record<string, string> = { l0: 'l0', l1: 'l1', l2: 'l2', linf: 'linf' };

/** examples.csv of `attack --save` (ids never contain commas: they are dataset ids). */
function readExamples(dir: string, norm: string): ExampleOutcome[] {
  const [header, ...lines] = readFileSync(join(dir, 'examples.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${dir}/examples.csv has no column '${name}'`);
    return i;
  };
  const [id, status, d, calls, ms] = [at('id'), at('status'), at(NORM_COLUMNS[norm]!), at('gradient_calls'), at('time_ms')];
  return lines.map((line) => {
    const f = line.split(',');
    return { id: f[id]!, success: f[status] === 'success', distortion: Number(f[d]), gradientCalls: Number(f[calls]), ms: Number(f[ms]) };
  });
}

function main(): void {
  const [norm, referenceDir, ...candidates] = process.argv.slice(2);
  if (!norm || !(norm in NORM_COLUMNS) || !referenceDir || candidates.length === 0) {
    throw new Error('usage: budget-quality.js NORM(l0|l1|l2|linf) REFERENCE_DIR CANDIDATE_DIR...');
  }
  const reference = readExamples(referenceDir, norm);
  const describe = (dir: string) => {
    const c = compareToReference(reference, dir === referenceDir ? reference : readExamples(dir, norm), dir);
    const end = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(4));
    const q = c.ratio ? [...[c.ratio.median, c.ratio.p90].map((r) => r.toFixed(4)), `${end(c.ratio.p90Interval.low)}-${end(c.ratio.p90Interval.high)}`, c.ratio.max.toFixed(4)] : ['-', '-', '-', '-'];
    return [dir, c.examples, Math.round(c.gradientCallsPerExample), c.secondsPerExample.toFixed(2), c.callsVsReference.toFixed(3), ...q, c.missed, c.gained];
  };
  console.log(`reference ${referenceDir}; ratio = ${norm} of the candidate / of the reference, over the examples both made adversarial; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(table(
    ['setting', 'examples', 'grad calls/ex', 's/ex', 'calls vs ref', 'median ratio', 'p90 ratio', 'p90 95% interval', 'max ratio', 'missed', 'gained'],
    [referenceDir, ...candidates].map(describe),
    { leftColumns: 1 },
  ));
}

main();
