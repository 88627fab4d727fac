/**
 * A table of the report: the page shows it, and it is exported as CSV and JSON under its id. Cells hold
 * raw values; a column's kind says how the page formats them, so exports never carry rounded numbers.
 */

export type ColumnKind =
  /** Free text. */
  | 'text'
  /** Identifiers and parameter JSON, shown in monospace. */
  | 'code'
  | 'integer'
  /** A proportion in [0, 1], shown as a percentage. */
  | 'fraction'
  /** A measured quantity (distortion, score, coefficient), shown to 3 significant digits. */
  | 'number'
  /** A ratio to a reference near 1 (distortion at a budget / at a larger one), shown as its change: 1.0037 as +0.37%. */
  | 'change'
  /** A large count (parameters, FLOPs), shown with an SI prefix. */
  | 'si'
  | 'boolean'
  /** A Ratio cell, shown as "rate (numerator/denominator)" so the denominator is always in view. */
  | 'ratio';

export interface Column {
  /** Field name in CSV headers and JSON rows. */
  key: string;
  /** Heading on the page, units included. */
  label: string;
  kind: ColumnKind;
  /** Exported but left off the page, which would otherwise be too wide to read (e.g. full hashes, L0/L1 stds). */
  exportOnly?: boolean;
  /** On the page, the cell (a model name) links to that model's rows in the table of this id (see Table.modelKey). */
  linkTo?: string;
}

export interface Ratio {
  numerator: number;
  denominator: number;
}

export type Cell = string | number | boolean | null | Ratio;
export type Row = Record<string, Cell>;

export interface Table {
  /** File name of the exports (tables/<id>.csv, tables/<id>.json) and the page anchor. */
  id: string;
  title: string;
  caption: string;
  columns: Column[];
  rows: Row[];
  /** Consecutive rows with the same value in this column are shown as one group under a heading row. */
  groupBy?: string;
  /** The column naming each row's model: the page marks rows by model, so that a model's link can find them all. */
  modelKey?: string;
}

/** A model name as it appears in page anchors and row marks. */
export function modelSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '');
}

export function isRatio(cell: Cell): cell is Ratio {
  return typeof cell === 'object' && cell !== null;
}

/** numerator / denominator, or null when there is nothing to divide by. */
export function ratioValue(r: Ratio): number | null {
  return r.denominator === 0 ? null : r.numerator / r.denominator;
}
