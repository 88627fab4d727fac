/** The study's public API: configs and presets, running and resuming, status, and reading the store. */
export { StudyConfigSchema, parseStudyConfig, type StudyConfig, type StudyConfigInput, type ModelEntry, type AttackEntry, type CleverConfig, type SamplingPolicy } from './config/config-schema.js';
export { readStudyConfigFile } from './config/config-file.js';
export { STUDY_PRESETS, studyPreset } from './config/presets/index.js';
export { PAPER_MODELS, PAPER_LABELS, paperManifest, type PaperModel } from '../models/catalog/paper-models.js';
export { runStudy, DEFAULT_OUT, type RunStudyOptions, type RunStudyResult, type StudyProgress } from './run/runner.js';
export { studyStatus, type StudyStatus, type PhaseStatus } from './store/status.js';
export { planUnits, type Unit } from './plan/plan.js';
export { attackSettings, type AttackSetting } from './plan/unit-settings.js';
export { openStudyStore, StudyStore, STORE_FILE, type AttackRowFilter } from './store/store.js';
export * from '../records/records.js';
