import { defineCheck, fail, pass } from '../kind.js';
import { matchesImageRef } from './glob.js';
import { describeFinal, expandInitialArgs } from './operands.js';

export const finalStageFrom = defineCheck({
  kind: 'dockerfile.final-stage-from',
  phase: 'static',
  summary: 'The final stage starts (directly or through earlier stages) from an image matching the `image` glob.',
  params: (z) =>
    z.object({
    image: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .describe('Glob for the final image\'s base, e.g. "php:*-fpm*" (`*` matches anything; docker.io/library/ is implied)'),
  }),
  example: { image: 'php:*-fpm*' },
  run({ image }, { dockerfile }) {
    const final = dockerfile.finalStage;
    if (!final) return fail(`no FROM instruction found; expected the final stage to start from an image matching "${image}"`, { image });
    const base = dockerfile.externalBaseOf(final);
    const expanded = expandInitialArgs(dockerfile, base);
    const via = base === final.from ? '' : ` (through FROM ${final.from})`;
    const evidence = { image, line: final.line, from: final.from, base, ...(expanded !== base ? { expandedBase: expanded } : {}) };
    if (matchesImageRef(image, base) || matchesImageRef(image, expanded)) {
      return pass(`${describeFinal(dockerfile, final)} starts from ${base}${via}, matching "${image}"`, evidence);
    }
    return fail(`${describeFinal(dockerfile, final)} starts from ${base}${via}; expected an image matching "${image}"`, evidence);
  },
});
