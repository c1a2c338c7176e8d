import { PHASES, type Phase } from '../checks/kind.js';
import { phaseOfKindName } from '../checks/registry.js';
import type { CheckEntry } from '../course/manifest.js';

/** One phase of a run and the manifest's checks that run in it, in manifest order. */
export interface PhasePlan {
  phase: Phase;
  checks: CheckEntry[];
}

/**
 * The one place that decides which phase a check runs in: from the registry line of its kind, so no kind
 * has to load to answer. Every phase is listed, in run order, with no checks where the manifest has none.
 */
export interface CheckPlan {
  phases: PhasePlan[];
  checksOf(phase: Phase): CheckEntry[];
  phaseOf(check: CheckEntry): Phase;
  /** The kinds the checks of these phases use (to load them before the phase runs). */
  kindsOf(...phases: Phase[]): string[];
}

export function planChecks(checks: readonly CheckEntry[]): CheckPlan {
  const phaseOf = (check: CheckEntry): Phase => {
    const phase = phaseOfKindName(check.kind);
    // The manifest schema refuses unknown kinds: one here is a bug in the caller, not a learner's mistake.
    if (!phase) throw new Error(`check ${check.id} names the unknown kind ${check.kind}`);
    return phase;
  };
  const phases = PHASES.map((phase) => ({ phase, checks: checks.filter((check) => phaseOf(check) === phase) }));
  const byPhase = new Map(phases.map((entry) => [entry.phase, entry.checks]));
  return {
    phases,
    checksOf: (phase) => byPhase.get(phase) ?? [],
    phaseOf,
    kindsOf: (...wanted) => [...new Set(wanted.flatMap((phase) => byPhase.get(phase) ?? []).map((check) => check.kind))],
  };
}
