import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { UserError } from '../core/errors.js';
import { readStudyConfigFile } from '../study/config/config-file.js';
import type { StudyConfig } from '../study/config/config-schema.js';
import { STUDY_PRESETS, studyPreset } from '../study/config/presets/index.js';
import { runQueueWorker } from '../study/queue/queue-worker.js';
import { submitStudy } from '../study/queue/submit.js';
import { DEFAULT_QUEUE_SETTINGS, MAX_EXPIRE_SECONDS } from '../study/queue/unit-queue.js';
import { PHASES } from '../records/records.js';
import { DEFAULT_OUT, runStudy } from '../study/run/runner.js';
import { studyStatus, type StudyStatus } from '../study/store/status.js';
import { reportStudy } from '../study/run/report-study.js';
import { isPostgresUrl } from '../study/store/postgres-store.js';
import { emit, progress, table, type Progress } from './output.js';
import { countOption, sizeOption } from './options.js';

const STORE_HELP = 'where the results are: an output folder (SQLite, the default) or a postgres:// URL shared by workers on many machines';

export function registerStudy(program: Command): void {
  const study = program.command('study').description('run the robustness study (models x attacks x examples) into a resumable store');
  const presetFlag = () => new Option('--preset <name>', 'a built-in study').choices(Object.keys(STUDY_PRESETS));
  const chooseConfig = (o: { preset?: string; config?: string }): StudyConfig => {
    if (!o.preset === !o.config) throw new UserError('give exactly one of --preset <name> or --config <file>');
    return o.preset ? studyPreset(o.preset) : readStudyConfigFile(o.config!);
  };

  study.command('run')
    .description('run a study, or resume it: units already stored are not recomputed (with a postgres:// --store: submit, work here, report)')
    .addOption(presetFlag())
    .option('--config <file>', 'study config (YAML or JSON)')
    .option('--out <dir>', `output folder of the store and report (default: the config's out, else ./${DEFAULT_OUT})`)
    .option('--store <folder|url>', `${STORE_HELP} (default: --out)`)
    // One single-threaded process per core: on the zoo's small models this ran the study twice as fast as one
    // process with two ONNX Runtime threads (measured on 2 cores), and results do not depend on it.
    .option('--jobs <n>', 'worker processes, the cores shared out among them as ONNX Runtime threads (default: one per core; results do not depend on it)', sizeOption, availableParallelism())
    .option('--json', 'machine-readable output')
    .action(async (o: { preset?: string; config?: string; out?: string; store?: string; jobs: number; json?: boolean }) => {
      const config = chooseConfig(o);
      let bar: Progress | undefined;
      const result = await runStudy(config, {
        out: o.out,
        store: o.store,
        jobs: o.jobs,
        onWarning: (message) => process.stderr.write(`robustscope: warning: ${message}\n`),
        onProgress: (p) => {
          const eta = p.etaMs === null ? undefined : `ETA ${formatDuration(p.etaMs)}${p.etaExcludes.length > 0 ? ` + ${p.etaExcludes.join(', ')}` : ''}`;
          if (p.unit) bar?.tick(1, eta);
          else bar = progress('study', p.total);
        },
      });
      bar?.stop();
      const reportDir = isPostgresUrl(result.store) ? (o.out ?? config.out ?? DEFAULT_OUT) : result.store;
      const report = await reportStudy(o.store ?? result.store, reportDir);
      emit(!!o.json, { ...result, report: report.html }, () => [
        `${result.computed} unit${result.computed === 1 ? '' : 's'} computed, ${result.skipped} already stored, in ${(result.elapsedMs / 1000).toFixed(1)} s`,
        formatStatus(result.status),
        `report: ${report.html}`,
      ].join('\n'));
    });

  study.command('submit')
    .description('record a study in a PostgreSQL database and queue its units for `study worker`s (again: adds only what is missing)')
    .addOption(presetFlag())
    .option('--config <file>', 'study config (YAML or JSON)')
    .requiredOption('--store <url>', 'postgres://user@host:port/database (one database per study)')
    .option('--unit-timeout <s>', `seconds after which a running unit's worker is presumed dead and the unit retried (at most ${MAX_EXPIRE_SECONDS})`, sizeOption, DEFAULT_QUEUE_SETTINGS.expireSeconds)
    .option('--retries <n>', 'times a unit whose worker died is retried before it is recorded as failed', countOption, DEFAULT_QUEUE_SETTINGS.retries)
    .option('--json', 'machine-readable output')
    .action(async (o: { preset?: string; config?: string; store: string; unitTimeout: number; retries: number; json?: boolean }) => {
      requirePostgres(o.store);
      const result = await submitStudy(chooseConfig(o), o.store, { expireSeconds: o.unitTimeout, retries: o.retries });
      emit(!!o.json, result, () =>
        `${result.store}: ${result.units} units; ${result.added} added to the queue, ${result.queued} waiting or running, ${result.done} done, ${result.failed} failed`);
    });

  study.command('worker')
    .description("claim a submitted study's units and compute them until none is left (run one per machine, any number of machines)")
    .requiredOption('--store <url>', 'postgres:// URL the study was submitted to')
    .option('--jobs <n>', 'units at once, each in its own process', sizeOption, 1)
    .option('--threads <n>', 'ONNX Runtime intra-op threads per unit (default: 2, or the cores shared out among --jobs)', sizeOption)
    .option('--wait', 'keep polling for units when none is left, instead of exiting')
    .option('--pull', "first fetch the paper models this machine lacks (robustscope models pull), to the config's paths")
    .option('--json', 'machine-readable output')
    .action(async (o: { store: string; jobs: number; threads?: number; wait?: boolean; pull?: boolean; json?: boolean }) => {
      requirePostgres(o.store);
      let idle = false;
      const result = await runQueueWorker(o.store, {
        jobs: o.jobs,
        threads: o.threads,
        wait: !!o.wait,
        pull: !!o.pull,
        onPull: (model, path) => process.stderr.write(`pulling ${model} to ${path}\n`),
        onUnit: (row) => process.stderr.write(`stored ${row.id}: ${row.rows} rows in ${(row.timeMs / 1000).toFixed(1)} s\n`),
        onFailure: (unit, reason) => process.stderr.write(`failed ${unit}: ${reason}\n`),
        onIdle: () => {
          if (!idle) process.stderr.write('no unit left: waiting for more (--wait; Ctrl-C stops)\n');
          idle = true;
        },
      });
      emit(!!o.json, result, () =>
        `${result.host}: ${result.computed} units computed, ${result.failed} failed, ${result.alreadyDone} found already stored, in ${(result.elapsedMs / 1000).toFixed(1)} s`);
    });

  study.command('report')
    .description('write the HTML report (with CSV and JSON of every table) from a study store')
    .option('--out <dir>', 'folder to write the report into (and the store, unless --store names another)', DEFAULT_OUT)
    .option('--store <folder|url>', `${STORE_HELP} (default: --out)`)
    .option('--json', 'machine-readable output')
    .action(async (o: { out: string; store?: string; json?: boolean }) => {
      const report = await reportStudy(o.store ?? o.out, o.out);
      emit(!!o.json, report, () => `report: ${report.html} (+ ${report.files.length - 1} table files)`);
    });

  study.command('status')
    .description('what a study has done, what is running, what failed and what is left (per worker host for a postgres:// store)')
    .option('--out <dir>', 'output folder', DEFAULT_OUT)
    .option('--store <folder|url>', `${STORE_HELP} (default: --out)`)
    .option('--json', 'machine-readable output')
    .action(async (o: { out: string; store?: string; json?: boolean }) => {
      const status = await studyStatus(o.store ?? o.out);
      emit(!!o.json, status, () => formatStatus(status));
    });

  study.command('config')
    .description('print a preset as a YAML config, to edit and run with --config')
    .addOption(presetFlag().makeOptionMandatory())
    .action((o: { preset: string }) => {
      process.stdout.write(toYaml(studyPreset(o.preset)));
    });
}

