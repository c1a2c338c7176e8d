import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChallengeProgress, Progress } from './progress-schema.js';
import { UserError } from '../errors.js';
import { waitFor } from '../wait.js';
import { writeFileAtomic } from './atomic.js';
import { progressIfWellFormed } from './state-shapes.js';
import { STATE_DIR } from './workspace.js';

/**
 * The learner's progress through the course lives in `<course root>/.shipshape/progress.json`.
 * The course root is the directory the learner starts challenges from (workspaces are `./<id>`
 * under it); a workspace records it in its marker so verify, hint and solution find it from inside.
 */
export const PROGRESS_FILE = `${STATE_DIR}/progress.json`;

export type { Progress, ChallengeProgress, LastVerify } from './progress-schema.js';
export type ChallengeStatus = 'passed' | 'in-progress' | 'not-started';

export interface ProgressOptions {
  /** Told once when a damaged file was moved aside. */
  warn?: (message: string) => void;
}

export function emptyProgress(): Progress {
  return { schemaVersion: 1, challenges: {} };
}

/** The schema's defaults, spelled out (test/learner/progress.test.ts holds them equal). */
export function emptyChallengeProgress(): ChallengeProgress {
  return { startedAt: null, workspace: null, attempts: 0, bestPercent: null, passedAt: null, hintsSeen: [], solutionViewedAt: null, lastVerify: null };
}

export function challengeProgress(progress: Progress, id: string): ChallengeProgress {
  return progress.challenges[id] ?? emptyChallengeProgress();
}

export function challengeStatus(entry: ChallengeProgress | undefined): ChallengeStatus {
  if (!entry) return 'not-started';
  if (entry.passedAt) return 'passed';
  return entry.startedAt || entry.attempts > 0 ? 'in-progress' : 'not-started';
}

export function progressFile(root: string): string {
  return path.join(root, PROGRESS_FILE);
}

/**
 * Reads the progress of a course root. A missing file is a fresh start; a damaged one is kept aside
 * as `progress.json.corrupt-<time>` (never deleted) and a fresh one begins, with one warning.
 */
export async function readProgress(root: string, options: ProgressOptions = {}): Promise<Progress> {
  const file = progressFile(root);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyProgress();
    throw new UserError(`Cannot read ${file}: ${(error as Error).message}`, 2, 'Check the permissions of that file.');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return setAside(file, 'it is not valid JSON', options);
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > 1) {
    throw new UserError(
      `${file} was written by a newer Shipshape (progress format ${version}).`,
      2,
      'Update Shipshape, or run it from another directory to keep a separate progress.',
    );
  }
  // As Shipshape writes it: no need to load the schema (and zod) for it.
  const wellFormed = progressIfWellFormed(data);
  if (wellFormed) return wellFormed;
  const { ProgressSchema } = await import('./progress-schema.js');
  const parsed = ProgressSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return setAside(file, `${issue.path.join('.') || 'the file'}: ${issue.message}`, options);
  }
  return parsed.data;
}

async function setAside(file: string, why: string, options: ProgressOptions): Promise<Progress> {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    // Another process may have set it aside a moment ago; only a still-present file is a problem.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  options.warn?.(`Progress file ${file} was damaged (${why}); kept it as ${path.basename(aside)} and started a fresh one.`);
  return emptyProgress();
}

/**
 * Read-modify-write of the progress under a short lock, so two commands finishing together do not
 * lose one another's update; the write itself is atomic (temporary file + rename).
 */
export async function updateProgress(
  root: string,
  change: (progress: Progress) => void,
  options: ProgressOptions = {},
): Promise<Progress> {
  const release = await lockProgress(root);
  try {
    await removeDeadTemporaries(root);
    const progress = await readProgress(root, options);
    change(progress);
    // What the schema would give back unchanged needs no schema (nor zod) to be written.
    const checked = progressIfWellFormed(progress) ?? (await import('./progress-schema.js')).ProgressSchema.parse(progress);
    await writeFileAtomic(progressFile(root), `${JSON.stringify(checked, null, 2)}\n`);
    return progress;
  } finally {
    await release();
  }
}

/** Changes one challenge's entry, creating it when needed. */
export async function updateChallengeProgress(
  root: string,
  id: string,
  change: (entry: ChallengeProgress) => void,
  options: ProgressOptions = {},
): Promise<ChallengeProgress> {
  let updated = emptyChallengeProgress();
  await updateProgress(
    root,
    (progress) => {
      const entry = progress.challenges[id] ?? emptyChallengeProgress();
      change(entry);
      progress.challenges[id] = entry;
      updated = entry;
    },
    options,
  );
  return updated;
}

/**
 * Progress is only written under the lock, so a temporary file found while holding it was left by a
 * writer that died between writing it and renaming it.
 */
async function removeDeadTemporaries(root: string): Promise<void> {
  const dir = path.join(root, STATE_DIR);
  const prefix = `.${path.basename(PROGRESS_FILE)}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
  }
}

const LOCK_WAIT_MS = 5_000;
const LOCK_STALE_MS = 15_000;

async function lockProgress(root: string): Promise<() => Promise<void>> {
  const file = path.join(root, STATE_DIR, 'progress.lock');
  await mkdir(path.dirname(file), { recursive: true });
  const locked = await waitFor(
    async () => {
      for (;;) {
        try {
          const handle = await open(file, 'wx');
          await handle.writeFile(JSON.stringify({ pid: process.pid, host: os.hostname() }));
          await handle.close();
          return async () => {
            await rm(file, { force: true });
          };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          // Held only for one read and one write: an old lock was left by a killed process.
          const info = await stat(file).catch(() => null);
          if (!info || Date.now() - info.mtimeMs <= LOCK_STALE_MS) return undefined;
          await rm(file, { force: true });
        }
      }
    },
    { interval: 50, deadline: Date.now() + LOCK_WAIT_MS },
  );
  if (!locked.ready) throw new UserError(`The progress file in ${root} is locked (${file}).`, 2, 'If no other shipshape is running, remove that lock file.');
  return locked.value;
}

/** The nearest directory at or above `from` holding a progress file, or null. */
export async function findCourseRoot(from: string): Promise<string | null> {
  let current = path.resolve(from);
  for (;;) {
    if (await stat(progressFile(current)).then((info) => info.isFile(), () => false)) return current;
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}
