import { courseRootFromCwd } from '../workspace/course.js';
import { type ChallengeStatus, challengeStatus, readProgress } from '../workspace/progress.js';
import { listPacks, packRoots } from './packs.js';

export interface ChallengeRow {
  id: string;
  title: string;
  difficulty: string;
  lesson: string;
  status: ChallengeStatus;
}

/** Every challenge of the selected courses, with the learner's status from the progress of the course folder around `cwd`. */
export async function challengeRows(options: { packs?: string[]; courses?: string[]; cwd: string; warn: (message: string) => void }): Promise<ChallengeRow[]> {
  const packs = await listPacks(await packRoots(options.packs ?? [], options.courses));
  const progress = await readProgress(await courseRootFromCwd(options.cwd), { warn: options.warn });
  return packs.map(({ manifest }) => ({
    id: manifest.id,
    title: manifest.title,
    difficulty: manifest.difficulty,
    lesson: manifest.lesson,
    status: challengeStatus(progress.challenges[manifest.id]),
  }));
}
