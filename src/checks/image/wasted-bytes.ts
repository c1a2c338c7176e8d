import { EngineProblemError } from '../../errors.js';
import { formatBytes } from '../format.js';
import { type ImageContext, type WastedBytes, defineCheck, fail, pass } from '../kind.js';
import { atBiggestLayer } from '../location.js';
import { describeRead, layersUnreadVerdict } from './layers.js';

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

/**
 * For a size check over its budget: how much of the image no container can see. The size verdict
 * stands without it, so layers that cannot be read only leave a note in the evidence.
 */
export async function wasteBehindSize(context: Pick<ImageContext, 'image' | 'finalBase' | 'inspector'>): Promise<{ wasted: WastedBytes | null; unread?: string }> {
  try {
    return { wasted: await learnerWaste(context) };
  } catch (error) {
    if (error instanceof EngineProblemError) return { wasted: null, unread: error.message };
    throw error;
  }
}

export const wastedBytes = defineCheck({
  kind: 'image.wasted-bytes',
  phase: 'image',
  summary:
    "Bytes the image's own layers hide (files added in one layer and deleted or overwritten in a later one, which every pull still downloads) stay within a budget; measured from the image's layers as dive does. Layers that cannot all be read and matched to the image's diff ids fail it as an engine problem.",
  params: (z) =>
    z
    .object({
      maxMegabytes: z.number().min(0).max(100_000).describe('Most wasted megabytes (10^6 bytes) accepted'),
    })
    .strict(),
  example: { maxMegabytes: 1 },
  // The instruction that added the biggest hidden file.
  locate: (_params, { dockerfile }, verdict) => atBiggestLayer(dockerfile, verdict.evidence),
  async run({ maxMegabytes }, context) {
    let wasted: WastedBytes | null;
    try {
      wasted = await learnerWaste(context);
    } catch (error) {
      const verdict = layersUnreadVerdict(error, "the image's layers could not all be read, so the wasted bytes are unknown");
      if (verdict) return verdict;
      throw error;
    }
    if (!wasted) return fail('engine problem: this engine connection cannot read the image layers, so the wasted bytes are unknown', { engineProblem: 'no layer reader' });
    const limit = Math.round(maxMegabytes * 1_000_000);
    const evidence = {
      wastedBytes: wasted.totalBytes,
      files: wasted.files,
      limitBytes: limit,
      top: wasted.top,
      layers: wasted.layers,
      baseLayers: wasted.sinceLayer,
      ...(wasted.read ? { layersRead: wasted.read, measured: describeRead(wasted.read) } : {}),
    };
    const summary = `${describeWasted(wasted)}; budget ${formatBytes(limit)}`;
    return wasted.totalBytes <= limit ? pass(summary, evidence) : fail(summary, evidence);
  },
});
