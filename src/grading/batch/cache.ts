import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { ChallengePack } from '../../course/packs.js';
import { writeFileAtomic } from '../../workspace/atomic.js';
import { listFiles } from '../../workspace/files.js';
import { STATE_DIR } from '../../workspace/workspace.js';
import type { SubmissionOutcome } from './types.js';

/** Default results cache: next to the submissions directory, so the submissions stay untouched. */
export function defaultStateFile(submissionsDir: string, challengeId: string): string {
  const resolved = path.resolve(submissionsDir);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.${challengeId}.shipshape-grade.json`);
}

/** sha256 over the manifest, the starter (the size budget is measured on it) and the grader's version. */
export async function challengeHash(pack: ChallengePack, graderVersion: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`shipshape ${graderVersion}\n`);
  hash.update(await readFile(pack.manifestPath));
  const starterDir = path.join(pack.dir, pack.manifest.starter);
  for (const file of await listFiles(starterDir)) {
    hash.update(`\n${file}\n`);
    hash.update(await readFile(path.join(starterDir, file)));
  }
  return hash.digest('hex');
}

/** sha256 of a submission: relative paths, file contents and symlink targets; Shipshape's own state is left out. */
export async function submissionHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  async function walk(relative: string): Promise<void> {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (child === STATE_DIR) continue;
      const full = path.join(dir, child);
      if (entry.isSymbolicLink()) hash.update(`L ${child} -> ${await readlink(full)}\n`);
      else if (entry.isDirectory()) {
        hash.update(`D ${child}\n`);
        await walk(child);
      } else if (entry.isFile()) {
        const mode = (await lstat(full)).mode & 0o111 ? 'x' : '-';
        hash.update(`F ${child} ${mode}\n`);
        hash.update(await readFile(full));
        hash.update('\n');
      }
    }
  }
  await walk('');
  return hash.digest('hex');
}

/** The cache key of a submission: a verdict stands only for the same files graded against the same challenge. */
export function cacheKey(contentHash: string, manifestHash: string): string {
  return `${contentHash}:${manifestHash}`;
}

interface CacheEntry {
  key: string;
  timeoutSeconds: number;
  outcome: SubmissionOutcome;
}

interface CacheFile {
  schemaVersion: 1;
  challenge: string;
  entries: Record<string, CacheEntry>;
}

/**
 * A cached verdict stands when the submission and the challenge are unchanged. Errors are always
 * graded again (an engine may have been down); a timeout only when the limit is now longer.
 */
function reusable(entry: CacheEntry | undefined, key: string, timeoutSeconds: number): entry is CacheEntry {
  if (!entry || entry.key !== key) return false;
  if (entry.outcome.status === 'error') return false;
  if (entry.outcome.status === 'timeout') return entry.timeoutSeconds >= timeoutSeconds;
  return true;
}

/**
 * The results cache of a batch (resume): one file per submissions directory and challenge, read once,
 * written atomically after each verdict, one write at a time. A file of another challenge or schema,
 * or one that does not parse, is an empty cache; with no file (`--fresh`) nothing is read or written.
 */
export class ResultsCache {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | null,
    private readonly contents: CacheFile,
  ) {}

  static async open(file: string | null, challenge: string): Promise<ResultsCache> {
    const empty: CacheFile = { schemaVersion: 1, challenge, entries: {} };
    if (!file) return new ResultsCache(file, empty);
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
      if (parsed?.schemaVersion !== 1 || typeof parsed.entries !== 'object' || parsed.challenge !== challenge) return new ResultsCache(file, empty);
      return new ResultsCache(file, parsed);
    } catch {
      return new ResultsCache(file, empty);
    }
  }

  /** The cached verdict of this submission (marked cached) when it still stands, else null. */
  lookup(name: string, key: string, timeoutSeconds: number): SubmissionOutcome | null {
    const entry = this.contents.entries[name];
    return reusable(entry, key, timeoutSeconds) ? { ...entry.outcome, cached: true } : null;
  }

  /** Keeps a new verdict and saves in the background; errors are never kept (the next run grades them again). */
  record(name: string, key: string, timeoutSeconds: number, outcome: SubmissionOutcome): void {
    if (outcome.status === 'error') return;
    this.contents.entries[name] = { key, timeoutSeconds, outcome };
    void this.save();
  }

  /** Writes the cache as it is now, after the writes already queued; a failed write is not the batch's failure. */
  save(): Promise<void> {
    const file = this.file;
    if (!file) return this.saving;
    const text = `${JSON.stringify(this.contents, null, 2)}\n`;
    this.saving = this.saving.then(() => writeFileAtomic(file, text)).catch(() => undefined);
    return this.saving;
  }
}
