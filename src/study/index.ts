/** The study's public API: configs and presets, running and resuming, status, and reading the store. */
export { StudyConfigSchema, parseStudyConfig, type StudyConfig, type StudyConfigInput, type ModelEntry, type AttackEntry, type CleverConfig, type SamplingPolicy } from './config/config-schema.js';
export { readStudyConfigFile } from './config/config-file.js';
export { STUDY_PRESETS, studyPreset } from './config/presets/index.js';
export { PAPER_MODELS, PAPER_LABELS, paperManifest, type PaperModel } from '../models/catalog/paper-models.js';
export { runStudy, DEFAULT_OUT, type RunStudyOptions, type RunStudyResult, type StudyProgress } from './run/runner.js';
export { studyStatus, type StudyStatus, type PhaseStatus, type HostStatus } from './store/status.js';
export { planUnits, type Unit } from './plan/plan.js';
export { attackSettings, type AttackSetting } from './plan/unit-settings.js';
export { openStore, openStudyStore } from './store/open-store.js';
export type { StudyStore, AttackRowFilter, UnitRows } from './store/study-store.js';
export { STORE_FILE } from './store/sqlite-store.js';
export { submitStudy, type SubmitResult } from './queue/submit.js';
export { runQueueWorker, type QueueWorkerOptions, type QueueWorkerResult } from './queue/queue-worker.js';
export * from '../records/records.js';
