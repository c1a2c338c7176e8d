import { EngineProblemError } from '../../errors.js';
import { type ImageFacts, type ImageInspector, type ImageLayer, type LayersRead, SIZE_MEASURE, type Verdict, fail } from '../kind.js';

export interface LayerSummary {
  /** The instruction that made the layer, shortened for a report line. */
  instruction: string;
  bytes: number;
}

/**
 * `docker history` CreatedBy as the learner wrote it: the classic builder records
 * `/bin/sh -c #(nop) COPY …` for metadata and copies, `/bin/sh -c apk add …` (with `|N ARG=…` before it
 * when build args are set) for RUN, and BuildKit `RUN /bin/sh -c … # buildkit`.
 */
export function shortInstruction(createdBy: string, max = 72): string {
  let text = createdBy.replace(/\s+/g, ' ').trim();
  text = text.replace(/\s*# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/.exec(text);
  if (nop) {
    text = nop[1]!;
  } else {
    const run = /^(?:\|\d+(?: \S+=\S*)* )?(?:RUN )?\/bin\/sh -c (.*)$/.exec(text);
    if (run) text = `RUN ${run[1]}`;
  }
  // Content hashes of COPY/ADD sources say nothing to a learner.
  text = text.replace(/\b(file|dir|multi):[0-9a-f]{64}\b/g, '$1:…');
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The image's biggest layers on top of its base (the base's own layers are the oldest entries of the
 * history, so they are dropped by count), largest first. Null when the history cannot be read: the
 * size verdict stands without it.
 */
export async function largestAddedLayers(
  inspector: Pick<ImageInspector, 'history'>,
  imageId: string,
  baseImageId: string | null,
  count = 5,
): Promise<LayerSummary[] | null> {
  try {
    const layers = await inspector.history(imageId);
    let added: ImageLayer[] = layers;
    if (baseImageId) {
      const baseLayers = await inspector.history(baseImageId);
      if (baseLayers.length <= layers.length) added = layers.slice(0, layers.length - baseLayers.length);
    }
    return added
      .filter((layer) => layer.size > 0)
      .sort((a, b) => b.size - a.size)
      .slice(0, count)
      .map((layer) => ({ instruction: shortInstruction(layer.createdBy), bytes: layer.size }));
  } catch {
    return null;
  }
}

/** "5 layers read from docker save's OCI layout, 3 gzip": what a layer-reading check looked at. */
export function describeRead(read: LayersRead): string {
  const compressed = (['gzip', 'zstd'] as const).filter((kind) => read.compression[kind] > 0).map((kind) => `${read.compression[kind]} ${kind}`);
  return `${read.layers} layer${read.layers === 1 ? '' : 's'} read from docker save's ${read.layout === 'oci' ? 'OCI' : 'legacy'} layout${compressed.length ? `, ${compressed.join(', ')}` : ''}`;
}

/**
 * The verdict for a layer-reading check whose layers could not all be read: an engine problem, named,
 * never a pass. Null for any other error (the caller rethrows it).
 */
export function layersUnreadVerdict(error: unknown, what: string): Verdict | null {
  if (!(error instanceof EngineProblemError)) return null;
  return fail(`engine problem: ${what}: ${error.message}`, { engineProblem: error.message });
}

/**
 * For a size check: an engine problem when the image's size (or its base's) could not be measured,
 * so no budget is judged on a figure that was not read. Null when both sizes are known.
 */
export function sizeUnknownVerdict(...images: Array<Pick<ImageFacts, 'sizeMeasure'> | null | undefined>): Verdict | null {
  const problem = images.map((image) => image?.sizeMeasure?.problem).find(Boolean);
  return problem ? fail(`engine problem: the image size could not be measured: ${problem}`, { engineProblem: problem, sizeMeasure: SIZE_MEASURE }) : null;
}
