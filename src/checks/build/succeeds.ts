import { z } from 'zod';
import { formatSeconds } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';

export const buildSucceeds = defineCheck({
  kind: 'build.succeeds',
  phase: 'build',
  summary: 'The Dockerfile builds on the engine: no error in the build stream and an image id produced.',
  params: z.object({}),
  example: {},
  run(_params, { build }) {
    if (!build.failure && build.imageId) {
      return pass(`built in ${formatSeconds(build.durationMs)} (${build.steps} steps)`, {
        imageId: build.imageId,
        steps: build.steps,
        durationMs: build.durationMs,
      });
    }
    const failure = build.failure ?? { step: null, message: 'no image was produced', lastLines: [] };
    const where = failure.step ? ` at ${failure.step}` : '';
    return fail(`build failed${where}: ${failure.message}`, {
      step: failure.step,
      error: failure.message,
      lastLines: failure.lastLines,
      durationMs: build.durationMs,
    });
  },
});
