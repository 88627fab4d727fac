import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { writeError } from '../../core/write-file.js';

/**
 * One process at a time owns a study folder. The store's SQLite layer (node-sqlite3-wasm) locks with a
 * `<db>.lock` directory that a killed process leaves behind, and it cannot tell that lock from its own,
 * so we keep our own lock file naming the owning process: a lock whose process is gone is stale, and
 * taking over removes it together with the SQLite lock directory it left.
 */
export interface FolderLock {
  release(): void;
}

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export const LOCK_FILE = 'study.lock';

/** Takes the folder's lock, waiting up to `waitMs` for a live owner (say, a `study status`) to let go. */
export function lockFolder(dir: string, staleSqliteLock: string, waitMs = 5000): FolderLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const text = JSON.stringify(me);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, text);
      } catch (err) {
        // A full disk: leave no empty lock behind, and say why in one line.
        closeSync(fd);
        rmSync(path, { force: true });
        throw writeError(path, err);
      }
      closeSync(fd);
      return {
        release() {
          if (existsSync(path) && readFileSync(path, 'utf8') === text) rmSync(path);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(path, err);
    }
    const held = readLock(path);
    if (held.owner && isAlive(held.owner)) {
      if (Date.now() > deadline) {
        throw new UserError(`${dir} is in use by robustscope process ${held.owner.pid} (since ${held.owner.since}); wait for it to finish, or stop it`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      continue;
    }
    // The owner is gone: its locks are stale. Remove them only if they are still the ones we judged.
    if (readLock(path).text === held.text) {
      rmSync(path, { force: true });
      rmSync(staleSqliteLock, { recursive: true, force: true });
    }
  }
}

/** The live process holding the folder's lock, if any. */
export function folderOwner(dir: string): LockOwner | undefined {
  const { owner } = readLock(join(dir, LOCK_FILE));
  return owner && isAlive(owner) ? owner : undefined;
}

function readLock(path: string): { text: string | undefined; owner: LockOwner | undefined } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { text: undefined, owner: undefined };
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return { text, owner: Number.isInteger(owner.pid) ? owner : undefined };
  } catch {
    // A lock file cut short by a kill between its creation and its write: nobody holds it.
    return { text, owner: undefined };
  }
}

/** Only processes on this machine can be checked; a lock taken elsewhere is assumed held. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
