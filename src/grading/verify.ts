import { loadCheckKinds } from '../checks/registry.js';
import { acquireWorkspaceLock } from '../workspace/lock.js';
import { PHASE_STEPS, type PhaseStep } from './phases/index.js';
import { runSteps } from './pipeline.js';
import { planChecks } from './plan.js';
import type { VerifyResult } from './result.js';
import { VerifyRun } from './run.js';
import { verifyResult } from './verify-result.js';
import type { VerifyOptions } from './verify-types.js';

// What callers of verify have always imported from here.
export type { PartialVerifyResult, VerifyEvent, VerifyOptions } from './verify-types.js';
export { CancelledError, withPartialResult } from './run.js';
export { hintFor, skipped } from './check-run.js';
export { type BuildPlan, planBuild } from './build-plan.js';
export { DOCKERFILE_MAX_BYTES } from './phases/static.js';

/** Grades a workspace: static checks, build, image checks, runtime checks, in that order. */
export function verifyWorkspace(options: VerifyOptions): Promise<VerifyResult> {
  return verifyWithSteps(options, PHASE_STEPS);
}

/**
 * A verify with these steps: the workspace locked, the steps run, everything the run created removed
 * (also on error and Ctrl-C), the lock released.
 */
export async function verifyWithSteps(options: VerifyOptions, steps: readonly PhaseStep[]): Promise<VerifyResult> {
  const plan = planChecks(options.pack.manifest.checks);
  // Made first: an engine given as a promise is already on its way while the static phase runs.
  const run = new VerifyRun(options, plan);
  // The static phase's kinds first; the others load once the static verdicts are out.
  await loadCheckKinds(plan.kindsOf('static'), { schemas: false });
  const releaseLock = await acquireWorkspaceLock(options.workspaceDir, 'challenge:verify');
  try {
    let cleanup: VerifyResult['cleanup'];
    try {
      await runSteps(run, steps);
    } finally {
      cleanup = await run.dispose();
    }
    return await verifyResult(run, cleanup);
  } finally {
    await releaseLock();
  }
}
