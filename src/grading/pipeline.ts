import type { PhaseStep } from './phases/step.js';
import type { VerifyRun } from './run.js';

/**
 * Runs a verify's steps in order. A step that needs the engine connects it first (once); a step marked
 * `besidePrevious` runs beside the one before it. The engine is connected by the end in any case: the
 * result names it, and the run's scope is what cleanup disposes.
 */
export async function runSteps(run: VerifyRun, steps: readonly PhaseStep[]): Promise<void> {
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    if (!step.appliesTo(run)) continue;
    if (step.needsEngine) {
      await run.connect();
      run.throwIfCancelled();
    }
    await step.open?.(run);
    const beside = steps[index + 1];
    if (beside?.besidePrevious && beside.appliesTo(run)) {
      index++;
      await gradeBeside(run, step, beside);
    } else {
      await step.grade(run, run.output);
    }
  }
  await run.connect();
  run.throwIfCancelled();
}

/**
 * `second` starts once `first`'s context is open and runs while `first` grades; its verdicts and events
 * are held and come out after `first`'s. When `first` fails, `second` is stopped and awaited before the
 * error goes on (its containers are gone before the scope is disposed).
 */
async function gradeBeside(run: VerifyRun, first: PhaseStep, second: PhaseStep): Promise<void> {
  await second.open?.(run);
  const held = run.heldOutput();
  const stop = new AbortController();
  const running = second.grade(run, held, stop.signal);
  // Settled before anything else happens to it: a first step that throws still waits for it below.
  running.catch(() => undefined);
  try {
    await first.grade(run, run.output);
  } catch (error) {
    stop.abort();
    await running.catch(() => undefined);
    throw error;
  }
  held.release();
  await running;
}
