import type { Mutator } from '../mutator.js';
import { applyEdits, instructionsOf } from './edit.js';

/** The final stage's HEALTHCHECK made trivial: a probe that always succeeds says nothing. */
export const trivialHealthcheck: Mutator = {
  name: 'dockerfile.trivial-healthcheck',
  description: 'HEALTHCHECK made trivial (CMD true)',
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const last = instructionsOf(dockerfile.model.finalStage, 'HEALTHCHECK').at(-1);
    if (!last || /^\s*NONE\s*$/i.test(last.getArgumentsContent() ?? '')) return [];
    return [{ label: 'HEALTHCHECK made trivial (CMD true)', files: { [dockerfile.file]: applyEdits(dockerfile.source, [{ at: last, replace: ['HEALTHCHECK --interval=1s --timeout=3s CMD true'] }]) } }];
  },
};
