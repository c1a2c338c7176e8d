import { type ImageFacts, type ImageInspector, SIZE_MEASURE } from '../../checks/kind.js';
import { errorMessage } from '../../errors.js';
import { type Comparison, score } from '../result.js';
import type { VerifyRun } from '../run.js';
import { keptImageTag } from './build.js';
import type { PhaseStep } from './step.js';

/** Not a phase: the before/after against the starter, and the image kept when asked (both after the runtime phase). */
export const starterComparisonStep: PhaseStep = {
  name: 'starter-comparison',
  needsEngine: true,
  appliesTo: (run) => Boolean(run.build?.imageId),
  async grade(run) {
    const build = run.build!;
    const context = run.image?.context;
    // A pass earns the before/after; a failing run gets it only when a check measured the starter anyway.
    if (context && (run.cache.baseline || score(run.results).passed)) {
      run.comparison = await compareWithStarter(run, context.inspector, context.image, build.durationMs);
      run.throwIfCancelled();
    }
    // Kept only now: a run that ends early removes the image with everything else.
    if (run.options.keepImage) {
      run.session.scope.keepImage(build.imageId!);
      run.keptAs = keptImageTag(run.manifest.id);
    }
  },
};

async function compareWithStarter(run: VerifyRun, inspector: ImageInspector, image: ImageFacts, buildMs: number): Promise<Comparison | null> {
  try {
    if (image.sizeMeasure?.problem) throw new Error(`the image size could not be measured: ${image.sizeMeasure.problem}`);
    const starter = await inspector.starterBaseline();
    // The image facts were read from the same inspect: no second call to the engine.
    const layers = image.layerCount ?? 0;
    return {
      sizeMeasure: SIZE_MEASURE,
      starter: { bytes: starter.bytes, layers: starter.layers, buildMs: starter.buildMs, measured: starter.source },
      image: { bytes: image.size, layers, buildMs },
      savedBytes: starter.bytes - image.size,
      factor: image.size > 0 ? Number((starter.bytes / image.size).toFixed(2)) : 0,
    };
  } catch (error) {
    run.throwIfCancelled();
    // The comparison is a bonus: a starter that cannot be measured must not change the verdict.
    run.emit({ type: 'note', message: `No before/after against the starter: ${errorMessage(error)}` });
    return null;
  }
}
