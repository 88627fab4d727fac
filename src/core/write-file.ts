import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from './errors.js';

/**
 * Writes `text` to `path` through a temporary file renamed into place, so that a reader (or a kill, or a
 * full disk) never leaves half a file where a whole one was: `path` holds the old content or the new.
 * A failure names the file and its cause (a full disk, a folder that is not writable) in one line.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw writeError(path, err);
  }
}

/** A file-system failure while writing `path`, as a UserError naming it; other errors pass through. */
export function writeError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const cause: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
  };
  return code && cause[code] ? new UserError(`${path}: cannot write (${cause[code]})`, { cause: err }) : err;
}

/**
 * Creates `dir` if needed and checks that files can be written in it, before any long work whose results
 * would go there (a study's --out, an attack's --save), so a bad folder fails at once, in one line.
 */
export function ensureWritableFolder(dir: string): void {
  const probe = `${dir}/.robustscope-write-probe`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw writeError(dir, err);
  }
}
