import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The charting library inlined into every report: Apache ECharts, whole, as its minified browser build.
 * Chosen because one self-contained file (about 1 MB) draws everything the report needs — scatter, lines,
 * heatmaps with a colour scale, legends, tooltips — with no plug-ins; it renders to SVG (crisp in print and
 * screenshots), describes charts to screen readers (its aria option), makes no network requests and
 * needs no eval, so the page runs offline under a strict Content-Security-Policy. Chart.js needs a
 * plug-in for heatmaps; Vega-Lite needs three bundles (vega, vega-lite, vega-embed) and by default compiles
 * its expressions with the Function constructor, which such a policy forbids.
 */
export async function readChartLibrary(): Promise<string> {
  // The package's exports map hides dist/, but its CommonJS entry is dist/echarts.js, beside the minified build.
  const entry = createRequire(import.meta.url).resolve('echarts');
  return readFile(join(dirname(entry), 'echarts.min.js'), 'utf8');
}
