import { SqliteStore } from './sqlite-store.js';
import { PostgresStore, isPostgresUrl } from './postgres-store.js';
import type { StudyStore } from './study-store.js';

/**
 * Opens the store a location names: a `postgres://` (or `postgresql://`) URL is a PostgreSQL database,
 * anything else the output folder of an embedded SQLite store. `create` makes the folder or the tables.
 */
export async function openStore(location: string, opts: { create: boolean }): Promise<StudyStore> {
  return isPostgresUrl(location) ? PostgresStore.open(location, opts) : SqliteStore.open(location, opts);
}

/** Opens a finished or interrupted study for reading (the report's entry point); close() it when done. */
export function openStudyStore(location: string): Promise<StudyStore> {
  return openStore(location, { create: false });
}
