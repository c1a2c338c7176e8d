import type { ContextByPhase, Phase, Verdict } from '../checks/kind.js';
import { findCheckKind } from '../checks/registry.js';
import { defaultLocation, relativeTo } from '../checks/location.js';
import type { CheckEntry } from '../course/manifest.js';
import { UserError, errorMessage } from '../errors.js';
import { safeEvidence, safeText } from '../text/safe.js';
import type { CheckResult } from './result.js';
import { checkParams } from '../checks/params.js';

/** Runs one check of a phase on its context: the one place verdicts become results. */
export async function runCheck(check: CheckEntry, phase: Phase, context: ContextByPhase[Phase]): Promise<CheckResult> {
  const kind = findCheckKind(check.kind)!;
  const started = Date.now();
  let verdict: Verdict;
  let params: unknown = undefined;
  try {
    params = await checkParams(kind, check);
    verdict = await kind.run(params, context as never);
  } catch (error) {
    // An engine error inside one check fails that check with the reason rather than ending the run.
    if (error instanceof UserError) throw error;
    verdict = { status: 'fail', message: `could not run this check: ${errorMessage(error)}` };
  }
  // Only a kind that could not look because of the engine may skip, and it says so; anything else is a fail.
  if (verdict.status === 'skip' && verdict.skippedFor !== 'engine') verdict = { ...verdict, status: 'fail' };
  const location = verdict.status === 'pass' && !verdict.location ? null : locateVerdict(kind, params, context, verdict);
  return {
    id: check.id,
    title: check.title,
    kind: check.kind,
    phase,
    status: verdict.status,
    required: check.required,
    points: verdict.status === 'fail' || verdict.status === 'skip' ? 0 : check.points,
    maxPoints: check.points,
    // Learner text in messages and evidence is made safe here.
    message: safeText(verdict.message),
    hint: hintFor(verdict, check.hint),
    ...(verdict.status === 'skip' ? { skippedFor: 'engine' as const } : {}),
    evidence: verdict.evidence === undefined ? undefined : safeEvidence(verdict.evidence),
    ...(location ? { location } : {}),
    durationMs: Date.now() - started,
  };
}

/** The verdict's own location, else its kind's, else the final stage's FROM (or the compose service). */
function locateVerdict(kind: NonNullable<ReturnType<typeof findCheckKind>>, params: unknown, context: ContextByPhase[Phase], verdict: Verdict) {
  try {
    const found = verdict.location ?? kind.locate?.(params, context as never, verdict) ?? defaultLocation(context as never, params);
    return found ? relativeTo(found, context.workspaceDir) : null;
  } catch {
    // A location is a pointer for reports: failing to find one must never change a verdict.
    return null;
  }
}

/** The hint shown with a verdict: the kind's for this very reason, else (for a fail) the manifest's; none on a pass. */
export function hintFor(verdict: Verdict, manifestHint: string): string | null {
  if (verdict.status === 'pass') return null;
  if (verdict.hint) return verdict.hint;
  return verdict.status === 'fail' ? manifestHint : null;
}

/** A check that did not run, with the reason (a phase it needs failed, a batch time limit, an error). */
export function skipped(check: CheckEntry, phase: Phase, reason: string): CheckResult {
  return {
    id: check.id,
    title: check.title,
    kind: check.kind,
    phase,
    status: 'skip',
    required: check.required,
    points: 0,
    maxPoints: check.points,
    message: safeText(reason),
    hint: check.hint,
    durationMs: 0,
  };
}
