import type { Instruction } from 'dockerfile-ast';
import { defineCheck, fail, pass } from '../kind.js';
import { flagValue, instructionRef, type Stage } from './model.js';
import { copyOperands, describeFinal, earlierStage, parentChain, regexSource } from './operands.js';
import { atLine } from '../location.js';

/** A source as the learner wrote it, minus trailing slashes and a leading ./ */
function tidySource(source: string): string {
  let result = source.trim();
  while (result.startsWith('./')) result = result.slice(2);
  while (result.length > 1 && result.endsWith('/')) result = result.slice(0, -1);
  return result;
}

export const noCopyOf = defineCheck({
  kind: 'dockerfile.no-copy-of',
  phase: 'static',
  summary: 'No COPY or ADD in the final stage (or a stage it is built FROM) copies a source path matching `pattern`.',
  params: (z) =>
    z.object({
    pattern: regexSource(z).describe(
      'Regular expression (JavaScript source) tested on each COPY/ADD source path, e.g. "(^|/)composer(\\.phar)?$"',
    ),
    description: z.string().trim().min(1).max(80).describe('How the forbidden file is named to the learner, e.g. "the Composer binary"'),
    stage: z.enum(['final']).default('final').describe('Stage that must not receive the file; only "final" is supported'),
  }),
  example: { pattern: '(^|/)composer(\\.phar)?$', description: 'the Composer binary' },
  // The COPY or ADD that brings the file in.
  locate: (_params, { dockerfile }, verdict) => atLine(dockerfile, (verdict.evidence?.hits as Array<{ line: number }> | undefined)?.[0]?.line),
  run({ pattern, description }, { dockerfile }) {
    const final = dockerfile.finalStage;
    if (!final) return fail('no FROM instruction found', { pattern });
    const regex = new RegExp(pattern);
    const origin = (stage: Stage, instruction: Instruction, source: string): string => {
      const from = flagValue(instruction, 'from');
      if (from !== null) {
        const sourceStage = earlierStage(dockerfile, from, stage.index);
        return sourceStage ? `from ${dockerfile.describe(sourceStage)}` : `from the image ${from}`;
      }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return 'downloaded by URL';
      return 'from the build context';
    };
    const inspected = [final, ...parentChain(dockerfile, final)];
    const hits: Array<{ line: number; stage: number; source: string; text: string; origin: string; where: string }> = [];
    for (const stage of inspected) {
      for (const instruction of stage.instructions) {
        const keyword = instruction.getKeyword();
        if (keyword !== 'COPY' && keyword !== 'ADD') continue;
        for (const source of copyOperands(instruction).sources) {
          if (!regex.test(tidySource(source))) continue;
          const ref = instructionRef(instruction);
          hits.push({
            line: ref.line,
            stage: stage.index + 1,
            source,
            text: ref.text,
            origin: origin(stage, instruction, source),
            where: stage === final ? describeFinal(dockerfile, final) : `${dockerfile.describe(stage)}, which the final stage is built FROM`,
          });
        }
      }
    }
    const evidence = { pattern, hits: hits.map(({ line, stage, source, origin: from }) => ({ line, stage, source, origin: from })) };
    if (hits.length === 0) {
      return pass(`no COPY or ADD brings ${description} into the final stage (${describeFinal(dockerfile, final)})`, evidence);
    }
    const details = hits.map((hit) => `line ${hit.line} copies ${hit.source} ${hit.origin} (${hit.text}) in ${hit.where}`);
    return fail(
      `${description} is copied into the final image: ${details.join('; ')}. Use it only in a build stage and copy just its results`,
      evidence,
    );
  },
});
