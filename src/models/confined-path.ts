import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * The file that `name` (a path read from an untrusted file: a TF.js weightsManifest entry, a manifest's
 * `labels`, a download's file name) names inside `folder`, refused when it leads out of it: '../..', an
 * absolute path, or a symlink pointing elsewhere would otherwise make a loader read any file on the
 * machine (and echo its lines in errors) or a download write anywhere. `where` names the file that said it.
 */
export function confinedPath(folder: string, name: string, where: string): string {
  const root = resolve(folder);
  const path = resolve(root, name);
  // Symlinks are followed only where the file exists: a missing file fails later with its own message.
  if (!inside(root, path) || (existsSync(path) && !inside(realpathSync(root), realpathSync(path)))) {
    throw new UserError(`${where}: '${name}' leads outside ${root}; only files inside that folder may be named`);
  }
  return path;
}

function inside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r !== '' && r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r);
}
