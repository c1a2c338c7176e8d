import { formatBytes } from '../format.js';
import { SIZE_MEASURE, defineCheck, fail, pass } from '../kind.js';
import { sizeUnknownVerdict } from './layers.js';

export const sizeUnder = defineCheck({
  kind: 'image.size-under',
  phase: 'image',
  summary: 'The whole image, base layers included, measured as the uncompressed size of its layers (alike on every image store), stays within an absolute budget.',
  params: (z) =>
    z.object({
    maxMegabytes: z.number().positive().max(100_000).describe('Most megabytes (10^6 bytes) the image may take'),
  }),
  example: { maxMegabytes: 20 },
  run({ maxMegabytes }, { image }) {
    const limit = Math.round(maxMegabytes * 1_000_000);
    const unknown = sizeUnknownVerdict(image);
    if (unknown) return unknown;
    const evidence = { sizeMeasure: SIZE_MEASURE, imageBytes: image.size, limitBytes: limit };
    const summary = `the image is ${formatBytes(image.size)}; budget ${formatBytes(limit)}`;
    return image.size <= limit ? pass(summary, evidence) : fail(summary, evidence);
  },
});
