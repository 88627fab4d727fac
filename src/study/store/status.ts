import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/write-file.js';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { parseStudyConfig } from '../config/config-schema.js';
import { folderOwner } from './folder-lock.js';
import { plannedUnits, type Unit } from '../plan/plan.js';
import { queueStatus } from '../queue/queue-status.js';
import { PHASES, type Phase, type UnitRow } from '../../records/records.js';
import { isPostgresUrl } from './postgres-store.js';
import { STORE_FILE, SqliteStore } from './sqlite-store.js';

import { emptyPaces, estimateRemaining } from './eta.js';
import type { PhaseStatus, StudyStatus } from './study-status.js';

export type { HostStatus, PhaseStatus, StudyStatus } from './study-status.js';

/**
 * The SQLite store is locked while a run writes to it, so the runner also leaves its latest status here
 * after every unit, for `study status` to read meanwhile.
 */
export const PROGRESS_FILE = 'progress.json';

/** Counts per phase, kept up to date unit by unit (a study can plan tens of thousands of units). */
export class ProgressTracker {
  private readonly planned: Set<string>;
  private readonly phases = Object.fromEntries(PHASES.map((p) => [p, { units: 0, done: 0, running: 0, failed: 0, rows: 0 }])) as Record<Phase, PhaseStatus>;
  private lastUpdate: string | null = null;
  private running = 0;
  /** Units finished by this process per phase, and when it began its first one: their pace gives the ETA. */
  private readonly paces = emptyPaces();
  private firstStart: number | undefined;

  constructor(
    private readonly out: string,
    plan: readonly Unit[],
    done: readonly UnitRow[],
  ) {
    this.planned = new Set(plan.map((u) => u.id));
    for (const unit of plan) this.phases[unit.phase].units++;
    for (const unit of done) this.count(unit);
  }

  /** A unit starts computing. */
  start(): void {
    this.running++;
    this.firstStart ??= Date.now();
  }

  /** A started unit is stored. */
  add(unit: UnitRow): void {
    this.running--;
    this.paces[unit.phase].finished++;
    this.paces[unit.phase].finishedMs += unit.timeMs;
    this.count(unit);
  }

  private count(unit: UnitRow): void {
    if (!this.planned.has(unit.id)) return;
    // A unit its model failed (NaN/Inf, UnitRow.failure) is finished but counted as failed, not done.
    if (unit.failure !== null) this.phases[unit.phase].failed++;
    else this.phases[unit.phase].done++;
    this.phases[unit.phase].rows += unit.rows;
    if (this.lastUpdate === null || unit.createdAt > this.lastUpdate) this.lastUpdate = unit.createdAt;
  }

  status(running: boolean): StudyStatus {
    const sum = (key: keyof PhaseStatus) => PHASES.reduce((total, p) => total + this.phases[p][key], 0);
    const total = sum('units');
    const done = sum('done');
    const failed = sum('failed');
    const left = total - done - failed;
    for (const p of PHASES) this.paces[p].unfinished = this.phases[p].units - this.phases[p].done - this.phases[p].failed;
    const estimate = running && this.firstStart !== undefined ? estimateRemaining(this.paces, Date.now() - this.firstStart) : { etaMs: null, untimed: [] };
    return {
      store: this.out,
      state: running ? 'running' : total > 0 && left === 0 ? 'complete' : 'stopped',
      pid: running ? process.pid : null,
      phases: structuredClone(this.phases),
      units: { total, done, running: running ? this.running : 0, failed, left },
      rows: sum('rows'),
      lastUpdate: this.lastUpdate,
      etaMs: estimate.etaMs,
      etaExcludes: estimate.untimed,
      hosts: [],
      failures: [],
    };
  }
}

/** Written to a temporary file and renamed, so a reader never sees half of it. */
export function writeProgress(status: StudyStatus): void {
  const path = join(status.store, PROGRESS_FILE);
  writeFileAtomic(path, JSON.stringify(status, null, 2));
}

/** The status of the study in an output folder or a PostgreSQL database. */
export async function studyStatus(location: string): Promise<StudyStatus> {
  if (isPostgresUrl(location)) return queueStatus(location);
  const out = location;
  if (!existsSync(join(out, STORE_FILE))) throw new UserError(`no study in ${out} (${STORE_FILE} not found)`);
  const owner = folderOwner(out);
  if (owner) {
    const path = join(out, PROGRESS_FILE);
    const snapshot = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StudyStatus) : new ProgressTracker(out, [], []).status(true);
    return { ...snapshot, store: out, state: 'running', pid: owner.pid };
  }
  const store = SqliteStore.open(out, { create: false });
  try {
    const stored = await store.meta('config');
    if (stored === undefined) return new ProgressTracker(out, [], []).status(false);
    const config = parseStudyConfig(JSON.parse(stored), join(out, STORE_FILE));
    return new ProgressTracker(out, await plannedUnits(config, store), await store.units()).status(false);
  } finally {
    await store.close();
  }
}
