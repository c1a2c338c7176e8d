import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as dockerignoreModule from '@balena/dockerignore';
import tar from 'tar-fs';

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
  const hasExceptions = rules.some((rule) => rule.trim().startsWith('!'));
  const alwaysSent = new Set([toPosix(path.normalize(dockerfile)), '.dockerignore']);

  const included = new Set<string>();
  const files: Array<{ path: string; bytes: number }> = [];
  let ignoredCount = 0;

  async function walk(relativeDir: string): Promise<boolean> {
    const entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
    let anyIncluded = false;
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      // Shipshape's own state (marker, lock, backups) is never part of the learner's build.
      const ignored = relative === '.shipshape' || (!alwaysSent.has(relative) && matcher.ignores(relative));
      if (entry.isDirectory()) {
        // An ignored directory is only entered when a `!` rule might bring something inside it back.
        if (ignored && !hasExceptions) {
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
      const stats = await lstat(path.join(root, relative));
      included.add(relative);
      files.push({ path: relative, bytes: stats.isFile() ? stats.size : 0 });
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

/** A tar stream of exactly the planned paths; symlinks are sent as links, as the docker CLI does. */
export function packBuildContext(plan: BuildContextPlan): Readable {
  return tar.pack(plan.dir, {
    ignore: (absolute: string) => {
      const relative = toPosix(path.relative(plan.dir, absolute));
      return relative !== '' && !plan.included.has(relative);
    },
  }) as unknown as Readable;
}

async function readIgnoreRules(root: string): Promise<string[]> {
  try {
    const text = await readFile(path.join(root, '.dockerignore'), 'utf8');
    return text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function toPosix(value: string): string {
  return value.split(path.sep).join('/');
}
