import { phaseOfKindName } from '../checks/registry.js';
import type { CheckEntry, Manifest } from '../course/manifest.js';
import type { VerifyEvent } from './verify.js';
import { type CheckResult, type VerifyResult, score } from './result.js';

/**
 * What a learner may see of each check. The one place that applies a manifest's `visibility` and
 * `detail`: every learner output (terminal, web page and its events, --json, CI formats, progress) is
 * made from the result this returns; instructor outputs (challenge:grade, challenge:test) use the
 * result as graded.
 *
 * - `hidden`: the check is graded and counts in the score and the verdict, but nothing of it (id,
 *   title, message, hint, evidence) is shown; the learner sees only how many checks are hidden.
 * - `after-pass`: hidden until the learner has passed the challenge (an earlier pass in the progress,
 *   or this very run once it passed); then shown like a visible check.
 * - `detail: title`: only the title and the status (and points) are shown, never message, hint or evidence.
 */
export type CheckVisibility = 'visible' | 'hidden' | 'after-pass';
export type CheckDetail = 'full' | 'title';

export interface LearnerState {
  /** The learner passed this challenge before (progress has a passedAt). */
  passedBefore: boolean;
}

/** What replaces the message of a `detail: title` check. */
export const TITLE_ONLY_MESSAGE = 'Details of this check are not shown.';

/** Added to a learner's result when some checks were held back: how many, and nothing else about them. */
export interface HiddenSummary {
  checks: number;
}

export type LearnerVerifyResult = VerifyResult & { hidden?: HiddenSummary };

type Policy = Pick<CheckEntry, 'id'> & { kind?: string; visibility?: CheckVisibility; detail?: CheckDetail };

function policies(manifest: Pick<Manifest, 'checks'>): Map<string, Policy> {
  return new Map(manifest.checks.map((check) => [check.id, check as Policy]));
}

/** Whether a check with this policy is shown, given whether the learner has passed. */
export function isShown(policy: Policy | undefined, passed: boolean): boolean {
  const visibility = policy?.visibility ?? 'visible';
  return visibility === 'visible' || (visibility === 'after-pass' && passed);
}

/** A shown check as the learner sees it: whole, or title and status only. */
export function learnerCheck(check: CheckResult, policy: Policy | undefined): CheckResult {
  if ((policy?.detail ?? 'full') === 'full') return check;
  const { evidence: _evidence, location: _location, ...rest } = check;
  return { ...rest, message: TITLE_ONLY_MESSAGE, hint: null };
}

/** True when the manifest hides or trims anything, so a plain challenge's result goes through untouched. */
export function restricts(manifest: Pick<Manifest, 'checks'>): boolean {
  return manifest.checks.some((check) => ((check as Policy).visibility ?? 'visible') !== 'visible' || ((check as Policy).detail ?? 'full') !== 'full');
}

/**
 * The learner's view of a graded result. The score, percent and verdict stay those of every check
 * (a hidden check must pass too); `counts` and `checks` hold only the shown checks; `hidden.checks`
 * says how many were held back.
 */
export function learnerView<T extends Pick<VerifyResult, 'passed' | 'counts' | 'checks'>>(
  result: T,
  manifest: Pick<Manifest, 'checks'>,
  state: LearnerState,
): T & { hidden?: HiddenSummary } {
  if (!restricts(manifest)) return result;
  const byId = policies(manifest);
  const passed = state.passedBefore || result.passed;
  const shown = result.checks.filter((check) => isShown(byId.get(check.id), passed));
  const held = result.checks.length - shown.length;
  const { counts } = score(shown);
  const view: T & { hidden?: HiddenSummary } = { ...result, counts, checks: shown.map((check) => learnerCheck(check, byId.get(check.id))) };
  if (held > 0) view.hidden = { checks: held };
  else delete view.hidden;
  return view;
}

/**
 * A live event as the learner may see it, or null to drop it. During a run the verdict is not known
 * yet, so an `after-pass` check shows live only when the learner passed before.
 */
export function learnerEvent(event: VerifyEvent, manifest: Pick<Manifest, 'checks'>, state: LearnerState): VerifyEvent | null {
  // Health probe output is a runtime check's evidence: held back when a runtime check is hidden or title-only.
  if (event.type === 'probe') return restrictsRuntime(manifest, state) ? null : event;
  if (event.type !== 'check') return event;
  const policy = policies(manifest).get(event.result.id);
  if (!isShown(policy, state.passedBefore)) return null;
  return { ...event, result: learnerCheck(event.result, policy) };
}

function restrictsRuntime(manifest: Pick<Manifest, 'checks'>, state: LearnerState): boolean {
  return (manifest.checks as Policy[]).some(
    (check) => phaseOfKindName(check.kind ?? '') === 'runtime' && (!isShown(check, state.passedBefore) || (check.detail ?? 'full') !== 'full'),
  );
}

/** An onEvent that passes on only what the learner may see. */
export function learnerEvents(
  onEvent: ((event: VerifyEvent) => void) | undefined,
  manifest: Pick<Manifest, 'checks'>,
  state: LearnerState,
): ((event: VerifyEvent) => void) | undefined {
  if (!onEvent || !restricts(manifest)) return onEvent;
  return (event) => {
    const shown = learnerEvent(event, manifest, state);
    if (shown) onEvent(shown);
  };
}

/**
 * The view for a platform that hides tests from students itself (Gradescope): every check is kept, a
 * shown one as the learner sees it (title only where the manifest says so), a held-back one whole, and
 * `visibilityOf` says which is which, so the platform keeps hidden what Shipshape would.
 */
export function platformView<T extends Pick<VerifyResult, 'passed' | 'checks'>>(
  result: T,
  manifest: Pick<Manifest, 'checks'>,
  state: LearnerState,
): { result: T; visibilityOf: (check: CheckResult) => 'visible' | 'hidden' } {
  const byId = policies(manifest);
  const passed = state.passedBefore || result.passed;
  const shown = (check: CheckResult) => isShown(byId.get(check.id), passed);
  return {
    result: { ...result, checks: result.checks.map((check) => (shown(check) ? learnerCheck(check, byId.get(check.id)) : check)) },
    visibilityOf: (check) => (shown(check) ? 'visible' : 'hidden'),
  };
}
