import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { findCourseRoot, readProgress, updateChallengeProgress, type Progress, type ProgressOptions } from './progress.js';
import type { ChallengePack } from '../course/packs.js';
import { findWorkspace, readMarker, startChallenge, tryFindWorkspace, type StartResult, type Workspace } from './workspace.js';

const isDir = (dir: string) => stat(dir).then((info) => info.isDirectory(), () => false);

/**
 * The course root a new workspace counts towards. `challenge:start <id>` from a directory makes that
 * directory (or the course root above it) the root; with `--dir` the workspace joins a course found
 * at or above it, or else is a course of its own, so a throwaway --dir never writes progress elsewhere.
 */
export async function courseRootForStart(workspaceDir: string, options: { cwd: string; explicitDir: boolean }): Promise<string> {
  if (options.explicitDir) return (await findCourseRoot(workspaceDir)) ?? path.resolve(workspaceDir);
  const around = await tryFindWorkspace(options.cwd);
  if (around?.marker.course && (await isDir(around.marker.course))) return around.marker.course;
  return (await findCourseRoot(options.cwd)) ?? path.resolve(options.cwd);
}

/** challenge:start and the menu: scaffold the starter, then note the start in the course's progress. */
export async function startInCourse(
  pack: ChallengePack,
  dir: string,
  options: ProgressOptions & { force?: boolean; cwd: string; explicitDir: boolean },
): Promise<StartResult & { course: string }> {
  const course = await courseRootForStart(dir, options);
  // A progress that cannot be used (a newer format) stops the start before any file is written.
  await readProgress(course, options);
  const result = await startChallenge(pack, dir, { force: options.force, course });
  await updateChallengeProgress(
    course,
    pack.manifest.id,
    (entry) => {
      entry.startedAt ??= new Date().toISOString();
      entry.workspace = result.dir;
    },
    options,
  );
  return { ...result, course };
}

/** The course root of a workspace: the one its marker names, else the nearest one above, else itself. */
export async function courseRootOfWorkspace(workspace: Workspace): Promise<string> {
  if (workspace.marker.course && (await isDir(workspace.marker.course))) return workspace.marker.course;
  return (await findCourseRoot(workspace.root)) ?? workspace.root;
}

/** For commands run anywhere (status, list, menu): the workspace's course, a course above, or the cwd. */
export async function courseRootFromCwd(cwd: string): Promise<string> {
  // A damaged marker is verify's problem to report; listing and status still work around it.
  const around = await tryFindWorkspace(cwd).catch(() => null);
  if (around) return courseRootOfWorkspace(around);
  return (await findCourseRoot(cwd)) ?? path.resolve(cwd);
}

export interface LocatedChallenge {
  id: string;
  workspace: Workspace | null;
  courseRoot: string;
  progress: Progress;
}

/**
 * Resolves `[ID]` of hint, solution, reset: with no id, the workspace at `dir` (or above) decides;
 * with one, its workspace is the one at `dir` if it holds that challenge, else the one the progress
 * remembers, else `./<id>`.
 */
export async function locateChallenge(id: string | undefined, dir: string, options: ProgressOptions & { requireWorkspace?: boolean } = {}): Promise<LocatedChallenge> {
  const around = await tryFindWorkspace(dir);
  if (!id) {
    const workspace = around ?? (await findWorkspace(dir));
    const courseRoot = await courseRootOfWorkspace(workspace);
    return { id: workspace.marker.challenge, workspace, courseRoot, progress: await readProgress(courseRoot, options) };
  }
  const courseRoot = around ? await courseRootOfWorkspace(around) : await courseRootFromCwd(dir);
  const progress = await readProgress(courseRoot, options);
  let workspace: Workspace | null = around?.marker.challenge === id ? around : null;
  if (!workspace) {
    for (const candidate of [progress.challenges[id]?.workspace, path.join(courseRoot, id), path.resolve(dir, id)]) {
      if (!candidate) continue;
      const marker = await readMarker(candidate).catch(() => null);
      if (marker?.challenge === id) {
        workspace = { root: candidate, marker };
        break;
      }
    }
  }
  if (!workspace && options.requireWorkspace) {
    throw new UserError(
      `No workspace holding ${id} was found${around ? ` (${around.root} holds ${around.marker.challenge})` : ''}.`,
      2,
      `Start it with \`shipshape challenge:start ${id}\`, or pass --dir to its workspace.`,
    );
  }
  return { id, workspace, courseRoot, progress };
}
