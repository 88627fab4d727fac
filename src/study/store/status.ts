import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { parseStudyConfig } from '../config/config-schema.js';
import { folderOwner } from './folder-lock.js';
import { HELD_OUT_META, planUnits, type Unit } from '../plan/plan.js';
import { PHASES, type Phase, type UnitRow } from '../../records/records.js';
import { STORE_FILE, openStudyStore } from './store.js';

export interface PhaseStatus {
  units: number;
  done: number;
  rows: number;
}

/** What `study status` reports: units done and left per phase, rows stored, when the last unit finished. */
export interface StudyStatus {
  out: string;
  /** running: a live process holds the folder; complete: every planned unit is done; stopped: neither. */
  state: 'running' | 'stopped' | 'complete';
  pid: number | null;
  phases: Record<Phase, PhaseStatus>;
  units: { total: number; done: number };
  rows: number;
  lastUpdate: string | null;
}

/**
 * The store is locked while a run writes to it, so the runner also leaves its latest status here after
 * every unit, for `study status` to read meanwhile.
 */
export const PROGRESS_FILE = 'progress.json';

/** Counts per phase, kept up to date unit by unit (a study can plan tens of thousands of units). */
export class ProgressTracker {
  private readonly planned: Set<string>;
  private readonly phases = Object.fromEntries(PHASES.map((p) => [p, { units: 0, done: 0, rows: 0 }])) as Record<Phase, PhaseStatus>;
  private lastUpdate: string | null = null;

  constructor(
    private readonly out: string,
    plan: readonly Unit[],
    done: readonly UnitRow[],
  ) {
    this.planned = new Set(plan.map((u) => u.id));
    for (const unit of plan) this.phases[unit.phase].units++;
    for (const unit of done) this.add(unit);
  }

  add(unit: UnitRow): void {
    if (!this.planned.has(unit.id)) return;
    this.phases[unit.phase].done++;
    this.phases[unit.phase].rows += unit.rows;
    if (this.lastUpdate === null || unit.createdAt > this.lastUpdate) this.lastUpdate = unit.createdAt;
  }

  status(running: boolean): StudyStatus {
    const sum = (key: keyof PhaseStatus) => PHASES.reduce((total, p) => total + this.phases[p][key], 0);
    const total = sum('units');
    const done = sum('done');
    return {
      out: this.out,
      state: running ? 'running' : total > 0 && done === total ? 'complete' : 'stopped',
      pid: running ? process.pid : null,
      phases: structuredClone(this.phases),
      units: { total, done },
      rows: sum('rows'),
      lastUpdate: this.lastUpdate,
    };
  }
}

/** Written to a temporary file and renamed, so a reader never sees half of it. */
export function writeProgress(status: StudyStatus): void {
  const path = join(status.out, PROGRESS_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(status, null, 2));
  renameSync(`${path}.tmp`, path);
}

export function studyStatus(out: string): StudyStatus {
  if (!existsSync(join(out, STORE_FILE))) throw new UserError(`no study in ${out} (${STORE_FILE} not found)`);
  const owner = folderOwner(out);
  if (owner) {
    const path = join(out, PROGRESS_FILE);
    const snapshot = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StudyStatus) : new ProgressTracker(out, [], []).status(true);
    return { ...snapshot, out, state: 'running', pid: owner.pid };
  }
  const store = openStudyStore(out);
  try {
    const stored = store.meta('config');
    if (stored === undefined) return new ProgressTracker(out, [], []).status(false);
    const config = parseStudyConfig(JSON.parse(stored), join(out, STORE_FILE));
    return new ProgressTracker(out, planUnits(config, { sample: store.items().length, heldOut: Number(store.meta(HELD_OUT_META) ?? 0) }), store.units()).status(false);
  } finally {
    store.close();
  }
}
