import type { ImageFacts } from '../../checks/kind.js';
import { largestAddedLayers } from '../../checks/image/layers.js';
import { makeInspector } from '../inspector.js';
import type { ImageOutcome, VerifyRun } from '../run.js';
import type { PhaseStep } from './step.js';

/** The built image inspected (with its final stage's base) and graded; the runtime phase runs beside it. */
export const imageStep: PhaseStep = {
  name: 'image',
  needsEngine: true,
  appliesTo: (run) => run.staticContext !== null,
  async open(run) {
    run.image = await openImage(run);
  },
  async grade(run, out) {
    const image = run.image!;
    await run.grade('image', image.context ?? image.reason, { out });
    if (image.context && run.options.describeImage) {
      const base = image.context.finalBase && image.context.finalBase.id !== 'scratch' ? image.context.finalBase.id : null;
      const layers = await largestAddedLayers(image.context.inspector, image.context.image.id, base, 8);
      if (layers) out.emit({ type: 'image', bytes: image.context.image.size, layers });
    }
  },
};

/** The image context, or why the image and runtime checks are skipped. */
async function openImage(run: VerifyRun): Promise<ImageOutcome> {
  const { engine, side, buildPlan } = run.session;
  const build = run.build!;
  const imageFacts = build.imageId ? await side.inspectImage(engine, build.imageId) : null;
  const unavailable = !build.imageId ? 'skipped: the build failed' : !run.buildChecksPassed ? 'skipped: a build check failed' : null;
  if (!imageFacts || unavailable) return { reason: unavailable ?? 'skipped: no image' };
  const dockerfile = run.dockerfile!;
  const finalStage = dockerfile.finalStage;
  const finalBaseRef = finalStage ? dockerfile.externalBaseOf(finalStage) : null;
  const finalBase: ImageFacts | null =
    finalBaseRef === 'scratch'
      ? { ...imageFacts, id: 'scratch', size: 0, healthcheck: null, layerCount: 0 }
      : finalBaseRef
        ? await side.inspectImage(engine, finalBaseRef)
        : null;
  return {
    context: {
      ...run.staticContext!,
      image: imageFacts,
      finalBase,
      inspector: makeInspector(run),
      ...(buildPlan.secrets.length ? { secrets: Object.fromEntries(buildPlan.secrets.map((secret) => [secret.id, secret.value])) } : {}),
    },
  };
}
