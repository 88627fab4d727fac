import type { AccuracyRow, AttackRow, BudgetRow, CleanRow, CleverRow, ItemRow, ModelRow, Phase, TransferRow, UnitRow } from '../../records/records.js';

/**
 * The study store's tables, one definition for every engine (SQLite, PostgreSQL): the column, the row
 * field it holds, and its kind, which each engine maps to its own SQL type and value encoding. Every
 * evidence table has its row key as primary key, so a row can never be stored twice.
 */

/** Bumped when the tables change; a store of another format is refused rather than misread. */
export const FORMAT = '4';

export type Kind = 'text' | 'int' | 'real' | 'bool' | 'json' | 'f32';
export type Column<R> = readonly [column: string, field: keyof R & string, kind: Kind, nullable?: 'null'];
export interface Table<R> {
  name: string;
  columns: readonly Column<R>[];
  key: readonly string[];
}

const PROVENANCE = [['tool_version', 'toolVersion', 'text'], ['created_at', 'createdAt', 'text']] as const;
const ROW_KEY = [['model_sha256', 'modelSha256', 'text'], ['item_id', 'itemId', 'text'], ['method', 'method', 'text'], ['settings', 'settings', 'text'], ['seed', 'seed', 'int']] as const;
const KEY = ['model_sha256', 'item_id', 'method', 'settings', 'seed'];

export const ITEMS: Table<ItemRow> = {
  name: 'items',
  columns: [['position', 'position', 'int'], ['dataset_index', 'index', 'int'], ['item_id', 'itemId', 'text'], ['class_id', 'classId', 'text']],
  key: ['position'],
};

export const MODELS: Table<ModelRow> = {
  name: 'models',
  columns: [
    ['name', 'name', 'text'], ['sha256', 'sha256', 'text'], ['family', 'family', 'text'], ['parameters', 'parameters', 'int'],
    ['flops_per_image', 'flopsPerImage', 'int'], ['input_shape', 'inputShape', 'json'], ['num_classes', 'numClasses', 'int'], ['depth', 'depth', 'int'], ['identity', 'identity', 'text'], ...PROVENANCE,
  ],
  key: ['name'],
};

export const UNITS: Table<UnitRow> = {
  name: 'units',
  columns: [
    ['id', 'id', 'text'], ['phase', 'phase', 'text'], ['model', 'model', 'text'], ['method', 'method', 'text'], ['settings', 'settings', 'text'],
    ['shard', 'shard', 'int'], ['rows', 'rows', 'int'], ['time_ms', 'timeMs', 'real'], ['failure', 'failure', 'text', 'null'], ...PROVENANCE,
  ],
  key: ['id'],
};

export const CLEAN: Table<CleanRow> = {
  name: 'clean',
  columns: [...ROW_KEY, ['label', 'label', 'int'], ['predicted', 'predicted', 'int', 'null'], ['correct', 'correct', 'bool'], ['in_top5', 'inTop5', 'bool'], ...PROVENANCE],
  key: KEY,
};

export const ACCURACY: Table<AccuracyRow> = {
  name: 'accuracy',
  columns: [
    ...ROW_KEY, ['start_index', 'start', 'int'], ['end_index', 'end', 'int'], ['evaluated', 'evaluated', 'int'], ['correct', 'correct', 'int'],
    ['in_top5', 'inTop5', 'int'], ...PROVENANCE,
  ],
  key: KEY,
};

export const ATTACKS: Table<AttackRow> = {
  name: 'attacks',
  columns: [
    ...ROW_KEY, ['attack', 'attack', 'text'], ['target_kind', 'targetKind', 'text'], ['label', 'label', 'int'], ['target', 'target', 'int', 'null'],
    ['status', 'status', 'text'], ['predicted', 'predicted', 'int', 'null'], ['l0', 'l0', 'real', 'null'], ['l1', 'l1', 'real', 'null'],
    ['l2', 'l2', 'real', 'null'], ['linf', 'linf', 'real', 'null'], ['eps', 'eps', 'real', 'null'], ['c', 'c', 'real', 'null'],
    ['iterations', 'iterations', 'int'], ['gradient_calls', 'gradientCalls', 'int'], ['forward_calls', 'forwardCalls', 'int'],
    ['time_ms', 'timeMs', 'real'], ['adversarial', 'adversarial', 'f32', 'null'], ...PROVENANCE,
  ],
  key: KEY,
};

