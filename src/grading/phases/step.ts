import type { PhaseOutput, VerifyRun } from '../run.js';

/**
 * One step of a verify, usually one phase: it opens its phase's context or says why the phase's checks
 * are skipped, grades them, and closes what it opened. A new phase is one such file plus one entry in
 * ./index.ts.
 */
export interface PhaseStep {
  /** For people and tests: which step this is. */
  readonly name: string;
  /** Steps that need the engine connect it first (once a run): the static verdicts come out before. */
  readonly needsEngine: boolean;
  /**
   * Runs beside the step before it (started once that step's context is open): its verdicts and events
   * are held until that step ends, so the output reads as if the two had run in turn.
   */
  readonly besidePrevious?: boolean;
  /** Whether this run has anything for the step (a compose-only challenge never opens the build). */
  appliesTo(run: VerifyRun): boolean;
  /** Opens what the step (and one beside it) grades on, before any of its verdicts. */
  open?(run: VerifyRun): Promise<void>;
  /** Grades; `stop` aborts when the step beside which this one runs has failed. */
  grade(run: VerifyRun, out: PhaseOutput, stop?: AbortSignal): Promise<void>;
}
