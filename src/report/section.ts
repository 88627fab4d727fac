import type { ChartSpec } from './chart.js';
import type { Table } from './table.js';

/** A part of a section, in reading order. */
export type Block =
  | { kind: 'paragraph'; text: string }
  /** A sub-heading, listed in the table of contents under its section. */
  | { kind: 'subsection'; id: string; title: string }
  /** Charts laid out side by side where the page is wide enough (e.g. the L2 and L∞ fits of one setting). */
  | { kind: 'figures'; charts: ChartSpec[] }
  | { kind: 'table'; table: Table }
  | { kind: 'preformatted'; text: string }
  /** Links to the CSV and JSON exports of these tables. */
  | { kind: 'downloads'; tables: Table[] };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export function paragraph(text: string): Block {
  return { kind: 'paragraph', text };
}
