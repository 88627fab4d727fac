import pg from 'pg';
import { UserError, messageOf } from '../../core/errors.js';
import { PHASES, type AccuracyRow, type AttackRow, type BudgetRow, type CleanRow, type CleverRow, type ItemRow, type ModelRow, type Phase, type TransferRow, type UnitRow } from '../../records/records.js';
import { ACCURACY, ATTACKS, BUDGET, CLEAN, CLEVER, FORMAT, ITEMS, MODELS, TABLES, TABLE_OF, TRANSFER, UNITS, requiredValue, whereClause, withoutImages, type Kind, type Table, type UnitRows, type Where } from './schema.js';
import type { AttackRowFilter, StudyStore } from './study-store.js';

/**
 * The PostgreSQL store: the same tables as the SQLite one (schema.ts), in the schema `robustscope` of the
 * database a `postgres://` URL names, so that workers on many machines write one study. One database holds
 * one study. Every table has an identity column `seq`, so reads return rows in the order they were
 * stored, as SQLite's rowid does.
 */

export const PG_SCHEMA = 'robustscope';

/** What runs SQL: the pool, or the client of an open transaction. */
export interface Sql {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** The URL without its password, for messages and status output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** Rows per INSERT statement: PostgreSQL takes at most 65535 parameters in one. */
const INSERT_BATCH = 1000;

export class PostgresStore implements StudyStore {
  private constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
  ) {}

