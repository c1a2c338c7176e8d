import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Phase } from '../../checks/kind.js';
import type { ChallengePack } from '../../course/packs.js';
import { errorMessage } from '../../errors.js';
import type { BuilderPreference } from '../../engine/buildkit/choose.js';
import { DEFAULT_LIMITS } from '../../engine/run.js';
import { STATE_DIR } from '../../workspace/workspace.js';
import type { CheckPlan } from '../plan.js';
import type { CheckResult } from '../result.js';
import { CancelledError, type VerifyEvent, verifyWorkspace } from '../verify.js';
import { engineGoneAfter, lostWith } from './engine-loss.js';
import { CLEANUP_GRACE_MS, type SubmissionLimit, startLimit, unlessStuck } from './limit.js';
import { type OutcomeBase, errorOutcome, gradedOutcome, timeoutOutcome } from './outcomes.js';
import type { EngineSlot } from './pool.js';
import type { BatchJob, GradeAttempt } from './types.js';

/** What every submission of a batch is graded against. */
export interface GradingSetup {
  pack: ChallengePack;
  plan: CheckPlan;
  submissionsDir: string;
  timeoutSeconds: number;
  builder?: BuilderPreference;
  signal?: AbortSignal;
}

/** What a verify got through before it stopped: the checks it finished and the phase it was in. */
function followProgress() {
  const reached: CheckResult[] = [];
  let phase: Phase | null = null;
  const onEvent = (event: VerifyEvent) => {
    if (event.type === 'check') reached.push(event.result);
    if (event.type === 'phase' && event.state === 'start') phase = event.phase;
  };
  return { reached, onEvent, phase: () => phase };
}

/** Symlinks are copied as links (never followed out of the submission); our own state is left out. */
async function copySubmission(source: string, workspace: string): Promise<void> {
  await cp(source, workspace, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (from) => path.relative(source, from).split(path.sep)[0] !== STATE_DIR,
  });
}

/**
 * One attempt at a submission on one engine: copied to a scratch workspace (the submission is never
 * written), verified under the submission's limit, and the end classified: a verdict, a timeout (what
 * ran keeps its verdict), an error, the engine lost (to grade again elsewhere) or the batch cancelled.
 */
export async function gradeOne(setup: GradingSetup, job: BatchJob, slot: EngineSlot): Promise<GradeAttempt> {
  const started = Date.now();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-grade-'));
  const workspace = path.join(scratch, 'workspace');
  const limit = startLimit(setup.timeoutSeconds, setup.signal);
  const progress = followProgress();
  const base: OutcomeBase = { name: job.name, contentHash: job.contentHash, attempts: job.attempts, engine: slot.usage.endpoint };
  const timedOut = (): GradeAttempt => ({
    kind: 'graded',
    outcome: timeoutOutcome(base, setup.pack.manifest.checks, setup.plan, {
      timeoutSeconds: setup.timeoutSeconds,
      reached: progress.reached,
      phase: progress.phase(),
      durationMs: Date.now() - started,
    }),
  });
  try {
    await copySubmission(path.join(setup.submissionsDir, job.name), workspace);
    const result = await unlessStuck(verify(setup, workspace, slot, limit, progress.onEvent), setup.timeoutSeconds * 1000 + CLEANUP_GRACE_MS);
    if (result === 'stuck') return timedOut();
    if (!result.passed && (await engineGoneAfter(result, slot.engine))) {
      return { kind: 'engine-lost', reason: `the engine at ${slot.usage.endpoint} stopped answering during the checks` };
    }
    return { kind: 'graded', outcome: gradedOutcome(base, result, Date.now() - started) };
  } catch (error) {
    if (error instanceof CancelledError || limit.signal.aborted) return limit.timedOut() ? timedOut() : { kind: 'cancelled' };
    if (await lostWith(error, slot.engine)) return { kind: 'engine-lost', reason: errorMessage(error) };
    return { kind: 'graded', outcome: errorOutcome(base, setup.pack.manifest.checks, setup.plan, errorMessage(error), Date.now() - started) };
  } finally {
    limit.dispose();
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

function verify(setup: GradingSetup, workspace: string, slot: EngineSlot, limit: SubmissionLimit, onEvent: (event: VerifyEvent) => void) {
  return verifyWorkspace({
    pack: setup.pack,
    workspaceDir: workspace,
    engine: slot.engine,
    limits: DEFAULT_LIMITS,
    // Gradings run side by side on an engine: with the classic builder a layer one of them takes from
    // the cache may be removed by the other's cleanup mid-build, so each builds its own layers there.
    // BuildKit's cache is shared and immutable (a run removes only records it can attribute to itself):
    // the starter measurement and earlier gradings warm it for everyone.
    noCache: 'classic',
    builder: setup.builder,
    signal: limit.signal,
    onEvent,
  });
}
