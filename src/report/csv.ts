import { isRatio, ratioValue, type Cell, type Table } from './table.js';

/**
 * RFC 4180 CSV of a table: a header of column keys, then one line per row. Numbers are written at full
 * precision (the shortest text that reads back to the same double); a ratio cell is written as its rate
 * (the counts are columns of their own wherever they matter); a missing value is an empty field.
 */
export function toCsv(table: Table): string {
  const lines = [table.columns.map((c) => field(c.key)), ...table.rows.map((row) => table.columns.map((c) => field(row[c.key] ?? null)))];
  return lines.map((fields) => fields.join(',')).join('\r\n') + '\r\n';
}

function field(cell: Cell): string {
  if (cell === null) return '';
  if (isRatio(cell)) return field(ratioValue(cell));
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
