import { plainArguments } from '../../../checks/dockerfile/model.js';
import type { Mutator } from '../mutator.js';
import { applyEdits, keyword, written } from './edit.js';

/**
 * `COPY . .` moved before the dependency install: any change to the code then invalidates the install's
 * cache. Applies to a stage that copies some files, runs a command, and only then copies the whole context.
 */
export const copyAllFirst: Mutator = {
  name: 'dockerfile.copy-all-first',
  description: 'COPY . . moved before the dependency install',
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const mutations = [];
    for (const stage of dockerfile.model.stages) {
      const { instructions } = stage;
      const wholeContext = instructions.findIndex((instruction) => {
        if (keyword(instruction) !== 'COPY' && keyword(instruction) !== 'ADD') return false;
        const sources = plainArguments(instruction).slice(0, -1);
        return sources.some((source) => source === '.' || source === './');
      });
      if (wholeContext < 0) continue;
      const firstCopy = instructions.findIndex((instruction) => keyword(instruction) === 'COPY');
      const install = instructions.findIndex((instruction, index) => index > firstCopy && index < wholeContext && keyword(instruction) === 'RUN');
      if (firstCopy < 0 || firstCopy >= wholeContext || install < 0) continue;
      const copy = instructions[wholeContext]!;
      const moved = applyEdits(dockerfile.source, [
        { at: instructions[install]!, before: written(dockerfile.source, copy) },
        { at: copy, replace: [] },
      ]);
      mutations.push({ label: `${written(dockerfile.source, copy).join(' ').trim()} moved before the install (line ${instructions[install]!.getRange().start.line + 1})`, files: { [dockerfile.file]: moved } });
    }
    return mutations;
  },
};
