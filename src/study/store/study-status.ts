import type { Phase } from '../../records/records.js';

/** What `study status` reports, whichever store holds the study. */

export interface PhaseStatus {
  units: number;
  done: number;
  /** Units being computed now. */
  running: number;
  /** Units that failed for a reason of their own (queue workers record these and go on). */
  failed: number;
  rows: number;
}

/** A machine's share of a study worked on by queue workers. */
export interface HostStatus {
  host: string;
  done: number;
  running: number;
  failed: number;
  /** When its last unit finished (ISO 8601), or null. */
  lastUpdate: string | null;
}

/** What `study status` reports: units done, running, failed and left per phase and per host, rows, ETA. */
export interface StudyStatus {
  /** The output folder, or the database URL (without its password). */
  store: string;
  /** running: work is under way; complete: every planned unit is done or failed; stopped: neither. */
  state: 'running' | 'stopped' | 'complete';
  /** The process running a folder's study (null for queue workers, which `hosts` lists). */
  pid: number | null;
  phases: Record<Phase, PhaseStatus>;
  units: { total: number; done: number; running: number; failed: number; left: number };
  rows: number;
  lastUpdate: string | null;
  /**
   * Time to finish the units left at each phase's pace so far (estimateRemaining); null when nothing is
   * running or nothing has finished yet.
   */
  etaMs: number | null;
  /** Phases with units left of which none has finished yet: etaMs leaves them out. */
  etaExcludes: Phase[];
  hosts: HostStatus[];
  /** Failed units with the reason each failed. */
  failures: { unit: string; host: string; reason: string }[];
}
