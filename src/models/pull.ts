import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { UserError, messageOf } from '../core/errors.js';
import { confinedPath } from './confined-path.js';
import { ensureWritableFolder, writeFileAtomic } from '../core/write-file.js';
import { parseManifest, type ManifestInput } from './manifest.js';
import { sidecarManifestPath } from './importers/registry.js';

export interface PullOptions {
  /** Expected sha256 (hex); the file is kept only when it matches. */
  sha256?: string;
  /**
   * Gives up when fewer than `minBytes` arrive in this long (default 30 s): a stalled server, or one that
   * drips a byte at a time to keep an idle timer from firing, must not hang the process.
   */
  idleTimeoutMs?: number;
  /** Bytes that must arrive in every idle window (default 1 KiB). */
  minBytes?: number;
  /** Gives up when the whole download takes longer than this (default 2 hours). */
  deadlineMs?: number;
  /** Refuses a file larger than this (default 16 GiB), before downloading when the server declares its size. */
  maxBytes?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface PullResult {
  path: string;
  bytes: number;
  sha256: string;
  /** False when a file with the expected hash was already there. */
  downloaded: boolean;
  /** Whether the file was checked against an expected sha256 (a pull without one keeps it unverified). */
  verified: boolean;
}

export const PULL_DEFAULTS = { idleTimeoutMs: 30_000, minBytes: 1024, deadlineMs: 2 * 3600_000, maxBytes: 16 * 2 ** 30 };

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Why a fetch failed, in words a user can act on (undici says only "fetch failed" and hides the cause). */
function fetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED': return 'connection refused: nothing listens at that address';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found';
    case 'ECONNRESET': return 'the server closed the connection';
    case 'ENOSPC': return 'no space left on the device';
    default:
      if (/redirect count exceeded/i.test(cause?.message ?? '')) return 'too many redirects (a redirect loop?)';
      return cause?.message ? `${messageOf(err)}: ${cause.message}` : messageOf(err);
  }
}

/**
 * Downloads `url` to `dest`, verifying its sha256. The body goes to `dest.partial` and is renamed only
 * after the hash matches, so an interrupted or corrupted download never leaves a file that looks valid;
 * the `.partial` file is removed whatever happens (a stall, the deadline, the size cap, a full disk).
 */
export async function pullFile(url: string, dest: string, opts: PullOptions = {}): Promise<PullResult> {
  const expected = opts.sha256?.toLowerCase();
  if (expected && !/^[0-9a-f]{64}$/.test(expected)) throw new UserError(`--sha256 must be 64 hex digits, got '${opts.sha256}'`);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UserError(`${url}: not a URL`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UserError(`${url}: only http:// and https:// URLs can be pulled (a local file can be used as it is)`);
  if (expected && existsSync(dest) && sha256File(dest) === expected) {
    return { path: dest, bytes: readFileSync(dest).length, sha256: expected, downloaded: false, verified: true };
  }
  const idle = opts.idleTimeoutMs ?? PULL_DEFAULTS.idleTimeoutMs;
  const minBytes = opts.minBytes ?? PULL_DEFAULTS.minBytes;
  const deadlineMs = opts.deadlineMs ?? PULL_DEFAULTS.deadlineMs;
  const maxBytes = opts.maxBytes ?? PULL_DEFAULTS.maxBytes;
  ensureWritableFolder(dirname(dest));
  const partial = `${dest}.partial`;
  const abort = new AbortController();
  let why = '';
  const stop = (reason: string) => { why ||= reason; abort.abort(); };
  const deadline = setTimeout(() => stop(`not finished within the deadline of ${deadlineMs / 1000} s`), deadlineMs);
  const hash = createHash('sha256');
  let received = 0;
  // Every idle window must bring minBytes; a server dripping bytes resets nothing.
  let windowBytes = 0;
  const window = setInterval(() => {
    if (windowBytes < minBytes) stop(received === 0 ? `no response within ${idle} ms` : `stalled: fewer than ${minBytes} bytes in ${idle} ms`);
    windowBytes = 0;
  }, idle);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (err) {
      throw new UserError(`${url}: download failed (${why || fetchFailure(err)})`);
    }
    if (!res.ok || !res.body) throw new UserError(`${url}: download failed (HTTP ${res.status} ${res.statusText})`);
    const total = Number(res.headers.get('content-length')) || undefined;
    if (total !== undefined && total > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new UserError(`${url}: the server announces ${total} bytes, more than the limit of ${maxBytes}`);
    }
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        windowBytes += chunk.length;
        if (received > maxBytes) {
          stop(`more than the limit of ${maxBytes} bytes`);
          done(new Error(why));
          return;
        }
        hash.update(chunk);
        opts.onProgress?.(received, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(partial));
    } catch (err) {
      throw new UserError(`${url}: download failed after ${received} bytes (${why || fileFailure(err, partial)})`);
    }
    const actual = hash.digest('hex');
    if (expected && actual !== expected) {
      // Hosts such as Google Drive answer with a web page (a quota, sign-in or download warning) instead of the file.
      const page = /^text\/html/i.test(res.headers.get('content-type') ?? '') ? ' The server sent a web page (text/html), not the file: open the URL in a browser to see why.' : '';
      throw new UserError(`${url}: sha256 mismatch (expected ${expected}, got ${actual}); the download was discarded.${page}`);
    }
    renameSync(partial, dest);
    return { path: dest, bytes: received, sha256: actual, downloaded: true, verified: expected !== undefined };
  } finally {
    clearTimeout(deadline);
    clearInterval(window);
    rmSync(partial, { force: true });
  }
}

