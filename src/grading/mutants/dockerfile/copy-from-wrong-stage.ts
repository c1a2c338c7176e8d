import { flagValue } from '../../../checks/dockerfile/model.js';
import type { Mutator } from '../mutator.js';
import { applyEdits, keyword, written } from './edit.js';

/**
 * A stage's output copied from the wrong place: another earlier stage, or else the image the right stage
 * starts from (its base has the tools but not what the stage built).
 */
export const copyFromWrongStage: Mutator = {
  name: 'dockerfile.copy-from-wrong-stage',
  description: "a stage's output copied from the wrong stage",
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const { model, source } = dockerfile;
    const mutations = [];
    for (const stage of model.stages) {
      for (const instruction of stage.instructions) {
        if (keyword(instruction) !== 'COPY') continue;
        const from = flagValue(instruction, 'from');
        const right = from === null ? undefined : model.earlierStage(from, stage.index);
        if (!from || !right) continue;
        const other = model.stages.find((candidate) => candidate.index < stage.index && candidate !== right && model.rootOf(candidate) !== model.rootOf(right) && candidate.name);
        const wrong = other?.name ?? model.externalBaseOf(right);
        if (!wrong || wrong.toLowerCase() === 'scratch') continue;
        const lines = written(source, instruction);
        const replaced = lines.map((line) => line.replace(/--from=("?)[^\s"]+\1/i, `--from=${wrong}`));
        if (replaced.join('\n') === lines.join('\n')) continue;
        mutations.push({
          label: `COPY --from=${from} (line ${instruction.getRange().start.line + 1}) copies from ${wrong} instead`,
          files: { [dockerfile.file]: applyEdits(source, [{ at: instruction, replace: replaced }]) },
        });
      }
    }
    return mutations;
  },
};
