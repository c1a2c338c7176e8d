import { copyFile, lstat, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { ChallengePack } from '../course/packs.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { listFiles, sha256File } from './files.js';
import { acquireWorkspaceLock } from './lock.js';
import { MARKER_FILE, RECOVERY_FILE, STATE_DIR, listWorkspaceFiles, moveToBackup, readMarker, readRecovery } from './workspace.js';

export interface ResetResult {
  dir: string;
  backupDir: string | null;
  moved: string[];
  written: string[];
}

/**
 * Puts the starter back. Every file that is not the starter's (changed starter files, files the
 * learner added) is moved to a timestamped backup first; files that were there before the start stay.
 */
export async function resetChallenge(pack: ChallengePack, root: string): Promise<ResetResult> {
  const marker = await readMarker(root);
  if (!marker) throw new UserError(`${root} is not a challenge workspace.`, 2, `Start it with \`shipshape challenge:start ${pack.manifest.id}\`.`);
  if (marker.challenge !== pack.manifest.id) {
    throw new UserError(`${root} holds ${marker.challenge}, not ${pack.manifest.id}.`, 2, 'Reset the challenge it holds, or stop it with `shipshape challenge:stop` first.');
  }
  const recovery = await readRecovery(root);
  const release = await acquireWorkspaceLock(root, 'challenge:reset');
  try {
    const starterDir = path.join(pack.dir, pack.manifest.starter);
    const starter = new Map<string, string>();
    for (const file of await listFiles(starterDir)) starter.set(file, await sha256File(path.join(starterDir, file)));
    const keep = new Set((recovery?.before ?? []).filter((file) => !starter.has(file)));

    const moved: string[] = [];
    for (const file of await listWorkspaceFiles(root)) {
      const starterHash = starter.get(file);
      if (starterHash !== undefined ? (await sha256File(path.join(root, file))) !== starterHash : !keep.has(file)) moved.push(file);
    }
    const backupDir = moved.length > 0 ? await moveToBackup(root, moved) : null;

    const written: string[] = [];
    for (const [file, hash] of starter) {
      const target = path.join(root, file);
      const present = await lstat(target).catch(() => null);
      if (present && (await sha256File(target)) === hash) continue;
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(starterDir, file), target);
      written.push(file);
    }
    await removeEmptyParents(root, moved);
    await writeFileAtomic(path.join(root, MARKER_FILE), `${JSON.stringify({ ...marker, files: Object.fromEntries(starter) }, null, 2)}\n`);
    return { dir: root, backupDir, moved, written };
  } finally {
    await release();
  }
}

export interface StopResult {
  dir: string;
  challenge: string;
  /** Starter files removed because they were unchanged since the start. */
  removed: string[];
  /** Files the start had added that the learner changed: moved to backupDir, never deleted. */
  backedUp: string[];
  backupDir: string | null;
  /** Files the start had replaced, put back from their backup. */
  restored: string[];
  /** Files the learner added after the start: left where they are. */
  leftInPlace: string[];
  /** Files the start had replaced whose backup is no longer there: they cannot be put back. */
  lost: string[];
}

/**
 * Ends the active challenge and puts back what the directory held before `start`, from the recovery
 * record the start wrote. Nothing the learner wrote is deleted: changed files go to a backup.
 */
export async function stopChallenge(root: string): Promise<StopResult> {
  const marker = await readMarker(root);
  if (!marker) throw new UserError(`No active challenge in ${root}.`, 2, 'Pass --dir to the workspace to stop.');
  const recovery = await readRecovery(root);
  const release = await acquireWorkspaceLock(root, 'challenge:stop');
  try {
    // An older workspace has no record: treat every starter file as added by the start.
    const created = recovery?.created ?? Object.keys(marker.files);
    const overwritten = recovery?.overwritten ?? [];
    const before = new Set(recovery?.before ?? []);
    const ours = new Set([...created, ...overwritten.map((entry) => entry.file)]);

    const removed: string[] = [];
    const changed: string[] = [];
    for (const file of ours) {
      const target = path.join(root, file);
      const info = await lstat(target).catch(() => null);
      if (!info) continue;
      if (info.isFile() && (await sha256File(target)) === marker.files[file]) {
        await rm(target);
        removed.push(file);
      } else changed.push(file);
    }
    const backupDir = changed.length > 0 ? await moveToBackup(root, changed) : null;

    const restored: string[] = [];
    const lost: string[] = [];
    for (const { file, backup } of overwritten) {
      const source = path.join(root, backup);
      if (!(await lstat(source).catch(() => null))) {
        lost.push(file);
        continue;
      }
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await rename(source, path.join(root, file));
      restored.push(file);
    }

    const leftInPlace = (await listWorkspaceFiles(root)).filter((file) => !before.has(file) && !ours.has(file));
    await rm(path.join(root, MARKER_FILE), { force: true });
    await rm(path.join(root, RECOVERY_FILE), { force: true });
    await removeEmptyParents(root, [...removed, ...changed]);
    return { dir: root, challenge: marker.challenge, removed, backedUp: changed, backupDir, restored, leftInPlace, lost };
  } finally {
    await release();
    // Nothing left in the state directory (no backups, no progress): leave no trace.
    await rmdir(path.join(root, STATE_DIR)).catch(() => undefined);
  }
}

/** Removes the directories of these files that are now empty, deepest first, never root itself. */
async function removeEmptyParents(root: string, files: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const file of files) {
    for (let dir = path.posix.dirname(file); dir !== '.'; dir = path.posix.dirname(dir)) dirs.add(dir);
  }
  for (const dir of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
    // rmdir refuses a directory that still holds anything: exactly the guard wanted.
    await rmdir(path.join(root, dir)).catch(() => undefined);
  }
}
