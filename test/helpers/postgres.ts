import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

/** The URL of a PostgreSQL server the tests may create databases on (`.ci/run` starts one and sets it). */
export const POSTGRES_ENV = 'ROBUSTSCOPE_TEST_POSTGRES';

const SCRIPT = resolve('scripts/throwaway-postgres.sh');
let server: Promise<{ url: string } | { skip: string }> | undefined;

/**
 * A server for this test process: $ROBUSTSCOPE_TEST_POSTGRES when set (and then it must work), else a
 * throwaway cluster started here with Debian's binaries and stopped when the process exits, else none:
 * the caller skips, with this reason.
 */
export function testPostgres(): Promise<{ url: string } | { skip: string }> {
  server ??= (async () => {
    const fromEnv = process.env[POSTGRES_ENV];
    if (fromEnv) return { url: fromEnv };
    const installed = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')));
    if (!installed) return { skip: `no PostgreSQL server: set ${POSTGRES_ENV} to a postgres:// URL, or apt-get install postgresql` };
    // Not mkdtemp: the folder is made by the script, for the `postgres` user when we are root.
    const dir = join(tmpdir(), `rs-pg-${randomBytes(6).toString('hex')}`);
    const started = spawnSync(SCRIPT, ['start', dir], { encoding: 'utf8', timeout: 60_000 });
    if (started.status !== 0) throw new Error(`could not start a throwaway PostgreSQL: ${started.stderr}`);
    process.on('exit', () => spawnSync(SCRIPT, ['stop', dir], { timeout: 30_000 }));
    return { url: started.stdout.trim() };
  })();
  return server;
}

/** A new, empty database on the server (one study per database), dropped by `drop`. */
export async function freshDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `rs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
