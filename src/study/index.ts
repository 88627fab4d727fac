/** The study's public API: configs and presets, running and resuming, status, and reading the store. */
export { StudyConfigSchema, parseStudyConfig, type StudyConfig, type StudyConfigInput, type ModelEntry, type AttackEntry, type CleverConfig, type SamplingPolicy } from './config-schema.js';
export { readStudyConfigFile } from './config-file.js';
export { STUDY_PRESETS, studyPreset } from './presets/index.js';
export { PAPER_MODELS, PAPER_LABELS, paperManifest, type PaperModel } from './presets/paper-models.js';
export { runStudy, DEFAULT_OUT, type RunStudyOptions, type RunStudyResult, type StudyProgress } from './runner.js';
export { studyStatus, type StudyStatus, type PhaseStatus } from './status.js';
export { planUnits, type Unit } from './plan.js';
export { attackSettings, type AttackSetting } from './settings.js';
export { openStudyStore, StudyStore, STORE_FILE, type AttackRowFilter } from './store.js';
export * from './records.js';
