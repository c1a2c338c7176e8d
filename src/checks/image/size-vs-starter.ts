import { formatBytes } from '../format.js';
import { type Baseline, SIZE_MEASURE, defineCheck, fail, pass } from '../kind.js';
import { largestAddedLayers, layersUnreadVerdict, sizeUnknownVerdict } from './layers.js';
import { describeWasted, wasteBehindSize } from './wasted-bytes.js';
import { atBiggestLayer } from '../location.js';

export const sizeVsStarter = defineCheck({
  kind: 'image.size-vs-starter',
  phase: 'image',
  summary: "The image is at most a fraction of the challenge starter's image, both built on the same engine and measured as uncompressed layers (alike on every image store).",
  params: (z) =>
    z.object({
    maxFraction: z.number().gt(0).max(1).describe('Largest accepted size as a fraction of the starter image (0.6 = 60%)'),
  }),
  example: { maxFraction: 0.6 },
  // The instruction that made the largest layer (or the biggest wasted file).
  locate: (_params, { dockerfile }, verdict) => atBiggestLayer(dockerfile, verdict.evidence),
  async run({ maxFraction }, { image, finalBase, inspector }) {
    const unknown = sizeUnknownVerdict(image);
    if (unknown) return unknown;
    let baseline: Baseline;
    try {
      baseline = await inspector.starterBaseline();
    } catch (error) {
      const verdict = layersUnreadVerdict(error, "the starter's size is unknown");
      if (verdict) return verdict;
      throw error;
    }
    const fraction = image.size / baseline.bytes;
    const evidence: Record<string, unknown> = {
      sizeMeasure: SIZE_MEASURE,
      imageBytes: image.size,
      starterBytes: baseline.bytes,
      starterMeasured: baseline.source,
      fraction: Number(fraction.toFixed(4)),
      maxFraction,
      limitBytes: Math.floor(baseline.bytes * maxFraction),
    };
    const summary = `${formatBytes(image.size)} is ${(fraction * 100).toFixed(0)}% of the starter's ${formatBytes(baseline.bytes)}; at most ${(maxFraction * 100).toFixed(0)}% (${formatBytes(Math.floor(baseline.bytes * maxFraction))}) accepted`;
    if (fraction <= maxFraction) return pass(summary, evidence);
    const baseId = finalBase && finalBase.id !== 'scratch' ? finalBase.id : null;
    const layers = await largestAddedLayers(inspector, image.id, baseId);
    if (layers) evidence.largestLayers = layers;
    const { wasted, unread } = await wasteBehindSize({ image, finalBase, inspector });
    if (unread) evidence.wastedUnknown = unread;
    if (!wasted || wasted.totalBytes === 0) return fail(summary, { ...evidence, ...(wasted ? { wasted } : {}) });
    return fail(`${summary}; ${describeWasted(wasted, 2)}`, { ...evidence, wasted });
  },
});
