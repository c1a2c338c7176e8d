import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ChallengeProgress } from '../workspace/progress.js';
import type { ChallengePack } from './packs.js';

export interface HintChoice {
  /** Hint levels to show, 1-based. */
  levels: number[];
  /** Every level had already been seen: the last one is shown again. */
  exhausted: boolean;
  /** The hint the last verify showed for the first check it failed (as on its scorecard), shown before the hint files. */
  failingCheck: { id: string; title: string; hint: string } | null;
}

/** Which hints to show: the next unseen level, a chosen one, or all; plus what the last verify failed on. */
export function chooseHints(pack: ChallengePack, entry: ChallengeProgress, options: { all?: boolean; level?: number }): HintChoice {
  const total = pack.manifest.hints.length;
  let levels: number[];
  let exhausted = false;
  if (options.level !== undefined) {
    if (options.level < 1 || options.level > total) {
      throw new UserError(`${pack.manifest.id} has hint levels 1 to ${total}; there is no level ${options.level}.`, 2, `Use --level between 1 and ${total}, or --all.`);
    }
    levels = [options.level];
  } else if (options.all) {
    levels = Array.from({ length: total }, (_, index) => index + 1);
  } else {
    const next = Math.max(0, ...entry.hintsSeen) + 1;
    exhausted = next > total;
    levels = [Math.min(next, total)];
  }
  const last = entry.lastVerify;
  const failingId = last && !last.passed ? last.failing[0] : undefined;
  const check = failingId ? pack.manifest.checks.find((candidate) => candidate.id === failingId) : undefined;
  // The hint that verify showed for that failure's reason; the manifest's when none was recorded.
  const hint = check ? (last?.hints?.[check.id] ?? check.hint) : '';
  return { levels, exhausted, failingCheck: check ? { id: check.id, title: check.title, hint } : null };
}

export async function readHint(pack: ChallengePack, level: number): Promise<{ level: number; file: string; text: string }> {
  const relative = pack.manifest.hints[level - 1];
  if (!relative) throw new UserError(`${pack.manifest.id} has no hint ${level}.`, 2);
  const file = path.join(pack.dir, relative);
  try {
    return { level, file, text: (await readFile(file, 'utf8')).trim() };
  } catch {
    throw new UserError(`Hint ${level} of ${pack.manifest.id} is missing (${file}).`, 2, 'Run `shipshape challenge:validate` on the pack.');
  }
}
