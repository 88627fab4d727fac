/**
 * What every benchmark does once its timings are in: warn about rows no quiet timing was found for, and
 * write `bench/results/<name>.json` with the figures and what they were measured on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { BENCH_DIR, PYTHON } from './python.js';
import { OTHER_CPU_LIMIT } from './timing.js';

export interface ResultsRun {
  /** The load average when the benchmark started (the one at the end is read here). */
  loadBefore: number[];
  /** torch.__version__ of the PyTorch side. */
  torchVersion: string;
  /** The timing policy as the benchmark applied it. */
  policy: Record<string, unknown>;
}

/** A share as a whole percentage, for tables and warnings. */
export const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

/** Warns, naming the rows, when other processes took over OTHER_CPU_LIMIT in every timing of them. */
export function warnDisturbed(benchmark: string, rows: { label: string; otherCpu: number[] }[]): void {
  const disturbed = rows.filter((r) => Math.max(...r.otherCpu) > OTHER_CPU_LIMIT).map((r) => r.label);
  if (disturbed.length === 0) return;
  console.error(`${benchmark}: other processes used over ${percent(OTHER_CPU_LIMIT)} of the machine in every timing of ${disturbed.join(', ')}; rerun on an idle machine`);
}

/** Writes bench/results/<benchmark>.json and says where. */
export function writeResults(benchmark: string, run: ResultsRun, results: unknown[]): void {
  const file = join(BENCH_DIR, 'results', `${benchmark}.json`);
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  writeFileSync(file, JSON.stringify({
    benchmark,
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavgBefore: run.loadBefore, loadavgAfter: loadavg() },
    versions: { node: process.versions.node, onnxruntime: ort.env.versions.node ?? ort.env.versions.common, torch: run.torchVersion, python: PYTHON },
    policy: { ...run.policy, otherCpuLimit: OTHER_CPU_LIMIT },
    results,
  }, null, 2) + '\n');
  console.error(`${benchmark}: wrote ${file}`);
}

/** The PyTorch side's OpenMP wait policy, which decides how it copes with a busy machine (see README). */
export const torchOmpWaitPolicy = () => process.env.OMP_WAIT_POLICY ?? 'unset (OpenMP default: active)';
