import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sqlite, { type Database, type JSValue, type SQLiteValue, type Statement } from 'node-sqlite3-wasm';
import { UserError } from '../../core/errors.js';
import { lockFolder, type FolderLock } from './folder-lock.js';
import type { AccuracyRow, AttackRow, CleanRow, CleverRow, ItemRow, ModelRow, Phase, TransferRow, UnitRow } from '../../records/records.js';

/**
 * The study's SQLite store, `study.sqlite` in the output folder (DESIGN decision 5).
 *
 * Durability: the database runs in WAL mode with an exclusive lock and synchronous=FULL. A commit is one
 * fsync'd append to the WAL and a kill at any moment (even -9) loses at most the transaction in flight;
 * the next open replays the committed frames. (Rollback-journal mode is not safe with this SQLite build:
 * its VFS never sees a hot journal as hot, so a killed transaction would stay half-applied.)
 *
 * Resumability: a unit's rows and its done-marker are written in one transaction, and every evidence
 * table has its row key as primary key, so a unit is either wholly stored or not at all, and a row can
 * never be stored twice.
 */

export const STORE_FILE = 'study.sqlite';
/** Bumped when the tables change; a store of another format is refused rather than misread. */
const FORMAT = '2';

type Kind = 'text' | 'int' | 'real' | 'bool' | 'json' | 'f32';
type Column<R> = readonly [column: string, field: keyof R & string, kind: Kind, nullable?: 'null'];
interface Table<R> {
  name: string;
  columns: readonly Column<R>[];
  key: readonly string[];
}

const PROVENANCE = [['tool_version', 'toolVersion', 'text'], ['created_at', 'createdAt', 'text']] as const;
const ROW_KEY = [['model_sha256', 'modelSha256', 'text'], ['item_id', 'itemId', 'text'], ['method', 'method', 'text'], ['settings', 'settings', 'text'], ['seed', 'seed', 'int']] as const;
const KEY = ['model_sha256', 'item_id', 'method', 'settings', 'seed'];

const ITEMS: Table<ItemRow> = {
  name: 'items',
  columns: [['position', 'position', 'int'], ['dataset_index', 'index', 'int'], ['item_id', 'itemId', 'text'], ['class_id', 'classId', 'text']],
  key: ['position'],
};

const MODELS: Table<ModelRow> = {
  name: 'models',
  columns: [
    ['name', 'name', 'text'], ['sha256', 'sha256', 'text'], ['family', 'family', 'text'], ['parameters', 'parameters', 'int'],
    ['flops_per_image', 'flopsPerImage', 'int'], ['input_shape', 'inputShape', 'json'], ['num_classes', 'numClasses', 'int'], ['depth', 'depth', 'int'], ...PROVENANCE,
  ],
  key: ['name'],
};

const UNITS: Table<UnitRow> = {
  name: 'units',
  columns: [
    ['id', 'id', 'text'], ['phase', 'phase', 'text'], ['model', 'model', 'text'], ['method', 'method', 'text'], ['settings', 'settings', 'text'],
    ['shard', 'shard', 'int'], ['rows', 'rows', 'int'], ['time_ms', 'timeMs', 'real'], ...PROVENANCE,
  ],
  key: ['id'],
};

const CLEAN: Table<CleanRow> = {
  name: 'clean',
  columns: [...ROW_KEY, ['label', 'label', 'int'], ['predicted', 'predicted', 'int'], ['correct', 'correct', 'bool'], ['in_top5', 'inTop5', 'bool'], ...PROVENANCE],
  key: KEY,
};

const ACCURACY: Table<AccuracyRow> = {
  name: 'accuracy',
  columns: [
    ...ROW_KEY, ['start_index', 'start', 'int'], ['end_index', 'end', 'int'], ['evaluated', 'evaluated', 'int'], ['correct', 'correct', 'int'],
    ['in_top5', 'inTop5', 'int'], ...PROVENANCE,
  ],
  key: KEY,
};

