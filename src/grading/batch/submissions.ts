import { readdir } from 'node:fs/promises';
import { UserError } from '../../errors.js';

/** The submission folders of a batch: every visible subdirectory, sorted. */
export async function listSubmissions(submissionsDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(submissionsDir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(`No submissions directory at ${submissionsDir}.`, 2, 'Pass a directory holding one folder per learner.');
    }
    throw error;
  }
  const names = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
  if (names.length === 0) {
    throw new UserError(`${submissionsDir} holds no submission folders.`, 2, 'Each learner’s workspace goes in its own subfolder (Dockerfile and app).');
  }
  return names;
}

/** The folders `--only` asks for (all when it is absent or empty); a name with no folder is bad input. */
export function selectSubmissions(names: string[], only: string[] | undefined, submissionsDir: string): string[] {
  if (!only?.length) return names;
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new UserError(`No submission folder named ${unknown.join(', ')} in ${submissionsDir}.`, 2);
  return names.filter((name) => only.includes(name));
}
