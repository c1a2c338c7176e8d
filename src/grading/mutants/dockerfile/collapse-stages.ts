import { flagValue } from '../../../checks/dockerfile/model.js';
import type { Mutator } from '../mutator.js';
import { keyword, span } from './edit.js';

/**
 * Every stage run in one: the first stage's FROM, then all the stages' instructions in order, without the
 * later FROMs and the COPY --from of stages (everything is already there): the build tools ship in the image.
 */
export const collapseStages: Mutator = {
  name: 'dockerfile.collapse-stages',
  description: 'the stages collapsed into one',
  mutate({ dockerfile }) {
    if (!dockerfile || dockerfile.model.stages.length < 2) return [];
    const { model, source } = dockerfile;
    const lines = source.split('\n');
    const first = model.stages[0]!;
    const drop = new Set<number>();
    for (const stage of model.stages) {
      for (const instruction of stage.instructions) {
        const from = keyword(instruction) === 'COPY' ? flagValue(instruction, 'from') : null;
        if (from !== null && model.earlierStage(from, stage.index)) {
          const [start, end] = span(instruction);
          for (let line = start; line <= end; line++) drop.add(line);
        }
      }
      if (stage.index > 0) drop.add(stage.line - 1);
    }
    // The FROM line loses its stage name: nothing refers to it any more.
    const firstLine = first.line - 1;
    const collapsed = lines.flatMap((line, index) => (drop.has(index) ? [] : index === firstLine ? [`FROM ${first.from}`] : [line]));
    return [{ label: `the ${model.stages.length} stages collapsed into one (FROM ${first.from})`, files: { [dockerfile.file]: collapsed.join('\n') } }];
  },
};