const ATTACKS: Table<AttackRow> = {
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

const CLEVER: Table<CleverRow> = {
  name: 'clever',
  columns: [
    ...ROW_KEY, ['norm', 'norm', 'text'], ['target_kind', 'targetKind', 'text'], ['label', 'label', 'int'], ['target', 'target', 'int'],
    ['score', 'score', 'real'], ['lipschitz', 'lipschitz', 'real'], ['g0', 'g0', 'real'], ['radius', 'radius', 'real'],
    ['used_fallback', 'usedFallback', 'bool'], ['ks_p_value', 'ksPValue', 'real', 'null'], ...PROVENANCE,
  ],
  key: KEY,
};

const TRANSFER: Table<TransferRow> = {
  name: 'transfer',
  columns: [
    ...ROW_KEY, ['source_method', 'sourceMethod', 'text'], ['source_sha256', 'sourceSha256', 'text'], ['target_kind', 'targetKind', 'text'],
    ['label', 'label', 'int'], ['target', 'target', 'int', 'null'], ['outcome', 'outcome', 'text'], ['predicted', 'predicted', 'int', 'null'],
    ['target_in_top5', 'targetInTop5', 'bool', 'null'], ['adaptation', 'adaptation', 'text'], ...PROVENANCE,
  ],
  key: [...KEY, 'source_sha256', 'source_method'],
};

/** The rows one unit produced, by the table they go to. */
export type UnitRows =
  | { phase: 'clean'; rows: CleanRow[] }
  | { phase: 'accuracy'; rows: AccuracyRow[] }
  | { phase: 'attack'; rows: AttackRow[] }
  | { phase: 'clever'; rows: CleverRow[] }
  | { phase: 'transfer'; rows: TransferRow[] };

const TABLE_OF: { [P in Phase]: Table<Extract<UnitRows, { phase: P }>['rows'][number]> } = { clean: CLEAN, accuracy: ACCURACY, attack: ATTACKS, clever: CLEVER, transfer: TRANSFER };

/** Equality filters on columns; an array value matches any of its elements. */
type Where = Readonly<Record<string, string | number | readonly (string | number)[] | undefined>>;

export interface AttackRowFilter {
  modelSha256?: string;
  method?: string;
  settings?: string;
  itemIds?: readonly string[];
  /** Load the adversarial images too (default false: they are large). */
  images?: boolean;
}

export class StudyStore {
  private constructor(
    /** The output folder. */
    readonly dir: string,
    private readonly db: Database,
    private readonly lock: FolderLock,
  ) {}

  /**
   * Opens the store of output folder `dir`, creating folder and store when `create` is set. The folder is
   * locked until close(); a lock left by a killed process is taken over.
   */
  static open(dir: string, opts: { create: boolean }): StudyStore {
    const path = join(dir, STORE_FILE);
    if (!opts.create && !existsSync(path)) throw new UserError(`no study in ${dir} (${STORE_FILE} not found)`);
    if (opts.create) mkdirSync(dir, { recursive: true });
    const lock = lockFolder(dir, `${path}.lock`);
    let db: Database | undefined;
    try {
      db = new sqlite.Database(path);
      // Exclusive locking first: WAL without shared memory (which this VFS lacks) requires it.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.get('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      const store = new StudyStore(dir, db, lock);
      store.createTables();
      return store;
    } catch (err) {
      db?.close();
      lock.release();
      throw err;
    }
  }

  /** All tables and the format mark in one transaction, so a kill during creation leaves no half store. */
  private createTables(): void {
    const format = this.db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'") ? this.meta('format') : undefined;
    if (format !== undefined) {
      if (format !== FORMAT) throw new UserError(`${join(this.dir, STORE_FILE)} has store format ${format}; this robustscope reads format ${FORMAT}`);
      return;
    }
    const tables = ([ITEMS, MODELS, UNITS, CLEAN, ACCURACY, ATTACKS, CLEVER, TRANSFER] as Table<never>[]).map((t) => {
      const columns = t.columns.map(([name, , kind, nullable]) => `${name} ${SQL_TYPE[kind]}${nullable ? '' : ' NOT NULL'}`);
      return `CREATE TABLE ${t.name} (${columns.join(', ')}, PRIMARY KEY (${t.key.join(', ')}));`;
    });
    this.db.exec(`BEGIN IMMEDIATE; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); ${tables.join(' ')} INSERT INTO meta VALUES ('format', '${FORMAT}'); COMMIT;`);
  }

  meta(key: string): string | undefined {
    const row = this.db.get('SELECT value FROM meta WHERE key = ?', key);
    return row ? String(row.value) : undefined;
  }

  /** Sets several keys in one transaction (a run's config goes in with its tool version, or not at all). */
  putMeta(values: Readonly<Record<string, string>>): void {
    this.transaction(() => {
      for (const [key, value] of Object.entries(values)) {
        this.db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
      }
    });
  }

  items(): ItemRow[] {
    return this.select(ITEMS, {});
  }

  /** The models in config order, with their clean top-1 accuracy on the sample once the clean pass has run. */
  models(): ModelRow[] {
    const top1 = new Map(this.db.all('SELECT model_sha256 AS sha, AVG(correct) AS top1 FROM clean GROUP BY model_sha256').map((r) => [String(r.sha), Number(r.top1)]));
    return this.select(MODELS, {}).map((m) => (top1.has(m.sha256) ? { ...m, top1: top1.get(m.sha256)! } : m));
  }

  units(): UnitRow[] {
    return this.select(UNITS, {});
  }

  cleanRows(filter: { modelSha256?: string } = {}): CleanRow[] {
    return this.select(CLEAN, { model_sha256: filter.modelSha256 });
  }

  /** Held-out accuracy counts, one row per model and shard of the evaluation split. */
  accuracyRows(filter: { modelSha256?: string } = {}): AccuracyRow[] {
    return this.select(ACCURACY, { model_sha256: filter.modelSha256 });
  }

  attackRows(filter: AttackRowFilter = {}): AttackRow[] {
    const where = { model_sha256: filter.modelSha256, method: filter.method, settings: filter.settings, item_id: filter.itemIds };
    const table = filter.images ? ATTACKS : { ...ATTACKS, columns: ATTACKS.columns.filter(([c]) => c !== 'adversarial') };
    return this.select(table, where).map((r) => (filter.images ? r : { ...r, adversarial: null }));
  }

  cleverRows(filter: { modelSha256?: string } = {}): CleverRow[] {
    return this.select(CLEVER, { model_sha256: filter.modelSha256 });
  }

  transferRows(filter: { modelSha256?: string; sourceSha256?: string } = {}): TransferRow[] {
    return this.select(TRANSFER, { model_sha256: filter.modelSha256, source_sha256: filter.sourceSha256 });
  }

  /** Rows per evidence table. */
  rowCounts(): Record<Phase, number> {
    const count = (t: Table<never>) => Number(this.db.get(`SELECT COUNT(*) AS n FROM ${t.name}`)!.n);
    return { clean: count(CLEAN as Table<never>), accuracy: count(ACCURACY as Table<never>), attack: count(ATTACKS as Table<never>), clever: count(CLEVER as Table<never>), transfer: count(TRANSFER as Table<never>) };
  }

  putItems(items: readonly ItemRow[]): void {
    this.insertAll([[ITEMS, items]]);
  }

  putModels(models: readonly ModelRow[]): void {
    this.insertAll([[MODELS, models]]);
  }

  /** A unit's rows and its done-marker, in one transaction: after a kill either both are stored or neither. */
  commitUnit(unit: UnitRow, result: UnitRows): void {
    this.insertAll([[TABLE_OF[result.phase] as Table<unknown>, result.rows], [UNITS, [unit]]]);
  }

  close(): void {
    this.db.close();
    this.lock.release();
  }

  /** Inserts rows into tables in one transaction; any failure (a duplicate key, say) stores none of them. */
  private insertAll(batches: readonly (readonly [Table<never>, readonly unknown[]])[]): void {
    this.transaction(() => {
      const statements: Statement[] = [];
      try {
        for (const [table, rows] of batches) {
          const names = table.columns.map(([c]) => c);
          const statement = this.db.prepare(`INSERT INTO ${table.name} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
          statements.push(statement);
          for (const row of rows as Record<string, unknown>[]) {
            statement.run(table.columns.map(([column, field, kind, nullable]) => toSql(row[field], kind, nullable !== undefined, `${table.name}.${column}`)));
          }
        }
      } catch (err) {
        try {
          finalizeAll(statements);
        } catch {
          // The failed statement reports the same error again: `err` is the one to report.
        }
        throw err;
      }
      finalizeAll(statements);
    });
  }

  private transaction(body: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      body();
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Rows in the order they were stored, which is the plan's. */
  private select<R>(table: Table<R>, where: Where): R[] {
    const clauses: string[] = [];
    const values: (string | number)[] = [];
    for (const [column, value] of Object.entries(where)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        clauses.push(value.length === 0 ? '0' : `${column} IN (${value.map(() => '?').join(', ')})`);
        values.push(...value);
      } else {
        clauses.push(`${column} = ?`);
        values.push(value as string | number);
      }
    }
    const sql = `SELECT ${table.columns.map(([c]) => c).join(', ')} FROM ${table.name}${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''} ORDER BY rowid`;
    return this.db.all(sql, values).map((r) => {
      const row: Record<string, unknown> = {};
      for (const [column, field, kind] of table.columns) row[field] = fromSql((r as Record<string, SQLiteValue>)[column] ?? null, kind);
      return row as R;
    });
  }
}

/** Opens a finished or interrupted study for reading (the report's entry point); close() it when done. */
export function openStudyStore(dir: string): StudyStore {
  return StudyStore.open(dir, { create: false });
}

/** Finalizes every statement, then throws the first failure (finalize() reports a failed statement's error). */
function finalizeAll(statements: Statement[]): void {
  let failure: unknown;
  for (const s of statements.splice(0)) {
    try {
      s.finalize();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}

const SQL_TYPE: Record<Kind, string> = { text: 'TEXT', int: 'INTEGER', real: 'REAL', bool: 'INTEGER', json: 'TEXT', f32: 'BLOB' };

function toSql(value: unknown, kind: Kind, nullable: boolean, where: string): JSValue {
  if (value === null || value === undefined) {
    if (!nullable) throw new Error(`${where}: missing value`);
    return null;
  }
  switch (kind) {
    case 'bool':
      return value ? 1 : 0;
    case 'json':
      return JSON.stringify(value);
    case 'f32': {
      const a = value as Float32Array;
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    default:
      return value as string | number;
  }
}

function fromSql(value: SQLiteValue, kind: Kind): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'bool':
      return value === 1;
    case 'json':
      return JSON.parse(String(value));
    case 'f32':
      // A copy: the blob's bytes need not be 4-byte aligned.
      return new Float32Array((value as Uint8Array).slice().buffer);
    case 'text':
      return String(value);
    default:
      return Number(value);
  }
}
