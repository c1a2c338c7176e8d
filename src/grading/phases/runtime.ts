import type { CommandRun, ImageContext, RuntimeContext } from '../../checks/kind.js';
import { safeText } from '../../text/safe.js';
import type { PhaseOutput, VerifyRun } from '../run.js';
import type { PhaseStep } from './step.js';

/**
 * Containers from the image, graded until healthy. Runs beside the image phase (which mostly waits on the
 * engine: exports, probe containers): nothing in one depends on the other, and its verdicts come out after
 * the image phase's.
 */
export const runtimeStep: PhaseStep = {
  name: 'runtime',
  needsEngine: true,
  besidePrevious: true,
  appliesTo: (run) => run.staticContext !== null,
  async grade(run, out, stop) {
    const image = run.image!;
    await run.grade('runtime', image.context ? runtimeContext(run, image.context, out, stop) : image.reason, { out });
  },
};

function runtimeContext(run: VerifyRun, imageContext: ImageContext, out: PhaseOutput, stop?: AbortSignal): RuntimeContext {
  const { engine, side, scope, limits } = run.session;
  // Its containers stop on Ctrl-C, and when the image phase beside it fails.
  const signals = [run.signal, stop].filter((signal): signal is AbortSignal => signal !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const onProbe = (probe: { index: number; exitCode: number; output: string; atMs: number }) =>
    out.emit({ type: 'probe', ...probe, output: safeText(probe.output, 500) });
  return {
    ...imageContext,
    runner: {
      runUntilHealthy: (image, runOptions) => side.runUntilHealthy(engine, scope, image, { ...runOptions, limits, signal, onProbe }),
      execWhenHealthy: async (image, command, runOptions) => {
        let run: CommandRun | null = null;
        const health = await side.runUntilHealthy(engine, scope, image, {
          ...runOptions,
          limits,
          signal,
          onProbe,
          onHealthy: async (container) => {
            run = await side.execInContainer(container, command, { timeoutMs: runOptions.commandTimeoutMs });
          },
        });
        return { health, run };
      },
    },
  };
}