/** A failed write named by its file, with the cause a user can act on (a full disk, a read-only folder). */
function fileFailure(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return `no space left on the device writing ${path}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `cannot write ${path} (${code}: not writable)`;
  return fetchFailure(err);
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
  /** Of the file at `url` (the archive when `member` is set). */
  sha256: string;
  /** Path of the model file inside the .tar.gz archive at `url`. */
  member?: string;
  /** The archive's file name, where the URL's path does not end in it (a Google Drive link); also its name on a mirror. */
  archive?: string;
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
  /** The verified archive the model was extracted from, kept beside it so that a repeated pull reuses it. */
  archive?: string;
}

/**
 * File name of the download at `url`: the last segment of its path, URL-decoded. Decoding can turn
 * '..%2F..%2Fx.tar.gz' into a path, which is why the name is checked by the caller against the folder it goes to.
 */
export function urlFileName(url: string): string {
  const segment = basename(new URL(url).pathname);
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new UserError(`${url}: the file name '${segment}' is not valid URL encoding`);
  }
}

/** A member path as tar lists it, without the leading './' some archives carry. */
const memberPath = (path: string): string => path.replace(/^(\.\/)+/, '');

/** A checkpoint's data shards beside its `<prefix>.index`: `<prefix>.data-NNNNN-of-NNNNN`. */
const SHARD_SUFFIX = /^\.data-\d{5}-of-\d{5}$/;

/**
 * Copies `member` out of the gzip-compressed tar `archive` to `dest`, atomically (through `.partial` files).
 * A checkpoint's index (`<prefix>.index`) brings its data shards along, renamed like `dest`, and lands last.
 * A missing member or a damaged archive is an error naming both.
 */
export async function extractMember(archive: string, member: string, dest: string): Promise<void> {
  const wanted = memberPath(member);
  const checkpoint = wanted.endsWith('.index') ? { from: wanted.slice(0, -'.index'.length), to: dest.replace(/\.index$/, '') } : undefined;
  /** Where an archive path goes, if it is wanted. */
  const target = (path: string): string | undefined => {
    if (path === wanted) return dest;
    if (checkpoint && path.startsWith(checkpoint.from) && SHARD_SUFFIX.test(path.slice(checkpoint.from.length))) return checkpoint.to + path.slice(checkpoint.from.length);
    return undefined;
  };
  const seen: string[] = [];
  const copies: { to: string; out: WriteStream; done: Promise<void> }[] = [];
  // A copy that fails (a full disk) stops the listing: tar would otherwise wait forever for the entry it fed.
  let copyFailed: (err: unknown) => void = () => undefined;
  const copyFailure = new Promise<never>((_, reject) => { copyFailed = reject; });
  copyFailure.catch(() => undefined);
  try {
    const listing = tar.t({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        const path = memberPath(entry.path);
        seen.push(entry.path);
        const to = ['File', 'OldFile', 'ContiguousFile'].includes(entry.type) ? target(path) : undefined;
        if (to && !copies.some((c) => c.to === to)) {
          const out = createWriteStream(`${to}.partial`);
          const done = pipeline(entry, out);
          done.catch(copyFailed);
          copies.push({ to, out, done });
        } else {
          entry.resume();
        }
      },
    });
    await Promise.race([listing, copyFailure]);
    if (!copies.some((c) => c.to === dest)) {
      throw new UserError(`${archive}: has no member '${member}' (it holds ${seen.slice(0, 8).join(', ')}${seen.length > 8 ? ', ...' : ''})`);
    }
    await Promise.all(copies.map((c) => c.done));
    for (const c of copies.sort((a, b) => Number(a.to === dest) - Number(b.to === dest))) renameSync(`${c.to}.partial`, c.to);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${archive}: cannot extract '${member}' (${fileFailure(err, `${dest}.partial`)})`);
  } finally {
    // A damaged archive fails while a member is half written, and its entry never ends: close the files
    // (a no-op after a complete write) and let the copies settle before removing what is left.
    for (const c of copies) {
      c.out.destroy();
      await c.done.catch(() => undefined);
      rmSync(`${c.to}.partial`, { force: true });
    }
  }
}

