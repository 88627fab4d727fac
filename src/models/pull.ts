import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError, messageOf } from '../errors.js';
import { parseManifest, sidecarManifestPath, type ManifestInput } from './manifest.js';

export interface PullOptions {
  /** Expected sha256 (hex); the file is kept only when it matches. */
  sha256?: string;
  /** Gives up when no byte arrives for this long (a stalled server must not hang the process). */
  idleTimeoutMs?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface PullResult {
  path: string;
  bytes: number;
  sha256: string;
  /** False when a file with the expected hash was already there. */
  downloaded: boolean;
}

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Downloads `url` to `dest`, verifying its sha256. The body goes to `dest.partial` and is renamed only
 * after the hash matches, so an interrupted or corrupted download never leaves a file that looks valid.
 */
export async function pullFile(url: string, dest: string, opts: PullOptions = {}): Promise<PullResult> {
  const expected = opts.sha256?.toLowerCase();
  if (expected && !/^[0-9a-f]{64}$/.test(expected)) throw new UserError(`--sha256 must be 64 hex digits, got '${opts.sha256}'`);
  if (expected && existsSync(dest) && sha256File(dest) === expected) {
    return { path: dest, bytes: readFileSync(dest).length, sha256: expected, downloaded: false };
  }
  mkdirSync(dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  const idle = opts.idleTimeoutMs ?? 30_000;
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), idle);
  const hash = createHash('sha256');
  let received = 0;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (err) {
      throw new UserError(`${url}: download failed (${abort.signal.aborted ? `no response within ${idle} ms` : messageOf(err)})`);
    }
    if (!res.ok || !res.body) throw new UserError(`${url}: download failed (HTTP ${res.status} ${res.statusText})`);
    const total = Number(res.headers.get('content-length')) || undefined;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        clearTimeout(timer);
        timer = setTimeout(() => abort.abort(), idle);
        received += chunk.length;
        hash.update(chunk);
        opts.onProgress?.(received, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(partial));
    } catch (err) {
      throw new UserError(`${url}: download failed after ${received} bytes (${abort.signal.aborted ? `stalled for ${idle} ms` : messageOf(err)})`);
    }
    const actual = hash.digest('hex');
    if (expected && actual !== expected) {
      throw new UserError(`${url}: sha256 mismatch (expected ${expected}, got ${actual}); the download was discarded`);
    }
    renameSync(partial, dest);
    return { path: dest, bytes: received, sha256: actual, downloaded: true };
  } finally {
    clearTimeout(timer);
    rmSync(partial, { force: true });
  }
}

/** Where pulled models go unless told otherwise: $ROBUSTSCOPE_CACHE, else ~/.cache/robustscope/models. */
export function defaultModelDir(): string {
  return process.env.ROBUSTSCOPE_CACHE ?? join(homedir(), '.cache', 'robustscope', 'models');
}

/** Where a named file is fetched from: `<mirror>/<file>` when a mirror is set (or $ROBUSTSCOPE_MODEL_MIRROR), else its URL. */
export function sourceUrl(entry: { file: string; url: string }, mirror?: string): string {
  const base = mirror ?? (process.env.ROBUSTSCOPE_MODEL_MIRROR || undefined);
  return base ? `${base.replace(/\/+$/, '')}/${encodeURIComponent(entry.file)}` : entry.url;
}

/** A named model file to pull: where it comes from, its hash, and the manifest written beside it. */
export interface ModelEntry {
  /** File name in the model directory. */
  file: string;
  url: string;
  sha256: string;
  manifest: ManifestInput;
}

export interface ModelPullOptions extends Omit<PullOptions, 'sha256'> {
  /** Model directory (default: the model cache). */
  dir?: string;
  /** Exact destination file; overrides `dir`. The sidecar manifest goes beside it. */
  dest?: string;
  /**
   * Base URL of a mirror holding the files under their cache names (`<mirror>/<file>`), for machines that
   * cannot reach the publisher; the sha256 is still the entry's. Default: $ROBUSTSCOPE_MODEL_MIRROR.
   */
  mirror?: string;
}

export interface ModelPullResult extends PullResult {
  /** The URL actually fetched (the mirror's when one is set). */
  url: string;
  /** The sidecar manifest written beside the file. */
  manifest: string;
}

/**
 * Pulls a named model: downloads `entry.url` (or its mirror copy) to `<dir>/<file>`, verifying the sha256,
 * then writes `<file>.manifest.json` with the entry's manifest so the file loads with the right
 * preprocessing, input size, label offset and outputs. The manifest is validated before anything is fetched
 * and written atomically after the file is in place.
 */
export async function pullModel(entry: ModelEntry, opts: ModelPullOptions = {}): Promise<ModelPullResult> {
  parseManifest(entry.manifest, `manifest of ${entry.file}`);
  const dest = opts.dest ?? join(opts.dir ?? defaultModelDir(), entry.file);
  const url = sourceUrl(entry, opts.mirror);
  const r = await pullFile(url, dest, { sha256: entry.sha256, idleTimeoutMs: opts.idleTimeoutMs, onProgress: opts.onProgress });
  const manifest = sidecarManifestPath(dest);
  const tmp = `${manifest}.partial`;
  writeFileSync(tmp, `${JSON.stringify(entry.manifest, null, 2)}\n`);
  renameSync(tmp, manifest);
  return { ...r, url, manifest };
}
