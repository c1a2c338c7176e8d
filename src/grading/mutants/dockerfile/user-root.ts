import type { Mutator } from '../mutator.js';
import { applyEdits, instructionsOf } from './edit.js';

/** The final stage's last USER set to root. */
export const userRoot: Mutator = {
  name: 'dockerfile.user-root',
  description: 'USER set to root in the final stage',
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const last = instructionsOf(dockerfile.model.finalStage, 'USER').at(-1);
    if (!last || /^(root|0)(:|$)/i.test(last.getArgumentsContent()?.trim() ?? '')) return [];
    return [{ label: 'USER set to root in the final stage', files: { [dockerfile.file]: applyEdits(dockerfile.source, [{ at: last, replace: ['USER root'] }]) } }];
  },
};
