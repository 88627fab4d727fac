import { writeFileAtomic } from '../core/write-file.js';
import { join } from 'node:path';
import { readChartLibrary } from './chart-library.js';
import { toCsv } from './csv.js';
import { renderHtml } from './html.js';
import { buildReport, type ReportData } from './report-model.js';

export interface WrittenReport {
  /** Path of report.html. */
  html: string;
  /** Every file written, report.html first. */
  files: string[];
}

/**
 * Writes the report of `data` into `outDir`: report.html (self-contained, works offline), tables/<id>.csv
 * and tables/<id>.json for every table, and report.json with the whole report model and the config.
 * Files already there with the same names are replaced, each atomically (a kill or a full disk leaves the
 * old file or the new one, never half of one), report.html last; others are left alone.
 */
export async function writeReport(outDir: string, data: ReportData): Promise<WrittenReport> {
  const model = buildReport(data);
  const library = await readChartLibrary();
  const files: [string, string][] = [
    [join(outDir, 'report.html'), renderHtml(model, library)],
    [join(outDir, 'report.json'), JSON.stringify({ ...model, config: data.config ?? null }, keepInfinity, 2) + '\n'],
    ...model.tables.flatMap((t): [string, string][] => [
      [join(outDir, 'tables', `${t.id}.csv`), toCsv(t)],
      [join(outDir, 'tables', `${t.id}.json`), JSON.stringify(t, keepInfinity, 2) + '\n'],
    ]),
  ];
  for (const [path, text] of [...files.slice(1), files[0]!]) writeFileAtomic(path, text);
  return { html: files[0]![0], files: files.map(([path]) => path) };
}

/** JSON has no Infinity (JSON.stringify writes null): a median of +Infinity (most attacks failed) is written "Infinity", as in the CSV. */
function keepInfinity(_key: string, value: unknown): unknown {
  return value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : value;
}
