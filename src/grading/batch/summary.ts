import type { ChallengePack } from '../../course/packs.js';
import type { BatchResult, CleanupTotals, EngineUsage, SubmissionOutcome, SubmissionStatus } from './types.js';

export interface BatchTotals {
  pack: ChallengePack;
  manifestHash: string;
  submissionsDir: string;
  /** When the batch started (ms since the epoch). */
  started: number;
  concurrency: number;
  timeoutSeconds: number;
  engines: EngineUsage[];
  /** In submission order. */
  submissions: SubmissionOutcome[];
  cleanup: CleanupTotals;
}

/** The batch's result object (`--format json`, schemaVersion 1): its submissions, counts, engines and cleanup. */
export function summarise(totals: BatchTotals): BatchResult {
  const { pack, submissions } = totals;
  const count = (status: SubmissionStatus) => submissions.filter((outcome) => outcome.status === status).length;
  return {
    schemaVersion: 1,
    challenge: { id: pack.manifest.id, title: pack.manifest.title, manifestHash: totals.manifestHash },
    submissionsDir: totals.submissionsDir,
    startedAt: new Date(totals.started).toISOString(),
    durationMs: Date.now() - totals.started,
    concurrency: totals.concurrency,
    timeoutSeconds: totals.timeoutSeconds,
    engines: totals.engines,
    counts: {
      total: submissions.length,
      pass: count('pass'),
      fail: count('fail'),
      timeout: count('timeout'),
      error: count('error'),
      cached: submissions.filter((outcome) => outcome.cached).length,
    },
    submissions,
    cleanup: totals.cleanup,
  };
}
