import { existsSync, renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sqlite, { type Database, type JSValue, type SQLiteValue, type Statement } from 'node-sqlite3-wasm';
import { UserError } from '../../core/errors.js';
import { ensureWritableFolder } from '../../core/write-file.js';
import { lockFolder, type FolderLock } from './folder-lock.js';
import { PHASES, type AccuracyRow, type AttackRow, type BudgetRow, type CleanRow, type CleverRow, type ItemRow, type ModelRow, type Phase, type TransferRow, type UnitRow } from '../../records/records.js';
import { ACCURACY, ATTACKS, BUDGET, CLEAN, CLEVER, FORMAT, ITEMS, MODELS, TABLES, TABLE_OF, TRANSFER, UNITS, requiredValue, whereClause, withoutImages, type Kind, type Table, type UnitRows, type Where } from './schema.js';
import type { AttackRowFilter, StudyStore } from './study-store.js';

/**
 * The embedded SQLite store, `study.sqlite` in the output folder (DESIGN decision 5): the default, needing
 * no server.
 *
 * Durability: the database runs in WAL mode with an exclusive lock and synchronous=FULL. A commit is one
 * fsync'd append to the WAL and a kill at any moment (even -9) loses at most the transaction in flight;
 * the next open replays the committed frames. (Rollback-journal mode is not safe with this SQLite build:
 * its VFS never sees a hot journal as hot, so a killed transaction would stay half-applied.)
 *
 * Integrity: every evidence row also records the unit it belongs to (`unit_id`, a column of this engine
 * only), so that opening the store can check that every done unit has all its rows and every row a done
 * unit (a store damaged outside robustscope's transactions: a file restored from a copy, rows deleted).
 */

const EVIDENCE: readonly Table<never>[] = PHASES.map((p) => TABLE_OF[p] as Table<never>);

/** What an integrity check found: done units whose rows are not all stored, and rows no done unit owns. */
export interface StoreDamage {
  units: string[];
  orphanRows: number;
}

export const STORE_FILE = 'study.sqlite';

export class SqliteStore implements StudyStore {
  /** What opening for a run repaired (see open); empty when the store was whole. */
  repaired: StoreDamage = { units: [], orphanRows: 0 };

  private constructor(
    /** The output folder. */
    readonly location: string,
    private readonly db: Database,
    private readonly lock: FolderLock,
  ) {}

  /** The store's file. */
  get path(): string {
    return join(this.location, STORE_FILE);
  }

  /**
   * Opens the store of output folder `dir`, creating folder and store when `create` is set. The folder is
   * locked until close(); a lock left by a killed process is taken over. The store is checked on open: a
   * file that is not a study store (empty, corrupt, another format) is refused, never started over, and
   * so is a damaged one when only reading; a run (`create`) repairs the damage instead: the done-markers
   * of units whose rows are missing and the rows of no done unit are dropped, so those units run again.
   */
  static open(dir: string, opts: { create: boolean }): SqliteStore {
    const path = join(dir, STORE_FILE);
    if (!opts.create && !existsSync(path)) throw new UserError(`no study in ${dir} (${STORE_FILE} not found)`);
    if (opts.create) ensureWritableFolder(dir);
    const lock = lockFolder(dir, `${path}.lock`);
    let db: Database | undefined;
    try {
      if (!existsSync(path)) createStoreFile(path);
      // A store is created whole under another name and renamed, so an empty file is never one of ours.
      if (statSync(path).size === 0) throw new UserError(`${path}: empty file (0 bytes), not a study store; restore it from a copy, or remove it to start the study afresh`);
      db = openDatabase(path);
      const store = new SqliteStore(dir, db, lock);
      store.checkFormat();
      const damage = store.damage();
      if (damage.units.length > 0 || damage.orphanRows > 0) {
        const what = `${damage.units.length} unit(s) marked done lack rows, ${damage.orphanRows} row(s) belong to no done unit`;
        if (!opts.create) throw new UserError(`${path}: damaged store (${what}); run the study again with the same config to repair it and recompute those units`);
        store.repair(damage);
        store.repaired = damage;
      }
      return store;
    } catch (err) {
      try {
        db?.close();
      } finally {
        lock.release();
      }
      throw storeError(path, 'cannot open the study store', err);
    }
  }

  private checkFormat(): void {
    if (!this.db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")) {
      throw new UserError(`${this.path}: an SQLite file, but not a robustscope study store (no format mark)`);
    }
    const format = this.metaNow('format');
    if (format !== FORMAT) throw new UserError(`${this.path} has store format ${format}; this robustscope reads format ${FORMAT}`);
  }

  /** Done units whose rows are not all stored, and rows that no done unit owns. */
  damage(): StoreDamage {
    const units: string[] = [];
    let orphanRows = 0;
    for (const phase of PHASES) {
      const t = TABLE_OF[phase].name;
      const short = this.db.all(`SELECT u.id AS id FROM units u WHERE u.phase = ? AND u.rows <> (SELECT COUNT(*) FROM ${t} r WHERE r.unit_id = u.id)`, [phase]);
      units.push(...short.map((r) => String(r.id)));
      orphanRows += Number(this.db.get(`SELECT COUNT(*) AS n FROM ${t} WHERE unit_id NOT IN (SELECT id FROM units)`)!.n);
    }
    return { units, orphanRows };
  }

  /** Drops the markers of incomplete units, then every row without a marker: those units run again. */
  private repair(damage: StoreDamage): void {
    this.transaction(() => {
      for (const id of damage.units) this.db.run('DELETE FROM units WHERE id = ?', [id]);
      for (const t of EVIDENCE) this.db.run(`DELETE FROM ${t.name} WHERE unit_id NOT IN (SELECT id FROM units)`);
    });
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

  async accuracyRows(filter: { modelSha256?: string } = {}): Promise<AccuracyRow[]> {
    return this.select(ACCURACY, { model_sha256: filter.modelSha256 });
  }

  async attackRows(filter: AttackRowFilter = {}): Promise<AttackRow[]> {
    const where = { model_sha256: filter.modelSha256, method: filter.method, settings: filter.settings, item_id: filter.itemIds };
    if (filter.images) return this.select(ATTACKS, where);
    return this.select(withoutImages(ATTACKS), where).map((r) => ({ ...r, adversarial: null }));
  }

  async cleverRows(filter: { modelSha256?: string } = {}): Promise<CleverRow[]> {
    return this.select(CLEVER, { model_sha256: filter.modelSha256 });
  }

  async budgetRows(filter: { modelSha256?: string } = {}): Promise<BudgetRow[]> {
    return this.select(BUDGET, { model_sha256: filter.modelSha256 });
  }

  async transferRows(filter: { modelSha256?: string; sourceSha256?: string } = {}): Promise<TransferRow[]> {
    return this.select(TRANSFER, { model_sha256: filter.modelSha256, source_sha256: filter.sourceSha256 });
  }

  async rowCounts(): Promise<Record<Phase, number>> {
    return Object.fromEntries(PHASES.map((p) => [p, Number(this.db.get(`SELECT COUNT(*) AS n FROM ${TABLE_OF[p].name}`)!.n)])) as Record<Phase, number>;
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
    this.insertAll([[TABLE_OF[result.phase] as Table<unknown>, result.rows, unit.id], [UNITS, [unit]]]);
    return true;
  }

  async close(): Promise<void> {
    this.db.close();
    this.lock.release();
  }

  /**
   * Inserts rows into tables in one transaction; any failure (a duplicate key, say) stores none of them.
   * Evidence rows come with the id of the unit they belong to.
   */
  private insertAll(batches: readonly (readonly [Table<never>, readonly unknown[], unitId?: string])[]): void {
    this.transaction(() => {
      const statements: Statement[] = [];
      try {
        for (const [table, rows, unitId] of batches) {
          const names = [...table.columns.map(([c]) => c), ...(unitId === undefined ? [] : ['unit_id'])];
          const statement = this.db.prepare(`INSERT INTO ${table.name} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
          statements.push(statement);
          for (const row of rows as Record<string, unknown>[]) {
            const values = table.columns.map((column) => toSql(requiredValue(row, column, table.name), column[2]));
            statement.run(unitId === undefined ? values : [...values, unitId]);
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
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        body();
        this.db.exec('COMMIT');
      } catch (err) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // A failed COMMIT (a full disk) may have rolled back already: `err` is the one to report.
        }
        throw err;
      }
    } catch (err) {
      throw storeError(this.path, 'cannot store results', err);
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

/** Opens the SQLite file of a store with the settings durability needs. */
function openDatabase(path: string): Database {
  const db = new sqlite.Database(path);
  try {
    // Exclusive locking first: WAL without shared memory (which this VFS lacks) requires it.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.get('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Creates an empty store at `path`: every table and the format mark, written under a temporary name and
 * renamed into place, so that a kill during creation never leaves a file at `path` (an empty or tableless
 * study.sqlite is then always damage, never a store being born).
 */
function createStoreFile(path: string): void {
  const tmp = `${path}.new`;
  for (const leftover of [tmp, `${tmp}-journal`, `${tmp}.lock`]) rmSync(leftover, { recursive: true, force: true });
  // Not in WAL mode: a commit must be in the file itself before it is renamed (a WAL would stay behind
  // under the temporary name if the disk filled up before its checkpoint); openDatabase switches to WAL.
  const db = new sqlite.Database(tmp);
  try {
    const tables = TABLES.map((t) => {
      const columns = t.columns.map(([name, , kind, nullable]) => `${name} ${SQL_TYPE[kind]}${nullable ? '' : ' NOT NULL'}`);
      const unit = EVIDENCE.includes(t) ? ', unit_id TEXT NOT NULL' : '';
      const index = EVIDENCE.includes(t) ? ` CREATE INDEX ${t.name}_unit ON ${t.name} (unit_id);` : '';
      return `CREATE TABLE ${t.name} (${columns.join(', ')}${unit}, PRIMARY KEY (${t.key.join(', ')}));${index}`;
    });
    db.exec(`BEGIN IMMEDIATE; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); ${tables.join(' ')} INSERT INTO meta VALUES ('format', '${FORMAT}'); COMMIT;`);
  } finally {
    db.close();
  }
  renameSync(tmp, path);
}

/**
 * SQLite's failures as one line naming the file and what to do (a full disk, a damaged file); a
 * UserError passes through, anything else is a bug and stays as it is.
 */
function storeError(path: string, doing: string, err: unknown): unknown {
  if (!(err instanceof sqlite.SQLite3Error)) return err;
  const m = err.message;
  // This SQLite build reports a write that found no space as a plain I/O error: look at the disk.
  const hint = /full/i.test(m) || (/I\/O error/i.test(m) && diskFull(path))
    ? 'the disk is full: free some space and run again; everything stored so far is kept and the run resumes'
    : /not a database|malformed|corrupt/i.test(m)
      ? 'the file is damaged: restore it from a copy, or remove it to start the study afresh'
      : /readonly|read-only|unable to open|permission/i.test(m)
        ? 'the folder or file is not writable'
        : 'see the SQLite message';
  return new UserError(`${path}: ${doing} (${m}): ${hint}`, { cause: err });
}

/** Whether the file system holding `path` has (almost) no space left. */
function diskFull(path: string): boolean {
  try {
    const fs = statfsSync(dirname(path));
    return fs.bavail * fs.bsize < 64 * 1024;
  } catch {
    return false;
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