function requirePostgres(store: string): void {
  if (!isPostgresUrl(store)) throw new UserError(`--store: expected a postgres:// URL (workers share a database), got '${store}'`);
}

function formatStatus(s: StudyStatus): string {
  const state = s.state === 'running' ? (s.pid !== null ? `running (pid ${s.pid})` : 'running') : s.state;
  const eta = s.etaMs === null ? '' : `; ${describeEta(s.etaMs, s.etaExcludes)}`;
  const lines = [
    `${s.store}: ${state}; ${s.units.done}/${s.units.total} units done, ${s.units.running} running, ${s.units.failed} failed, ${s.units.left} left; ${s.rows} rows; last update ${s.lastUpdate ?? 'never'}${eta}`,
    table(['phase', 'done', 'running', 'failed', 'left', 'units', 'rows'], PHASES.map((p) => {
      const ph = s.phases[p];
      return [p, ph.done, ph.running, ph.failed, ph.units - ph.done - ph.running - ph.failed, ph.units, ph.rows];
    }), { leftColumns: 1 }),
  ];
  if (s.hosts.length > 0) {
    lines.push(table(['host', 'done', 'running', 'failed', 'last unit'], s.hosts.map((h) => [h.host, h.done, h.running, h.failed, h.lastUpdate ?? '-']), { leftColumns: 1 }));
  }
  for (const f of s.failures) lines.push(`failed ${f.unit} on ${f.host}: ${f.reason}`);
  return lines.join('\n');
}

/** The ETA, naming the phases it cannot time yet (none of their units has finished). */
function describeEta(ms: number, excludes: readonly string[]): string {
  const untimed = excludes.length === 0 ? '' : `, not counting ${excludes.join(', ')} (no unit of ${excludes.length === 1 ? 'it' : 'them'} finished yet)`;
  return `about ${formatDuration(ms)} left at each phase's pace so far${untimed}`;
}

function formatDuration(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}
