import type { Phase } from '../../checks/kind.js';
import type { CheckEntry } from '../../course/manifest.js';
import type { CheckPlan } from '../plan.js';
import type { CheckResult, VerifyResult } from '../result.js';
import { score } from '../result.js';
import { skipped } from '../verify.js';
import type { SubmissionOutcome } from './types.js';

/** Who and what an outcome is about: the same for every way a grading ends. */
export interface OutcomeBase {
  name: string;
  contentHash: string;
  attempts: number;
  engine: string | null;
}

/** The verdict of a verify that finished. */
export function gradedOutcome(base: OutcomeBase, result: VerifyResult, durationMs: number): SubmissionOutcome {
  const failedRequired = result.checks.filter((check) => check.required && check.status !== 'pass').map((check) => check.id);
  return {
    ...base,
    cached: false,
    status: result.passed ? 'pass' : 'fail',
    passed: result.passed,
    score: result.score,
    counts: result.counts,
    checks: result.checks,
    provenance: result.provenance ?? null,
    message: result.passed ? null : `not passed: ${failedRequired.join(', ')}`,
    phase: null,
    durationMs,
    gradedAt: new Date().toISOString(),
  };
}

export interface CutOff {
  timeoutSeconds: number;
  /** The checks that finished before the limit, in the order they finished. */
  reached: CheckResult[];
  /** The phase that was running. */
  phase: Phase | null;
  durationMs: number;
}

/** A verify stopped by the submission's limit: what ran before it keeps its verdict; the rest was not reached. */
export function timeoutOutcome(base: OutcomeBase, checks: readonly CheckEntry[], plan: CheckPlan, cut: CutOff): SubmissionOutcome {
  const reachedIds = new Set(cut.reached.map((check) => check.id));
  const reason = `not reached: the ${cut.timeoutSeconds} s limit for this submission ran out`;
  const all: CheckResult[] = [
    ...cut.reached,
    ...checks.filter((check) => !reachedIds.has(check.id)).map((check) => skipped(check, plan.phaseOf(check), reason)),
  ];
  const scored = score(all);
  return {
    ...base,
    cached: false,
    status: 'timeout',
    passed: false,
    score: scored.score,
    counts: scored.counts,
    checks: all,
    message: `did not finish within ${cut.timeoutSeconds} s${cut.phase ? ` (during the ${cut.phase} phase)` : ''}`,
    phase: cut.phase,
    durationMs: cut.durationMs,
    gradedAt: new Date().toISOString(),
  };
}

/** No verdict: every check is skipped with the reason (an engine problem, bad input, no engine left). */
export function errorOutcome(base: OutcomeBase, checks: readonly CheckEntry[], plan: CheckPlan, message: string, durationMs = 0): SubmissionOutcome {
  const skippedAll: CheckResult[] = checks.map((check) => skipped(check, plan.phaseOf(check), `not graded: ${message}`));
  const scored = score(skippedAll);
  return {
    name: base.name,
    status: 'error',
    passed: false,
    score: scored.score,
    counts: scored.counts,
    checks: skippedAll,
    message,
    phase: null,
    durationMs,
    engine: base.engine,
    attempts: base.attempts,
    cached: false,
    contentHash: base.contentHash,
    gradedAt: new Date().toISOString(),
  };
}
