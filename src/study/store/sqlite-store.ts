import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sqlite, { type Database, type JSValue, type SQLiteValue, type Statement } from 'node-sqlite3-wasm';
import { UserError } from '../../core/errors.js';
import { lockFolder, type FolderLock } from './folder-lock.js';
import type { AttackRow, CleanRow, CleverRow, ItemRow, ModelRow, Phase, TransferRow, UnitRow } from '../../records/records.js';
import { ATTACKS, CLEAN, CLEVER, FORMAT, ITEMS, MODELS, TABLES, TABLE_OF, TRANSFER, UNITS, requiredValue, whereClause, withoutImages, type Kind, type Table, type UnitRows, type Where } from './schema.js';
import type { AttackRowFilter, StudyStore } from './study-store.js';

/**
 * The embedded SQLite store, `study.sqlite` in the output folder (DESIGN decision 5): the default, needing
 * no server.
 *
 * Durability: the database runs in WAL mode with an exclusive lock and synchronous=FULL. A commit is one
 * fsync'd append to the WAL and a kill at any moment (even -9) loses at most the transaction in flight;
 * the next open replays the committed frames. (Rollback-journal mode is not safe with this SQLite build:
 * its VFS never sees a hot journal as hot, so a killed transaction would stay half-applied.)
 */

export const STORE_FILE = 'study.sqlite';

export class SqliteStore implements StudyStore {
  private constructor(
    /** The output folder. */
    readonly location: string,
    private readonly db: Database,
    private readonly lock: FolderLock,
  ) {}

  /**
   * Opens the store of output folder `dir`, creating folder and store when `create` is set. The folder is
   * locked until close(); a lock left by a killed process is taken over.
   */
  static open(dir: string, opts: { create: boolean }): SqliteStore {
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
      const store = new SqliteStore(dir, db, lock);
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
    const format = this.db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'") ? this.metaNow('format') : undefined;
    if (format !== undefined) {
      if (format !== FORMAT) throw new UserError(`${join(this.location, STORE_FILE)} has store format ${format}; this robustscope reads format ${FORMAT}`);
      return;
    }
    const tables = TABLES.map((t) => {
      const columns = t.columns.map(([name, , kind, nullable]) => `${name} ${SQL_TYPE[kind]}${nullable ? '' : ' NOT NULL'}`);
      return `CREATE TABLE ${t.name} (${columns.join(', ')}, PRIMARY KEY (${t.key.join(', ')}));`;
    });
    this.db.exec(`BEGIN IMMEDIATE; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); ${tables.join(' ')} INSERT INTO meta VALUES ('format', '${FORMAT}'); COMMIT;`);
  }

  async meta(key: string): Promise<string | undefined> {
    return this.metaNow(key);
  }

  private metaNow(key: string): string | undefined {
    const row = this.db.get('SELECT value FROM meta WHERE key = ?', key);
    return row ? String(row.value) : undefined;
  }

  async putMeta(values: Readonly<Record<string, string>>): Promise<void> {
    this.transaction(() => {
      for (const [key, value] of Object.entries(values)) {
        this.db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
      }
    });
  }

  async items(): Promise<ItemRow[]> {
    return this.select(ITEMS, {});
  }

  async models(): Promise<ModelRow[]> {
    const top1 = new Map(this.db.all('SELECT model_sha256 AS sha, AVG(correct) AS top1 FROM clean GROUP BY model_sha256').map((r) => [String(r.sha), Number(r.top1)]));
    return this.select(MODELS, {}).map((m) => (top1.has(m.sha256) ? { ...m, top1: top1.get(m.sha256)! } : m));
  }

  async units(): Promise<UnitRow[]> {
    return this.select(UNITS, {});
  }

  async cleanRows(filter: { modelSha256?: string } = {}): Promise<CleanRow[]> {
    return this.select(CLEAN, { model_sha256: filter.modelSha256 });
  }

  async attackRows(filter: AttackRowFilter = {}): Promise<AttackRow[]> {
    const where = { model_sha256: filter.modelSha256, method: filter.method, settings: filter.settings, item_id: filter.itemIds };
    if (filter.images) return this.select(ATTACKS, where);
    return this.select(withoutImages(ATTACKS), where).map((r) => ({ ...r, adversarial: null }));
  }

  async cleverRows(filter: { modelSha256?: string } = {}): Promise<CleverRow[]> {
    return this.select(CLEVER, { model_sha256: filter.modelSha256 });
  }

  async transferRows(filter: { modelSha256?: string; sourceSha256?: string } = {}): Promise<TransferRow[]> {
    return this.select(TRANSFER, { model_sha256: filter.modelSha256, source_sha256: filter.sourceSha256 });
  }

  async rowCounts(): Promise<Record<Phase, number>> {
    const count = (t: Table<never>) => Number(this.db.get(`SELECT COUNT(*) AS n FROM ${t.name}`)!.n);
    return { clean: count(CLEAN as Table<never>), attack: count(ATTACKS as Table<never>), clever: count(CLEVER as Table<never>), transfer: count(TRANSFER as Table<never>) };
  }

  async putItems(items: readonly ItemRow[]): Promise<void> {
    this.insertAll([[ITEMS, items]]);
  }

  async putModels(models: readonly ModelRow[]): Promise<void> {
    this.insertAll([[MODELS, models]]);
  }

  async commitUnit(unit: UnitRow, result: UnitRows): Promise<boolean> {
    // One process owns the folder, so a unit it stores cannot have been stored meanwhile by another.
    if (this.db.get('SELECT 1 FROM units WHERE id = ?', unit.id)) return false;
    this.insertAll([[TABLE_OF[result.phase] as Table<unknown>, result.rows], [UNITS, [unit]]]);
    return true;
  }

  async close(): Promise<void> {
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
            statement.run(table.columns.map((column) => toSql(requiredValue(row, column, table.name), column[2])));
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
    const filter = whereClause(where, () => '?');
    const sql = `SELECT ${table.columns.map(([c]) => c).join(', ')} FROM ${table.name}${filter.sql} ORDER BY rowid`;
    return this.db.all(sql, filter.values).map((r) => {
      const row: Record<string, unknown> = {};
      for (const [column, field, kind] of table.columns) row[field] = fromSql((r as Record<string, SQLiteValue>)[column] ?? null, kind);
      return row as R;
    });
  }
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

function toSql(value: unknown, kind: Kind): JSValue {
  if (value === null) return null;
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
