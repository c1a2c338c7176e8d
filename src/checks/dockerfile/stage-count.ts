import { defineCheck, fail, pass } from '../kind.js';
import { linesPhrase } from './operands.js';

export const stageCount = defineCheck({
  kind: 'dockerfile.stage-count',
  phase: 'static',
  summary: 'The Dockerfile has at least `min` build stages (FROM instructions).',
  params: (z) =>
    z.object({
    min: z.number().int().min(1).max(20).default(2).describe('Fewest stages accepted'),
  }),
  example: { min: 2 },
  run({ min }, { dockerfile }) {
    const count = dockerfile.stages.length;
    const lines = dockerfile.stages.map((stage) => stage.line);
    if (count >= min) return pass(`${count} stages (FROM at ${linesPhrase(lines)})`, { stages: count });
    return fail(
      count === 0
        ? 'no FROM instruction found'
        : `only ${count} stage${count === 1 ? '' : 's'} (FROM at ${linesPhrase(lines)}); at least ${min} expected`,
      { stages: count, min },
    );
  },
});