  static async open(url: string, opts: { create: boolean }): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle client losing its server connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const store = new PostgresStore(redactUrl(url), pool);
    try {
      await store.prepare(opts.create);
      return store;
    } catch (err) {
      await pool.end();
      if (err instanceof UserError) throw err;
      throw new UserError(`${store.location}: cannot open the study store (${messageOf(err)})`, { cause: err });
    }
  }

  /** Checks the format mark, or creates every table with it in one transaction when `create` is set. */
  private async prepare(create: boolean): Promise<void> {
    const exists = async (sql: Sql) => (await sql.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [PG_SCHEMA, 'meta'])).rows.length > 0;
    if (!(await exists(this.pool))) {
      if (!create) throw new UserError(`${this.location}: no study in this database (run robustscope study submit first)`);
      await this.transaction(async (sql) => {
        // Workers and a submitter may open a fresh database at once: one creates, the others wait and see it.
        await sql.query(`SELECT pg_advisory_xact_lock(hashtext('${PG_SCHEMA}.create'))`);
        if (await exists(sql)) return;
        await sql.query(`CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA}`);
        await sql.query(`CREATE TABLE ${PG_SCHEMA}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
        for (const t of TABLES) {
          const columns = t.columns.map(([name, , kind, nullable]) => `${name} ${SQL_TYPE[kind]}${nullable ? '' : ' NOT NULL'}`);
          await sql.query(`CREATE TABLE ${PG_SCHEMA}.${t.name} (seq BIGINT GENERATED ALWAYS AS IDENTITY, ${columns.join(', ')}, PRIMARY KEY (${t.key.join(', ')}))`);
        }
        await sql.query(`INSERT INTO ${PG_SCHEMA}.meta VALUES ('format', $1)`, [FORMAT]);
      });
    }
    const format = await this.meta('format');
    if (format !== FORMAT) throw new UserError(`${this.location}: the study store has format ${format}; this robustscope reads format ${FORMAT}`);
  }

  /** Runs `body` in one transaction on one connection: committed if it returns, rolled back if it throws. */
  async transaction<T>(body: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** One statement outside any transaction. */
  query(text: string, values?: readonly unknown[]): ReturnType<Sql['query']> {
    return this.pool.query(text, values as unknown[]);
  }

  async meta(key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query(`SELECT value FROM ${PG_SCHEMA}.meta WHERE key = $1`, [key]);
    return rows.length ? String(rows[0].value) : undefined;
  }

  async putMeta(values: Readonly<Record<string, string>>): Promise<void> {
    await this.transaction(async (sql) => {
      for (const [key, value] of Object.entries(values)) {
        await sql.query(`INSERT INTO ${PG_SCHEMA}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value]);
      }
    });
  }

  items(): Promise<ItemRow[]> {
    return this.select(ITEMS, {});
  }

  async models(): Promise<ModelRow[]> {
    const { rows } = await this.pool.query(`SELECT model_sha256 AS sha, AVG(CASE WHEN correct THEN 1.0 ELSE 0.0 END)::float8 AS top1 FROM ${PG_SCHEMA}.clean GROUP BY model_sha256`);
    const top1 = new Map(rows.map((r) => [String(r.sha), Number(r.top1)]));
    return (await this.select(MODELS, {})).map((m) => (top1.has(m.sha256) ? { ...m, top1: top1.get(m.sha256)! } : m));
  }

  units(): Promise<UnitRow[]> {
    return this.select(UNITS, {});
  }

  cleanRows(filter: { modelSha256?: string } = {}): Promise<CleanRow[]> {
    return this.select(CLEAN, { model_sha256: filter.modelSha256 });
  }

  accuracyRows(filter: { modelSha256?: string } = {}): Promise<AccuracyRow[]> {
    return this.select(ACCURACY, { model_sha256: filter.modelSha256 });
  }

  async attackRows(filter: AttackRowFilter = {}): Promise<AttackRow[]> {
    const where = { model_sha256: filter.modelSha256, method: filter.method, settings: filter.settings, item_id: filter.itemIds };
    if (filter.images) return this.select(ATTACKS, where);
    return (await this.select(withoutImages(ATTACKS), where)).map((r) => ({ ...r, adversarial: null }));
  }

  cleverRows(filter: { modelSha256?: string } = {}): Promise<CleverRow[]> {
    return this.select(CLEVER, { model_sha256: filter.modelSha256 });
  }

  budgetRows(filter: { modelSha256?: string } = {}): Promise<BudgetRow[]> {
    return this.select(BUDGET, { model_sha256: filter.modelSha256 });
  }

  transferRows(filter: { modelSha256?: string; sourceSha256?: string } = {}): Promise<TransferRow[]> {
    return this.select(TRANSFER, { model_sha256: filter.modelSha256, source_sha256: filter.sourceSha256 });
  }

  async rowCounts(): Promise<Record<Phase, number>> {
    const counts = await Promise.all(PHASES.map(async (p) => Number((await this.pool.query(`SELECT COUNT(*) AS n FROM ${PG_SCHEMA}.${TABLE_OF[p].name}`)).rows[0].n)));
    return Object.fromEntries(PHASES.map((p, i) => [p, counts[i]])) as Record<Phase, number>;
  }

  async putItems(items: readonly ItemRow[]): Promise<void> {
    await this.transaction((sql) => insertRows(sql, ITEMS as Table<never>, items));
  }

  async putModels(models: readonly ModelRow[]): Promise<void> {
    await this.transaction((sql) => insertRows(sql, MODELS as Table<never>, models));
  }

  commitUnit(unit: UnitRow, result: UnitRows): Promise<boolean> {
    return this.commitUnitWith(unit, result, async () => undefined);
  }

  /**
   * commitUnit, with `also` run in the same transaction (the queue marks the unit's job done there). The
   * done-marker goes in first: a unit another worker stored meanwhile makes it a no-op (false), and the
   * transaction then stores nothing of this one's rows, so no row is ever stored twice.
   */
  async commitUnitWith(unit: UnitRow, result: UnitRows, also: (sql: Sql, stored: boolean) => Promise<void>): Promise<boolean> {
    return this.transaction(async (sql) => {
      const marker = await insertRows(sql, UNITS as Table<never>, [unit], 'ON CONFLICT (id) DO NOTHING');
      const stored = marker === 1;
      if (stored) await insertRows(sql, TABLE_OF[result.phase] as Table<never>, result.rows);
      await also(sql, stored);
      return stored;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async select<R>(table: Table<R>, where: Where): Promise<R[]> {
    const filter = whereClause(where, (i) => `$${i + 1}`);
    const sql = `SELECT ${table.columns.map(([c]) => c).join(', ')} FROM ${PG_SCHEMA}.${table.name}${filter.sql} ORDER BY seq`;
    const { rows } = await this.pool.query(sql, filter.values);
    return rows.map((r) => {
      const row: Record<string, unknown> = {};
      for (const [column, field, kind] of table.columns) row[field] = fromSql(r[column] ?? null, kind);
      return row as R;
    });
  }
}

/** Inserts rows in batches on `sql` (a transaction's client); returns how many were inserted. */
async function insertRows(sql: Sql, table: Table<never>, rows: readonly unknown[], onConflict = ''): Promise<number> {
  const names = table.columns.map(([c]) => c);
  let inserted = 0;
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH) as Record<string, unknown>[];
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      const placeholders = table.columns.map((column) => {
        values.push(toSql(requiredValue(row, column, table.name), column[2]));
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const result = await sql.query(`INSERT INTO ${PG_SCHEMA}.${table.name} (${names.join(', ')}) VALUES ${tuples.join(', ')} ${onConflict}`, values);
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

const SQL_TYPE: Record<Kind, string> = { text: 'TEXT', int: 'BIGINT', real: 'DOUBLE PRECISION', bool: 'BOOLEAN', json: 'TEXT', f32: 'BYTEA' };

function toSql(value: unknown, kind: Kind): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'json':
      return JSON.stringify(value);
    case 'f32': {
      const a = value as Float32Array;
      return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    }
    default:
      return value;
  }
}

function fromSql(value: unknown, kind: Kind): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'json':
      return JSON.parse(String(value));
    case 'f32': {
      // A copy into its own buffer: the Buffer may be a view of a larger, unaligned one.
      const b = value as Buffer;
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    case 'int':
      // BIGINT comes back as a string (it may exceed 2^53; ours never do).
      return Number(value);
    default:
      return value;
  }
}
