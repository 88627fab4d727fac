import cliProgress from 'cli-progress';

/** Prints a result: JSON on stdout for scripts, or the human rendering. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

export interface Progress {
  /** Advances the bar; `eta` replaces the bar's own estimate (from its pace alone) from then on. */
  tick(by?: number, eta?: string): void;
  update(value: number): void;
  stop(): void;
}

/** A progress bar on stderr (stdout stays clean for --json); silent when stderr is not a terminal. */
export function progress(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total <= 0) return { tick() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: (options, params, payload: { eta?: string }) =>
      cliProgress.Format.Formatter({ ...options, format: `${label} [{bar}] {value}/{total} {percentage}% | ${payload.eta ?? 'ETA {eta_formatted}'}` }, params, payload),
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { tick: (by = 1, eta) => bar.increment(by, eta === undefined ? {} : { eta }), update: (value) => bar.update(value), stop: () => bar.stop() };
}

/** Formats a table of rows; columns are left-aligned unless `leftColumns` says how many are. */
export function table(header: string[], rows: (string | number)[][], opts: { leftColumns?: number } = {}): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  // Columns past `leftColumns` are right-aligned, so figures line up by their last digit.
  const left = opts.leftColumns ?? header.length;
  return cells.map((r) => r.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v));
