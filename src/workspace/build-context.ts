// What the docker CLI would send as the build context: read from the workspace, no engine involved
// (the static checks use it; the build packs exactly this plan, src/engine/context.ts).
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as dockerignoreModule from '@balena/dockerignore';

// The package is CommonJS with `exports.default`; under NodeNext the function sits one level down.
const dockerignore = dockerignoreModule.default as unknown as typeof import('@balena/dockerignore').default;

export interface BuildContextPlan {
  dir: string;
  /** Relative POSIX paths (files, links and directories) that will be sent. */
  included: Set<string>;
  fileCount: number;
  totalBytes: number;
  /** The biggest included files, for messages about context size. */
  largest: Array<{ path: string; bytes: number }>;
  ignoredCount: number;
}

/**
 * Decides what the docker CLI would send: `.dockerignore` rules (case-sensitive, as on Linux),
 * with the Dockerfile and `.dockerignore` always sent.
 */
export async function planBuildContext(dir: string, dockerfile = 'Dockerfile'): Promise<BuildContextPlan> {
  const root = path.resolve(dir);
  const rules = await readIgnoreRules(root);
  const matcher = dockerignore({ ignorecase: false }).add(rules);
  // Exception patterns without their `!`: an ignored directory is only entered when one of them could
  // match inside it, exactly as the docker CLI decides (archive.TarWithOptions): the pattern plus "/"
  // must start with the directory's path plus "/". So `!**/.env` does not bring back files in an
  // ignored directory, while `!logs/keep.txt` does.
  const exceptions = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1));
  const hasExceptions = exceptions.length > 0;
  const mayReinclude = (directory: string) => exceptions.some((pattern) => `${pattern}/`.startsWith(`${directory}/`));
  const alwaysSent = new Set([toPosix(path.normalize(dockerfile)), '.dockerignore']);

  const included = new Set<string>();
  const files: Array<{ path: string; bytes: number }> = [];
  let ignoredCount = 0;

  async function walk(relativeDir: string): Promise<boolean> {
    const entries = (await readdir(path.join(root, relativeDir), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    // Sizes of this directory's files are read together: one lstat at a time is most of a big tree's planning time.
    const sizes = new Map(
      await Promise.all(
        entries
          .filter((entry) => !entry.isDirectory())
          .map(async (entry) => {
            const stats = await lstat(path.join(root, relativeDir, entry.name));
            return [entry.name, stats.isFile() ? stats.size : 0] as const;
          }),
      ),
    );
    let anyIncluded = false;
    for (const entry of entries) {
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      // Shipshape's own state (marker, lock, backups) is never part of the learner's build.
      const ignored = relative === '.shipshape' || (!alwaysSent.has(relative) && matcher.ignores(relative));
      if (entry.isDirectory()) {
        // An ignored directory is only entered when a `!` rule might bring something inside it back.
        if (ignored && (!hasExceptions || !mayReinclude(relative))) {
          ignoredCount++;
          continue;
        }
        const childIncluded = await walk(relative);
        if (!ignored || childIncluded) {
          included.add(relative);
          anyIncluded = true;
        } else {
          ignoredCount++;
        }
        continue;
      }
      if (ignored) {
        ignoredCount++;
        continue;
      }
      included.add(relative);
      files.push({ path: relative, bytes: sizes.get(entry.name) ?? 0 });
      anyIncluded = true;
    }
    return anyIncluded;
  }

  await walk('');
  const largest = [...files].sort((a, b) => b.bytes - a.bytes).slice(0, 5);
  return {
    dir: root,
    included,
    fileCount: files.length,
    totalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    largest,
    ignoredCount,
  };
}

/**
 * Reads .dockerignore as the docker CLI does (cli/build/dockerignore ReadAll): a BOM on the first line
 * is dropped; a line is a comment only when `#` is its very first character (before trimming); the
 * pattern is trimmed, `!` split off and trimmed again, cleaned like a path, and a leading `/` removed.
 */
export function parseIgnoreFile(text: string): string[] {
  const rules: string[] = [];
  for (const [index, raw] of text.replace(/\r\n/g, '\n').split('\n').entries()) {
    const line = index === 0 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = path.posix.normalize(pattern).replace(/(.)\/+$/, '$1');
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    rules.push(invert ? `!${pattern}` : pattern);
  }
  return rules;
}

async function readIgnoreRules(root: string): Promise<string[]> {
  try {
    return parseIgnoreFile(await readFile(path.join(root, '.dockerignore'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function toPosix(value: string): string {
  return value.split(path.sep).join('/');
}
