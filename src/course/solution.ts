import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { listFiles } from '../workspace/files.js';
import type { ChallengePack } from './packs.js';

export interface FileDiff {
  file: string;
  change: 'modified' | 'missing-in-workspace' | 'not-in-solution' | 'binary';
  /** Unified diff from the learner's file to the solution's. */
  patch: string;
}

const readText = (file: string) => readFile(file).then((buffer) => buffer, () => null);

/**
 * How the learner's files differ from the reference solution, as unified diffs. Only the files of the
 * starter and of the solution are compared; anything else the learner added is theirs.
 */
export async function solutionDiff(pack: ChallengePack, workspaceRoot: string): Promise<FileDiff[]> {
  const solutionDir = path.join(pack.dir, pack.manifest.solution);
  const starterDir = path.join(pack.dir, pack.manifest.starter);
  const solutionFiles = new Set(await listFiles(solutionDir));
  const files = [...new Set([...solutionFiles, ...(await listFiles(starterDir))])].sort();
  const diffs: FileDiff[] = [];
  for (const file of files) {
    const yours = await readText(path.join(workspaceRoot, file));
    const reference = solutionFiles.has(file) ? await readText(path.join(solutionDir, file)) : null;
    if (yours && reference && yours.equals(reference)) continue;
    if (!yours && !reference) continue;
    if ((yours && yours.includes(0)) || (reference && reference.includes(0))) {
      diffs.push({ file, change: 'binary', patch: `Binary files ${file} differ\n` });
      continue;
    }
    const change = !yours ? 'missing-in-workspace' : !reference ? 'not-in-solution' : 'modified';
    const patch = createTwoFilesPatch(
      yours ? `yours/${file}` : '/dev/null',
      reference ? `solution/${file}` : '/dev/null',
      yours?.toString('utf8') ?? '',
      reference?.toString('utf8') ?? '',
      undefined,
      undefined,
      { context: 3 },
    );
    diffs.push({ file, change, patch });
  }
  return diffs;
}
