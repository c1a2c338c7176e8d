import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../../checks/compose/model.js';
import { errorMessage, isUserError } from '../../errors.js';
import { readLearnerFile } from '../../workspace/learner-file.js';
import { COMPOSE_LIMITS, type ComposeSource, locate, readComposeSource } from './source.js';
import { isInside, isRemoteContext, realTarget } from './paths.js';

/**
 * Files Compose reads while it builds the model (`include`, `extends`, `env_file`, `label_file`, the
 * project's `.env`) are checked before Compose runs, so a file outside the workspace is never read on
 * the grader's machine: inside the workspace after symlinks, a regular file, under the size bound,
 * UTF-8. A path with a variable in it cannot be checked before interpolation, so it is refused.
 */
export interface ReferenceContext {
  workspaceDir: string;
  /** Workspace root with symlinks resolved. */
  root: string;
  /** Files already read (include / extends cycles are Compose's to report, not ours to loop on). */
  seen: Set<string>;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

export async function referenceProblems(source: ComposeSource, context: ReferenceContext): Promise<string[]> {
  const out: string[] = [];
  const absolute = path.resolve(context.workspaceDir, source.shown);
  context.seen.add(realTarget(context.workspaceDir, absolute));
  const dir = path.dirname(absolute);
  const value = isRecord(source.value) ? source.value : {};
  const at = (...keys: Array<string | number>) => locate(source, ...keys);

  /** A path Compose would read: variables, the workspace boundary and the file itself. Returns the workspace-relative path when readable. */
  const checkPath = async (where: string, label: string, raw: unknown, what: string, options: { optional?: boolean; directory?: boolean } = {}): Promise<string | null> => {
    if (typeof raw !== 'string') return null;
    if (raw.includes('$')) {
      out.push(`${where}: ${label}: ${what} \`${raw}\` uses a variable; write the path itself (Shipshape checks it before Compose reads it)`);
      return null;
    }
    const file = path.resolve(dir, raw.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'));
    const real = realTarget(dir, file);
    if (!isInside(context.root, real)) {
      out.push(`${where}: ${label}: ${what} ${raw} is outside the workspace${real !== file ? ` (it leads to ${real})` : ''}; it is not read`);
      return null;
    }
    const relative = path.relative(context.workspaceDir, file) || '.';
    if (options.directory) return relative;
    if (options.optional && !(await lstat(file).then(() => true, () => false))) return null;
    try {
      await readLearnerFile(context.workspaceDir, relative, { what, maxBytes: COMPOSE_LIMITS.maxBytes });
    } catch (error) {
      out.push(`${where}: ${label}: ${isUserError(error) ? error.message : errorMessage(error)}`);
      return null;
    }
    return relative;
  };

  /** A compose file Compose merges in: read within the same limits and checked the same way. */
  const nested = async (relative: string) => {
    if (context.seen.has(realTarget(context.workspaceDir, path.resolve(context.workspaceDir, relative)))) return;
    try {
      out.push(...(await referenceProblems(await readComposeSource(context.workspaceDir, relative), context)));
    } catch (error) {
      out.push(isUserError(error) ? error.message : errorMessage(error));
    }
  };

  for (const [index, entry] of list(value.include).entries()) {
    const where = at('include', index);
    const spec = isRecord(entry) ? entry : { path: entry };
    for (const file of list(spec.path)) {
      const relative = await checkPath(where, 'include', file, 'included file');
      if (relative) await nested(relative);
    }
    for (const file of list(spec.env_file)) await checkPath(where, 'include', file, 'env file');
    if (spec.project_directory !== undefined) await checkPath(where, 'include', spec.project_directory, 'project directory', { directory: true });
  }
  const services = isRecord(value.services) ? value.services : {};
  for (const [name, service] of Object.entries(services)) {
    if (!isRecord(service)) continue;
    const label = `service ${name}`;
    for (const [index, entry] of list(service.env_file).entries()) {
      const spec = isRecord(entry) ? entry : { path: entry };
      const optional = spec.required === false || spec.required === 'false';
      await checkPath(at('services', name, 'env_file', index), label, spec.path, 'env file', { optional });
    }
    for (const [index, entry] of list(service.label_file).entries()) await checkPath(at('services', name, 'label_file', index), label, entry, 'label file');
    // v1 refuses a missing build context in `config`, v2 only when it builds: say it once, for both.
    const context = typeof service.build === 'string' ? service.build : isRecord(service.build) ? (service.build.context ?? '.') : undefined;
    if (typeof context === 'string' && !context.includes('$') && !isRemoteContext(context)) {
      const keys = typeof service.build === 'string' ? ['services', name, 'build'] : ['services', name, 'build', 'context'];
      if (!(await stat(path.resolve(dir, context)).then((info) => info.isDirectory(), () => false))) {
        out.push(`${at(...keys)}: ${label}: the build context ${context} is not a directory of the workspace`);
      }
    }
    if (isRecord(service.extends) && service.extends.file !== undefined) {
      const relative = await checkPath(at('services', name, 'extends', 'file'), label, service.extends.file, 'extended file');
      if (relative) await nested(relative);
    }
  }
  return out;
}

/** The project's `.env` (Compose reads it for interpolation): checked like any learner file when it exists. */
export async function dotEnvProblem(workspaceDir: string): Promise<string | null> {
  const file = path.join(workspaceDir, '.env');
  if (!(await lstat(file).then(() => true, () => false))) return null;
  try {
    await readLearnerFile(workspaceDir, '.env', { what: 'project .env file', maxBytes: COMPOSE_LIMITS.maxBytes });
    return null;
  } catch (error) {
    return isUserError(error) ? error.message : errorMessage(error);
  }
}

/** Keys of an `include:` entry, each checked above before Compose reads it. */
export const INCLUDE_KEYS = ['path', 'env_file', 'project_directory'] as const;
