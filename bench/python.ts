/** Where the benchmarks live and how they call their PyTorch side. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The source folder bench/: the compiled file runs from dist/bench/, where the Python scripts and the cache are not. */
export const BENCH_DIR = resolve(fileURLToPath(import.meta.url), '../../../bench');

/**
 * Debian's python3-torch installs into the system interpreter, not the pyenv python3 first on PATH;
 * BENCH_PYTHON points elsewhere.
 */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** Runs a script in bench/torch/ and returns its stdout; stderr passes through so progress stays visible. */
export function python(script: string, args: string[]): string {
  const r = spawnSync(PYTHON, [join(BENCH_DIR, 'torch', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${PYTHON}: cannot run (${r.error.message}); install python3-torch or set BENCH_PYTHON`);
  if (r.status !== 0) throw new Error(`${PYTHON} ${script} ${args.join(' ')} exited with ${r.status}`);
  return r.stdout;
}
