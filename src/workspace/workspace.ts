import { copyFile, lstat, mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { ChallengePack } from '../course/packs.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { listFiles, sha256File } from './files.js';
import { acquireWorkspaceLock } from './lock.js';
import { STATE_DIR } from './state-dir.js';

export { STATE_DIR };
export const MARKER_FILE = `${STATE_DIR}/challenge.json`;

export type { Marker, Recovery } from './workspace-schema.js';
import type { Marker, Recovery } from './workspace-schema.js';
import { markerIfWellFormed } from './state-shapes.js';

export const RECOVERY_FILE = `${STATE_DIR}/recovery.json`;

export interface Workspace {
  root: string;
  marker: Marker;
}

export interface StartResult {
  dir: string;
  written: string[];
  unchanged: string[];
  backupDir: string | null;
  backedUp: string[];
}

/**
 * Scaffolds the starter into `dir`. Files the learner changed are never overwritten: without
 * `force` the start is refused with their list; with it they are moved to a timestamped backup first.
 */
export async function startChallenge(
  pack: ChallengePack,
  dir: string,
  options: { force?: boolean; course?: string } = {},
): Promise<StartResult> {
  const root = path.resolve(dir);
  const starterDir = path.join(pack.dir, pack.manifest.starter);
  const starterFiles = await listFiles(starterDir);
  const previous = await readMarker(root);
  if (previous && previous.challenge !== pack.manifest.id) {
    throw new UserError(
      `${root} already holds the active challenge ${previous.challenge}.`,
      1,
      `Nothing was changed. Run \`shipshape challenge:stop --dir ${root}\` to end it first, or start ${pack.manifest.id} in another --dir.`,
    );
  }
  const before = previous ? null : await listWorkspaceFiles(root);

  const conflicts: string[] = [];
  const unchanged: string[] = [];
  const starterHashes: Record<string, string> = {};
  for (const file of starterFiles) {
    starterHashes[file] = await sha256File(path.join(starterDir, file));
    const target = path.join(root, file);
    const existing = await lstat(target).catch(() => null);
    await refuseSymlinkedParents(root, file);
    if (!existing) continue;
    if (existing.isSymbolicLink() || !existing.isFile()) {
      conflicts.push(file);
      continue;
    }
    const current = await sha256File(target);
    if (current === starterHashes[file]) unchanged.push(file);
    else if (previous?.files[file] === current && previous.challenge === pack.manifest.id) continue;
    else conflicts.push(file);
  }

  if (conflicts.length > 0 && !options.force) {
    throw new UserError(
      `${root} has files the starter would overwrite:\n${conflicts.map((file) => `  ${file}`).join('\n')}`,
      1,
      'Nothing was changed. Use --force to move them to a backup under .shipshape/backups/ first, or choose another --dir.',
    );
  }

  const release = await acquireWorkspaceLock(root, 'challenge:start');
  try {
    let backupDir: string | null = null;
    if (conflicts.length > 0) {
      backupDir = await moveToBackup(root, conflicts);
    }

    const written: string[] = [];
    for (const file of starterFiles) {
      if (unchanged.includes(file)) continue;
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await copyFile(path.join(starterDir, file), path.join(root, file));
      written.push(file);
    }
    // Only the first start records what was here before; a restart of the same challenge keeps it.
    if (before) {
      const recovery: Recovery = {
        schemaVersion: 1,
        challenge: pack.manifest.id,
        before,
        created: written.filter((file) => !before.includes(file)),
        overwritten: backupDir ? conflicts.map((file) => ({ file, backup: path.relative(root, path.join(backupDir, file)) })) : [],
      };
      await writeFileAtomic(path.join(root, RECOVERY_FILE), `${JSON.stringify(recovery, null, 2)}\n`);
    }
    const marker: Marker = {
      schemaVersion: 1,
      challenge: pack.manifest.id,
      startedAt: new Date().toISOString(),
      files: starterHashes,
      ...(options.course ?? previous?.course ? { course: options.course ?? previous?.course } : {}),
    };
    await writeFileAtomic(path.join(root, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
    return { dir: root, written, unchanged, backupDir, backedUp: conflicts };
  } finally {
    await release();
  }
}

/** Moves files (relative to root) into a new `.shipshape/backups/<time>/`, keeping their paths. */
export async function moveToBackup(root: string, files: string[]): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let backupDir = path.join(root, STATE_DIR, 'backups', stamp);
  // Two backups in the same millisecond must not mix.
  for (let suffix = 1; await lstat(backupDir).then(() => true, () => false); suffix++) {
    backupDir = path.join(root, STATE_DIR, 'backups', `${stamp}-${suffix}`);
  }
  for (const file of files) {
    await mkdir(path.dirname(path.join(backupDir, file)), { recursive: true });
    await rename(path.join(root, file), path.join(backupDir, file));
  }
  return backupDir;
}

/** The learner-visible files of a workspace: everything but Shipshape's own state directory. */
export async function listWorkspaceFiles(root: string): Promise<string[]> {
  const exists = await lstat(root).then((info) => info.isDirectory(), () => false);
  if (!exists) return [];
  return (await listFiles(root)).filter((file) => file !== STATE_DIR && !file.startsWith(`${STATE_DIR}/`));
}

/** Finds the workspace holding `dir` (it or a parent has the marker). */
export async function findWorkspace(dir: string): Promise<Workspace> {
  let current = path.resolve(dir);
  for (;;) {
    const marker = await readMarker(current);
    if (marker) return { root: current, marker };
    const parent = path.dirname(current);
    if (parent === current) {
      throw new UserError(
        `No challenge workspace at ${path.resolve(dir)} (no ${MARKER_FILE} here or above).`,
        2,
        'Start one with `shipshape challenge:start <id>`, or pass --dir to the workspace.',
      );
    }
    current = parent;
  }
}

/** Like findWorkspace, but null where there is none. */
export async function tryFindWorkspace(dir: string): Promise<Workspace | null> {
  try {
    return await findWorkspace(dir);
  } catch (error) {
    if (error instanceof UserError && error.message.startsWith('No challenge workspace')) return null;
    throw error;
  }
}

export async function readRecovery(root: string): Promise<Recovery | null> {
  const file = path.join(root, RECOVERY_FILE);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const { RecoverySchema } = await import('./workspace-schema.js');
  try {
    return RecoverySchema.parse(JSON.parse(text));
  } catch {
    throw new UserError(`The recovery record ${file} is damaged.`, 2, 'Move it away; challenge:stop will then treat every starter file as added by the start.');
  }
}

export async function readMarker(root: string): Promise<Marker | null> {
  const file = path.join(root, MARKER_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const data: unknown = JSON.parse(text);
    // As Shipshape writes it: no need to load the schema (and zod) for it.
    const wellFormed = markerIfWellFormed(data);
    if (wellFormed) return wellFormed;
    const { MarkerSchema } = await import('./workspace-schema.js');
    return MarkerSchema.parse(data);
  } catch {
    throw new UserError(`The workspace marker ${file} is damaged.`, 2, 'Run `shipshape challenge:start <id> --force` in that directory to begin again.');
  }
}

/** A parent directory that is a symlink could lead the write outside the workspace. */
async function refuseSymlinkedParents(root: string, file: string): Promise<void> {
  const parts = file.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => null);
    if (info?.isSymbolicLink()) {
      throw new UserError(`${current} is a symbolic link; refusing to write the starter through it.`, 1, 'Remove the link or choose another --dir.');
    }
  }
}
