import path from 'node:path';
import { PHASES } from '../checks/kind.js';
import { loadCheckKinds } from '../checks/registry.js';
import { planChecks } from './plan.js';
import { CancelledError } from './verify.js';
import { ResultsCache, cacheKey, challengeHash, submissionHash } from './batch/cache.js';
import { dispatch } from './batch/dispatch.js';
import { type GradingSetup, gradeOne } from './batch/grade-one.js';
import { errorOutcome } from './batch/outcomes.js';
import { EnginePool } from './batch/pool.js';
import { measureStarterOnEachEngine } from './batch/starter.js';
import { listSubmissions, selectSubmissions } from './batch/submissions.js';
import { summarise } from './batch/summary.js';
import type { BatchEvent, BatchJob, BatchOptions, BatchResult, CleanupTotals, SubmissionOutcome } from './batch/types.js';

// The public entry of batch grading; the pieces live in src/grading/batch/.
export type { BatchEvent, BatchOptions, BatchResult, EngineUsage, SubmissionOutcome, SubmissionStatus } from './batch/types.js';
export { challengeHash, defaultStateFile, submissionHash } from './batch/cache.js';
export { listSubmissions } from './batch/submissions.js';
export { connectEngines } from './batch/pool.js';

/**
 * Grades every submission folder with the verify core: each is copied to a scratch workspace (the
 * submission is never written), run on the least busy engine that still answers, under a
 * wall-clock limit, at most `concurrency` at a time. A submission whose engine is lost mid-run is
 * graded again on another one. One submission's failure, hang or error never stops the batch.
 */
export async function gradeBatch(options: BatchOptions, graderVersion: string): Promise<BatchResult> {
  const { pack } = options;
  const plan = planChecks(pack.manifest.checks);
  await loadCheckKinds(plan.kindsOf(...PHASES));
  const started = Date.now();
  const submissionsDir = path.resolve(options.submissionsDir);
  const names = selectSubmissions(await listSubmissions(submissionsDir), options.only, submissionsDir);
  const manifestHash = await challengeHash(pack, graderVersion);
  const cache = await ResultsCache.open(options.stateFile, pack.manifest.id);
  const emit = (event: BatchEvent) => options.onEvent?.(event);
  const pool = new EnginePool(options.engines, emit);
  const outcomes = new Map<string, SubmissionOutcome>();
  let done = 0;
  const finish = (outcome: SubmissionOutcome) => {
    outcomes.set(outcome.name, outcome);
    emit({ type: 'done', outcome, done: ++done, total: names.length });
  };
  const setup: GradingSetup = { pack, plan, submissionsDir, timeoutSeconds: options.timeoutSeconds, builder: options.builder, signal: options.signal };
  const queue = await uncachedJobs(names, submissionsDir, manifestHash, cache, options.timeoutSeconds, finish);
  let cleanup: CleanupTotals;
  try {
    if (queue.length > 0) {
      await measureStarterOnEachEngine(pool, pack, emit);
      await pool.readCapacities();
    }
    await dispatch(queue, {
      pool,
      concurrency: options.concurrency,
      signal: options.signal,
      emit,
      grade: (job, slot) => gradeOne(setup, job, slot),
      ungraded: (job, message) => errorOutcome({ name: job.name, contentHash: job.contentHash, attempts: job.attempts, engine: null }, pack.manifest.checks, plan, message),
      finish: (job, outcome) => {
        finish(outcome);
        cache.record(job.name, job.key, options.timeoutSeconds, outcome);
      },
    });
    if (options.signal?.aborted) throw new CancelledError();
  } finally {
    await cache.save();
    cleanup = await pool.close();
  }
  const { concurrency, timeoutSeconds } = options;
  const submissions = names.map((name) => outcomes.get(name)!);
  return summarise({ pack, manifestHash, submissionsDir, started, concurrency, timeoutSeconds, engines: pool.usage(), submissions, cleanup });
}

/** Hashes every submission first: cached verdicts are reported at once, the rest are returned to grade. */
async function uncachedJobs(
  names: string[],
  submissionsDir: string,
  manifestHash: string,
  cache: ResultsCache,
  timeoutSeconds: number,
  finish: (outcome: SubmissionOutcome) => void,
): Promise<BatchJob[]> {
  const jobs: BatchJob[] = [];
  for (const name of names) {
    const contentHash = await submissionHash(path.join(submissionsDir, name));
    const key = cacheKey(contentHash, manifestHash);
    const cached = cache.lookup(name, key, timeoutSeconds);
    if (cached) finish(cached);
    else jobs.push({ name, key, contentHash, attempts: 0 });
  }
  return jobs;
}
