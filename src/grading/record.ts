import { courseRootOfWorkspace } from '../workspace/course.js';
import { readProgress, updateChallengeProgress, type ChallengeProgress, type ProgressOptions } from '../workspace/progress.js';
import type { Workspace } from '../workspace/workspace.js';
import type { VerifyResult } from './result.js';
import type { LearnerState } from './visibility.js';

/** Counts a finished verify in the learner's progress: one attempt, the best score, when it first passed. */
export async function recordVerify(workspace: Workspace, result: VerifyResult, options: ProgressOptions = {}): Promise<ChallengeProgress> {
  const courseRoot = await courseRootOfWorkspace(workspace);
  const at = new Date().toISOString();
  const fails = result.checks.filter((check) => check.status === 'fail');
  const failed = [...fails.filter((check) => check.required), ...fails.filter((check) => !check.required)];
  return updateChallengeProgress(
    courseRoot,
    result.challenge.id,
    (entry) => {
      entry.attempts += 1;
      entry.bestPercent = Math.max(entry.bestPercent ?? 0, result.score.percent);
      if (result.passed && !entry.passedAt) entry.passedAt = at;
      entry.startedAt ??= workspace.marker.startedAt;
      entry.workspace ??= workspace.root;
      entry.lastVerify = {
        at,
        passed: result.passed,
        percent: result.score.percent,
        points: result.score.points,
        maxPoints: result.score.maxPoints,
        // Required failures first, as the scorecard's "First to fix" picks them; each with the hint it showed.
        failing: failed.map((check) => check.id),
        hints: Object.fromEntries(failed.filter((check) => check.hint).map((check) => [check.id, check.hint!])),
      };
    },
    options,
  );
}

/** Recording progress must never turn a graded verify into an error: a failure becomes a warning. */
export async function recordVerifyOrWarn(workspace: Workspace, result: VerifyResult, warn: (message: string) => void): Promise<void> {
  try {
    await recordVerify(workspace, result, { warn });
  } catch (error) {
    warn(`Your result was not saved to your progress: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether the learner passed this challenge before, for `after-pass` checks; an unreadable progress counts as not passed. */
export async function learnerStateOf(workspace: Workspace, challenge: string): Promise<LearnerState> {
  try {
    const progress = await readProgress(await courseRootOfWorkspace(workspace));
    return { passedBefore: Boolean(progress.challenges[challenge]?.passedAt) };
  } catch {
    return { passedBefore: false };
  }
}
