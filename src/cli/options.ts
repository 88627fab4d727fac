import { InvalidArgumentError, Option } from 'commander';
import type { LoadModelOptions } from '../models/load-model.js';
import type { ResizeMode } from '../data/image.js';

/**
 * The one rule for integer options of every command: plain decimal digits (no '', no sign, no 1e3, no
 * 0x10) within [min, max]. A batch or count of 0 where work needs at least one would loop forever.
 */
function integerOption(min: number): (value: string) => number {
  return (value: string) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'`);
    return n;
  };
}

/** Counts that may be zero: --limit, --seed. */
export const countOption = integerOption(0);
/** Sizes that must be at least one: --batch, --jobs, --threads, --nb, --ns, --epochs, --top. */
export const sizeOption = integerOption(1);

export function positiveNumberOption(value: string): number {
  const v = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return v;
}

export interface ModelFlags {
  labels?: string;
  threads?: number;
  resize?: ResizeMode;
}

export function modelOptions(o: ModelFlags): LoadModelOptions {
  return { labels: o.labels, threads: o.threads, manifest: o.resize ? { resize: o.resize } : undefined };
}

export const labelsFlag = () => new Option('--labels <file>', 'class ids/names in logit order, one per line or a JSON array (overrides the manifest)');
export const threadsFlag = () => new Option('--threads <n>', 'ONNX Runtime intra-op threads (default 2)').argParser(sizeOption);
export const resizeFlag = () => new Option('--resize <mode>', "how images reach the input size (overrides the manifest)").choices(['shorter-side-crop', 'stretch']);

/** Collects repeated `--set key=value` into one object; values stay strings for the attack's schema. */
export function setOption(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() };
}
