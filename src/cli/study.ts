import { Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { UserError } from '../core/errors.js';
import { readStudyConfigFile } from '../study/config/config-file.js';
import { STUDY_PRESETS, studyPreset } from '../study/config/presets/index.js';
import { PHASES } from '../records/records.js';
import { DEFAULT_OUT, runStudy } from '../study/run/runner.js';
import { studyStatus, type StudyStatus } from '../study/store/status.js';
import { reportStudy } from '../study/run/report-study.js';
import { emit, progress, table, type Progress } from './output.js';
import { intOption } from './options.js';

export function registerStudy(program: Command): void {
  const study = program.command('study').description('run the robustness study (models x attacks x examples) into a resumable store');
  const presetFlag = () => new Option('--preset <name>', 'a built-in study').choices(Object.keys(STUDY_PRESETS));

  study.command('run')
    .description('run a study, or resume it: units already stored are not recomputed')
    .addOption(presetFlag())
    .option('--config <file>', 'study config (YAML or JSON)')
    .option('--out <dir>', `output folder (default: the config's out, else ./${DEFAULT_OUT})`)
    .option('--jobs <n>', 'worker processes (results do not depend on it)', intOption, 1)
    .option('--json', 'machine-readable output')
    .action(async (o: { preset?: string; config?: string; out?: string; jobs: number; json?: boolean }) => {
      if (!o.preset === !o.config) throw new UserError('give exactly one of --preset <name> or --config <file>');
      const config = o.preset ? studyPreset(o.preset) : readStudyConfigFile(o.config!);
      let bar: Progress | undefined;
      const result = await runStudy(config, {
        out: o.out,
        jobs: o.jobs,
        onProgress: (p) => {
          if (p.unit) bar?.tick();
          else bar = progress('study', p.total);
        },
      });
      bar?.stop();
      const report = await reportStudy(result.out);
      emit(!!o.json, { ...result, report: report.html }, () => [
        `${result.computed} unit${result.computed === 1 ? '' : 's'} computed, ${result.skipped} already stored, in ${(result.elapsedMs / 1000).toFixed(1)} s`,
        formatStatus(result.status),
        `report: ${report.html}`,
      ].join('\n'));
    });

  study.command('report')
    .description('write the HTML report (with CSV and JSON of every table) from a study store')
    .option('--out <dir>', 'output folder of the study', DEFAULT_OUT)
    .option('--json', 'machine-readable output')
    .action(async (o: { out: string; json?: boolean }) => {
      const report = await reportStudy(o.out);
      emit(!!o.json, report, () => `report: ${report.html} (+ ${report.files.length - 1} table files)`);
    });

  study.command('status')
    .description('what a study has done and what is left')
    .option('--out <dir>', 'output folder', DEFAULT_OUT)
    .option('--json', 'machine-readable output')
    .action((o: { out: string; json?: boolean }) => {
      const status = studyStatus(o.out);
      emit(!!o.json, status, () => formatStatus(status));
    });

  study.command('config')
    .description('print a preset as a YAML config, to edit and run with --config')
    .addOption(presetFlag().makeOptionMandatory())
    .action((o: { preset: string }) => {
      process.stdout.write(toYaml(studyPreset(o.preset)));
    });
}

function formatStatus(s: StudyStatus): string {
  const state = s.state === 'running' ? `running (pid ${s.pid})` : s.state;
  return [
    `${s.out}: ${state}; ${s.units.done}/${s.units.total} units, ${s.rows} rows; last update ${s.lastUpdate ?? 'never'}`,
    table(['phase', 'done', 'units', 'left', 'rows'], PHASES.map((p) => {
      const ph = s.phases[p];
      return [p, ph.done, ph.units, ph.units - ph.done, ph.rows];
    })),
  ].join('\n');
}
