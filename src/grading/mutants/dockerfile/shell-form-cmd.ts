import type { Mutator } from '../mutator.js';
import { applyEdits, instructionsOf } from './edit.js';

/** The final CMD or ENTRYPOINT in shell form: the program runs under /bin/sh -c and misses signals. */
export const shellFormCmd: Mutator = {
  name: 'dockerfile.shell-form-cmd',
  description: 'CMD or ENTRYPOINT written in shell form',
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const stage = dockerfile.model.finalStage;
    const mutations = [];
    for (const name of ['CMD', 'ENTRYPOINT']) {
      const last = instructionsOf(stage, name).at(-1);
      const content = last?.getArgumentsContent()?.trim() ?? '';
      if (!last || !content.startsWith('[')) continue;
      let words: unknown;
      try {
        words = JSON.parse(content);
      } catch {
        continue;
      }
      if (!Array.isArray(words) || words.length === 0 || !words.every((word) => typeof word === 'string' && /^[\w./:=@%+,-]+$/.test(word))) continue;
      mutations.push({ label: `${name} in shell form`, files: { [dockerfile.file]: applyEdits(dockerfile.source, [{ at: last, replace: [`${name} ${words.join(' ')}`] }]) } });
    }
    return mutations;
  },
};
