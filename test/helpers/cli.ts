import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const MAIN = resolve(process.cwd(), 'dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with a time limit so a hang fails the test instead of blocking. */
export function cli(args: string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