/**
 * Budget-check rows: an attack row's columns without the image, and the base setting and factor it checks.
 * A table of its own, so that the attack tables, scaling law and transfer never see a larger budget's row.
 */
export const BUDGET: Table<BudgetRow> = {
  name: 'budget',
  columns: [
    ...(ATTACKS.columns.filter(([c]) => c !== 'adversarial') as readonly Column<BudgetRow>[]),
    ['base_settings', 'baseSettings', 'text'], ['factor', 'factor', 'real'],
  ],
  key: [...KEY, 'base_settings'],
};

export const CLEVER: Table<CleverRow> = {
  name: 'clever',
  columns: [
    ...ROW_KEY, ['norm', 'norm', 'text'], ['target_kind', 'targetKind', 'text'], ['label', 'label', 'int'], ['target', 'target', 'int'],
    ['score', 'score', 'real'], ['lipschitz', 'lipschitz', 'real'], ['g0', 'g0', 'real'], ['radius', 'radius', 'real'],
    ['used_fallback', 'usedFallback', 'bool'], ['ks_p_value', 'ksPValue', 'real', 'null'], ...PROVENANCE,
  ],
  key: KEY,
};

export const TRANSFER: Table<TransferRow> = {
  name: 'transfer',
  columns: [
    ...ROW_KEY, ['source_method', 'sourceMethod', 'text'], ['source_sha256', 'sourceSha256', 'text'], ['target_kind', 'targetKind', 'text'],
    ['label', 'label', 'int'], ['target', 'target', 'int', 'null'], ['outcome', 'outcome', 'text'], ['predicted', 'predicted', 'int', 'null'],
    ['target_in_top5', 'targetInTop5', 'bool', 'null'], ['adaptation', 'adaptation', 'text'], ...PROVENANCE,
  ],
  key: [...KEY, 'source_sha256', 'source_method'],
};

/** Every table, in creation order. */
export const TABLES = [ITEMS, MODELS, UNITS, CLEAN, ACCURACY, ATTACKS, CLEVER, TRANSFER, BUDGET] as readonly Table<never>[];

/** The rows one unit produced, by the table they go to. */
export type UnitRows =
  | { phase: 'clean'; rows: CleanRow[] }
  | { phase: 'accuracy'; rows: AccuracyRow[] }
  | { phase: 'attack'; rows: AttackRow[] }
  | { phase: 'clever'; rows: CleverRow[] }
  | { phase: 'transfer'; rows: TransferRow[] }
  | { phase: 'budget'; rows: BudgetRow[] };

export const TABLE_OF: { [P in Phase]: Table<Extract<UnitRows, { phase: P }>['rows'][number]> } = { clean: CLEAN, accuracy: ACCURACY, attack: ATTACKS, clever: CLEVER, transfer: TRANSFER, budget: BUDGET };

/** Equality filters on columns; an array value matches any of its elements. */
export type Where = Readonly<Record<string, string | number | readonly (string | number)[] | undefined>>;

/**
 * A WHERE clause (with its leading ` WHERE`, or empty) and its values; `placeholder(i)` writes the i-th
 * (0-based) parameter in the engine's syntax.
 */
export function whereClause(where: Where, placeholder: (i: number) => string): { sql: string; values: (string | number)[] } {
  const clauses: string[] = [];
  const values: (string | number)[] = [];
  const next = (value: string | number) => {
    values.push(value);
    return placeholder(values.length - 1);
  };
  for (const [column, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) clauses.push(value.length === 0 ? '1 = 0' : `${column} IN (${value.map(next).join(', ')})`);
    else clauses.push(`${column} = ${next(value as string | number)}`);
  }
  return { sql: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', values };
}

/** A table without its image column, for reads that do not need the (large) images. */
export function withoutImages(table: Table<AttackRow>): Table<AttackRow> {
  return { ...table, columns: table.columns.filter(([c]) => c !== 'adversarial') };
}

/** A row's value for a column, or an error naming the column when a required one is missing. */
export function requiredValue<R>(row: Record<string, unknown>, [column, field, , nullable]: Column<R>, table: string): unknown {
  const value = row[field];
  if ((value === null || value === undefined) && nullable === undefined) throw new Error(`${table}.${column}: missing value`);
  return value ?? null;
}
