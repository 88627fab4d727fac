/**
 * Attack quality per cost against a reference budget, per example: `node dist/bench/budget-quality.js
 * NORM REFERENCE_DIR CANDIDATE_DIR...`, each directory written by `robustscope attack ... --save DIR` on
 * the same examples (same model, data, --limit and seed). For every candidate: mean gradient calls and
 * seconds per example, and the ratio of its NORM distortion to the reference's on the examples both made
 * adversarial (median, p90, max), with the successes it missed or gained. The acceptance reads
 * these against the paper's C&W budget: median within 1%, p90 within 5%, no success missed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { quantileSorted } from 'simple-statistics';
import { table } from '../src/cli/output.js';

interface ExampleRow {
  id: string;
  success: boolean;
  distortion: number;
  gradientCalls: number;
  ms: number;
}

const NORM_COLUMNS: Record<string, string> = { l0: 'l0', l1: 'l1', l2: 'l2', linf: 'linf' };

/** examples.csv of `attack --save` (ids never contain commas: they are dataset ids). */
function readExamples(dir: string, norm: string): Map<string, ExampleRow> {
  const [header, ...lines] = readFileSync(join(dir, 'examples.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${dir}/examples.csv has no column '${name}'`);
    return i;
  };
  const [id, status, d, calls, ms] = [at('id'), at('status'), at(NORM_COLUMNS[norm]!), at('gradient_calls'), at('time_ms')];
  return new Map(lines.map((line) => {
    const f = line.split(',');
    return [f[id]!, { id: f[id]!, success: f[status] === 'success', distortion: Number(f[d]), gradientCalls: Number(f[calls]), ms: Number(f[ms]) }];
  }));
}

function main(): void {
  const [norm, referenceDir, ...candidates] = process.argv.slice(2);
  if (!norm || !(norm in NORM_COLUMNS) || !referenceDir || candidates.length === 0) {
    throw new Error('usage: budget-quality.js NORM(l0|l1|l2|linf) REFERENCE_DIR CANDIDATE_DIR...');
  }
  const reference = readExamples(referenceDir, norm);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const describe = (dir: string, rows: Map<string, ExampleRow>) => {
    const missing = [...reference.keys()].filter((id) => !rows.has(id));
    if (missing.length > 0) throw new Error(`${dir} lacks examples ${missing.slice(0, 3).join(', ')}: not the reference's examples`);
    const pairs = [...reference.values()].map((ref) => ({ ref, own: rows.get(ref.id)! }));
    const ratios = pairs.filter((p) => p.ref.success && p.own.success).map((p) => p.own.distortion / p.ref.distortion).sort((a, b) => a - b);
    const own = pairs.map((p) => p.own);
    const calls = mean(own.map((r) => r.gradientCalls));
    return [
      dir, own.length, Math.round(calls), (mean(own.map((r) => r.ms)) / 1000).toFixed(2),
      (calls / mean([...reference.values()].map((r) => r.gradientCalls))).toFixed(3),
      ...(ratios.length > 0 ? [quantileSorted(ratios, 0.5), quantileSorted(ratios, 0.9), ratios.at(-1)!].map((r) => r.toFixed(4)) : ['-', '-', '-']),
      pairs.filter((p) => p.ref.success && !p.own.success).length,
      pairs.filter((p) => !p.ref.success && p.own.success).length,
    ];
  };
  console.log(`reference ${referenceDir}; ratio = ${norm} of the candidate / of the reference, over the examples both made adversarial; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(table(
    ['setting', 'examples', 'grad calls/ex', 's/ex', 'calls vs ref', 'median ratio', 'p90 ratio', 'max ratio', 'missed', 'gained'],
    [referenceDir, ...candidates].map((dir) => describe(dir, dir === referenceDir ? reference : readExamples(dir, norm))),
    { leftColumns: 1 },
  ));
}

main();
