import { formatBytes } from '../format.js';
import { SIZE_MEASURE, defineCheck, fail, pass } from '../kind.js';
import { largestAddedLayers, sizeUnknownVerdict } from './layers.js';
import { describeWasted, wasteBehindSize } from './wasted-bytes.js';
import { atBiggestLayer } from '../location.js';

export const sizeOverBase = defineCheck({
  kind: 'image.size-over-base',
  phase: 'image',
  summary:
    "Bytes the image adds on top of its final stage's base image, measured on the same engine as uncompressed layers (alike on every image store), stay within a budget.",
  params: (z) =>
    z.object({
    maxMegabytes: z.number().positive().max(100_000).describe('Most megabytes (10^6 bytes) the image may add over its base'),
  }),
  example: { maxMegabytes: 20 },
  // The instruction that made the largest layer (or the biggest wasted file).
  locate: (_params, { dockerfile }, verdict) => atBiggestLayer(dockerfile, verdict.evidence),
  async run({ maxMegabytes }, { image, finalBase, dockerfile, inspector }) {
    const baseRef = dockerfile.finalStage ? dockerfile.externalBaseOf(dockerfile.finalStage) : '(none)';
    if (!finalBase) return fail(`the final stage's base image ${baseRef} is not on the engine, so the added size cannot be measured`);
    const unknown = sizeUnknownVerdict(image, finalBase);
    if (unknown) return unknown;
    const limit = Math.round(maxMegabytes * 1_000_000);
    const added = image.size - finalBase.size;
    const evidence: Record<string, unknown> = { sizeMeasure: SIZE_MEASURE, imageBytes: image.size, baseImage: baseRef, baseBytes: finalBase.size, addedBytes: added, limitBytes: limit };
    const summary = `adds ${formatBytes(added)} over ${baseRef} (${formatBytes(finalBase.size)} -> ${formatBytes(image.size)}); budget ${formatBytes(limit)}`;
    if (added <= limit) return pass(summary, evidence);
    // Where the bytes went is what the learner needs to fix it; scratch has no history of its own.
    const layers = await largestAddedLayers(inspector, image.id, finalBase.id === 'scratch' ? null : finalBase.id);
    if (layers) evidence.largestLayers = layers;
    // Over budget: say how much of it no container can even see (reading the layers takes a moment, so only now).
    const { wasted, unread } = await wasteBehindSize({ image, finalBase, inspector });
    if (unread) evidence.wastedUnknown = unread;
    if (!wasted || wasted.totalBytes === 0) return fail(summary, { ...evidence, ...(wasted ? { wasted } : {}) });
    return fail(`${summary}; of that, ${describeWasted(wasted, 2)}`, { ...evidence, wasted });
  },
});
