import type { EChartsOption, ScatterSeriesOption } from 'echarts';
import type { StudyModel } from './study-models.js';

/**
 * A chart of the report: an Apache ECharts option, kept as plain JSON (no functions) so that it can be
 * tested, stored in report.json and embedded in the page as data. Tooltips are per data item strings for
 * the same reason.
 */
export interface ChartSpec {
  /** Unique among the report's charts; the page's container id is derived from it (chartElementId). */
  id: string;
  title: string;
  /** Said by screen readers in place of the picture (ECharts' aria label), and shown under the chart. */
  description: string;
  /** Further lines under the chart: fitted equations, intervals, what was left out. */
  notes: string[];
  /** Height of the chart in CSS pixels; the width follows the page. */
  height: number;
  option: EChartsOption;
}

/** Okabe-Ito: distinguishable with the common colour-vision deficiencies (yellow last: weak on white). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];
/** A second cue beside colour, so families stay apart in greyscale print. */
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'roundRect', 'pin', 'arrow'];

export function familyStyle(families: readonly string[], family: string): { color: string; symbol: string } {
  const k = Math.max(0, families.indexOf(family));
  return { color: PALETTE[k % PALETTE.length]!, symbol: SYMBOLS[k % SYMBOLS.length]! };
}

/** Tall enough for axis names, a two-line title and a legend around a readable plot. */
export const SCATTER_HEIGHT = 400;

export interface ModelPoint {
  model: StudyModel;
  x: number;
  y: number;
  /** Tooltip text (one line per entry). */
  tooltip: string[];
}

/**
 * Tooltips render as HTML (ECharts' default: page text drawn above the chart). Their lines are escaped
 * and kept apart by the tooltip's `white-space: pre`, so no markup is built here.
 */
export const TOOLTIP = { trigger: 'item', extraCssText: 'white-space: pre' } as const;

/** A per-item tooltip formatter showing `lines` as text. */
export function tooltipText(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')).join('\n');
}

/**
 * A point's model name, shown on hover only: models of equal accuracy share an x and their labels would
 * overlap (or be hidden at random); the tooltip names the model too.
 */
export const HOVER_LABEL = {
  label: { show: false, position: 'right', formatter: '{b}', fontSize: 10, color: '#333' },
  emphasis: { label: { show: true } },
} as const;

/** One scatter series per family, points named by model (see HOVER_LABEL). */
export function scatterByFamily(points: readonly ModelPoint[], families: readonly string[]): ScatterSeriesOption[] {
  return families
    .filter((f) => points.some((p) => p.model.family === f))
    .map((family) => {
      const { color, symbol } = familyStyle(families, family);
      return {
        type: 'scatter',
        name: family,
        symbol,
        symbolSize: 10,
        itemStyle: { color },
        ...HOVER_LABEL,
        data: points.filter((p) => p.model.family === family).map((p) => ({ name: p.model.name, value: [p.x, p.y], tooltip: { formatter: tooltipText(p.tooltip) } })),
      };
    });
}

/** The parts every chart shares: title, legend, aria description, axes named with their units. */
export function baseOption(spec: { title: string; subtitle?: string; description: string; xName: string; yName: string }): EChartsOption {
  return {
    // A report is read, printed and screenshotted, not watched: no animation, so every render is final.
    animation: false,
    aria: { enabled: true, label: { description: spec.description } },
    title: { text: spec.title, subtext: spec.subtitle, left: 'center', textStyle: { fontSize: 14 }, subtextStyle: { fontSize: 12, color: '#333' } },
    legend: { bottom: 0, type: 'scroll' },
    tooltip: TOOLTIP,
    grid: { left: 16, right: 56, top: spec.subtitle ? 90 : 72, bottom: 64, containLabel: true },
    xAxis: { type: 'value', name: spec.xName, nameLocation: 'middle', nameGap: 28, scale: true },
    // Above the axis rather than rotated beside it: long names with units stay readable and never collide with tick labels.
    yAxis: { type: 'value', name: spec.yName, nameLocation: 'end', nameGap: 12, nameTextStyle: { align: 'left' }, scale: true },
  };
}
