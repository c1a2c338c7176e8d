import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where a path really leads: symlinks resolved for the part that exists (a bind source Compose would
 * create still counts from its nearest existing parent). Relative paths are taken from `base`, never
 * from the current directory.
 */
export function realTarget(base: string, candidate: string): string {
  // Compose expands a leading ~ to the home directory of whoever runs it: the grader's.
  const expanded = /^~(?=$|[\\/])/.test(candidate) ? os.homedir() + candidate.slice(1) : candidate;
  let current = path.resolve(base, expanded);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return path.join(current, ...rest.reverse());
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/** The workspace root itself, symlinks resolved (a workspace under /tmp may be reached through a link). */
export function workspaceRoot(workspaceDir: string): string {
  return realTarget(process.cwd(), path.resolve(workspaceDir));
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..' + path.sep) && relative !== '..' && !path.isAbsolute(relative));
}

/** Whether `candidate` (relative to `base`) leads inside `root` once its symlinks are followed. */
export function leadsInside(root: string, base: string, candidate: string): boolean {
  return isInside(root, realTarget(base, candidate));
}

/** A remote build context (git, http) or another kind of source that is not a host path. */
export function isRemoteContext(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^git@/.test(value) || /^(github\.com|gitlab\.com)\//.test(value);
}