/**
 * Downloads the .tar.gz archive at `url` beside `dest` (as `archive`, by default its name in the URL),
 * verifying its sha256, and extracts `member` to `dest`. The archive is kept, so a repeated pull with the
 * same hash only extracts again.
 */
export async function pullMember(url: string, member: string, dest: string, opts: PullOptions = {}, archive = urlFileName(url)): Promise<PullResult & { archive: string }> {
  const pulled = await pullFile(url, confinedPath(dirname(dest), archive, `${url}: archive name`), opts);
  await extractMember(pulled.path, member, dest);
  return { ...pulled, path: dest, archive: pulled.path };
}

/**
 * Pulls a named model: downloads `entry.url` (or its mirror copy) to `<dir>/<file>`, verifying the sha256,
 * then writes `<file>.manifest.json` with the entry's manifest so the file loads with the right
 * preprocessing, input size, label offset and outputs. An entry with a `member` names an archive: it is
 * downloaded and verified under its own name beside the model, and the member is extracted to `<file>`.
 * The manifest is validated before anything is fetched and written atomically after the file is in place.
 */
export async function pullModel(entry: ModelEntry, opts: ModelPullOptions = {}): Promise<ModelPullResult> {
  parseManifest(entry.manifest, `manifest of ${entry.file}`);
  const dest = opts.dest ?? join(opts.dir ?? defaultModelDir(), entry.file);
  const download = { sha256: entry.sha256, idleTimeoutMs: opts.idleTimeoutMs, onProgress: opts.onProgress };
  // A mirror holds what is fetched under its own name: the archive's, or the model's.
  const fetched = entry.member ? entry.archive ?? urlFileName(entry.url) : entry.file;
  const url = sourceUrl({ file: fetched, url: entry.url }, opts.mirror);
  const r: PullResult & { archive?: string } = entry.member
    ? await pullMember(url, entry.member, dest, download, fetched)
    : await pullFile(url, dest, download);
  const manifest = sidecarManifestPath(dest);
  writeFileAtomic(manifest, `${JSON.stringify(entry.manifest, null, 2)}\n`);
  return { ...r, url, manifest };
}
