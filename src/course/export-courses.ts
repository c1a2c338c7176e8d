import path from 'node:path';
import { UserError } from '../errors.js';
import { type CourseLockEntry, installedCoursesDir, readCourseLock } from './courses.js';
import type { ChallengePack } from './packs.js';

/**
 * What an exported repository's CI must `shipshape course:add` before it can verify: the installed
 * courses the exported challenges come from, each pinned as the lock file pinned it (a git commit, an
 * npm version). The built-in course needs nothing; a course installed from this machine's disk cannot
 * be fetched by a CI runner, so exporting its challenges is refused with what to do instead.
 */
export async function courseSourcesFor(packs: ChallengePack[]): Promise<string[]> {
  const lock = await readCourseLock();
  const root = installedCoursesDir();
  const sources = new Set<string>();
  for (const pack of packs) {
    const relative = path.relative(root, pack.dir);
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    const id = relative.split(path.sep)[0]!;
    const entry = lock.courses[id];
    if (entry) sources.add(pinnedSource(id, entry, pack.manifest.id));
  }
  return [...sources];
}

/** The course:add argument that installs exactly what is installed here. */
export function pinnedSource(id: string, entry: CourseLockEntry, challenge: string): string {
  const { source } = entry;
  if (source.kind === 'git') return `${source.url}#${entry.commit ?? source.ref ?? 'HEAD'}`;
  if (source.kind === 'npm' && !isLocalPath(source.spec)) return `${packageName(source.spec)}@${entry.version}`;
  const from = source.kind === 'dir' ? source.path : source.spec;
  throw new UserError(
    `${challenge} comes from the course "${id}", installed from ${from} on this machine: a CI runner cannot install it from there.`,
    2,
    `Publish the course (a git repository or an npm package), then \`shipshape course:remove ${id}\`, \`shipshape course:add <git-url#tag | npm-package>\`, and export again.`,
  );
}

function isLocalPath(spec: string): boolean {
  return /^(?:\.|\/|~|file:)/.test(spec) || /\.(?:tgz|tar\.gz|tar)$/i.test(spec);
}

/** `@scope/name@^2` -> `@scope/name`; `name@1.0.0` -> `name`. */
function packageName(spec: string): string {
  const at = spec.lastIndexOf('@');
  return at > 0 ? spec.slice(0, at) : spec;
}
