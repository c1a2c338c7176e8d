import { z } from 'zod';
import { formatBytes } from '../format.js';
import { type ImageContext, type WastedBytes, defineCheck, fail, pass } from '../kind.js';
import { atBiggestLayer } from '../location.js';

/** "12.3 MB in 40 files, biggest /x (1.0 MB, added by RUN a, deleted by RUN b)". */
export function describeWasted(wasted: WastedBytes, shown = 3): string {
  if (wasted.totalBytes === 0) return 'no bytes are hidden by later layers';
  const biggest = wasted.top
    .slice(0, shown)
    .map((item) => `${item.path} (${formatBytes(item.bytes)}, added by ${item.addedBy}, ${item.how} by ${item.removedBy})`)
    .join('; ');
  return `${formatBytes(wasted.totalBytes)} in ${wasted.files} file${wasted.files === 1 ? '' : 's'} added in one layer and deleted or overwritten in a later one; biggest: ${biggest}`;
}

/** Wasted bytes hidden by the learner's layers (those above the final stage's base image), or null when the engine cannot tell. */
export async function learnerWaste({ image, finalBase, inspector }: Pick<ImageContext, 'image' | 'finalBase' | 'inspector'>): Promise<WastedBytes | null> {
  if (!inspector.wastedBytes) return null;
  return inspector.wastedBytes(image.id, { sinceLayer: finalBase?.layerCount ?? 0 });
}

export const wastedBytes = defineCheck({
  kind: 'image.wasted-bytes',
  phase: 'image',
  summary:
    "Bytes the image's own layers hide (files added in one layer and deleted or overwritten in a later one, which every pull still downloads) stay within a budget; measured from the image's layers as dive does.",
  params: z
    .object({
      maxMegabytes: z.number().min(0).max(100_000).describe('Most wasted megabytes (10^6 bytes) accepted'),
    })
    .strict(),
  example: { maxMegabytes: 1 },
  // The instruction that added the biggest hidden file.
  locate: (_params, { dockerfile }, verdict) => atBiggestLayer(dockerfile, verdict.evidence),
  async run({ maxMegabytes }, context) {
    const wasted = await learnerWaste(context);
    if (!wasted) return fail('this engine connection cannot read the image layers');
    const limit = Math.round(maxMegabytes * 1_000_000);
    const evidence = { wastedBytes: wasted.totalBytes, files: wasted.files, limitBytes: limit, top: wasted.top, layers: wasted.layers, baseLayers: wasted.sinceLayer };
    const summary = `${describeWasted(wasted)}; budget ${formatBytes(limit)}`;
    return wasted.totalBytes <= limit ? pass(summary, evidence) : fail(summary, evidence);
  },
});
