import type { Mutator } from '../mutator.js';
import { applyEdits, instructionsOf } from './edit.js';

/** The final stage's HEALTHCHECK removed. */
export const dropHealthcheck: Mutator = {
  name: 'dockerfile.drop-healthcheck',
  description: 'HEALTHCHECK removed from the final stage',
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const checks = instructionsOf(dockerfile.model.finalStage, 'HEALTHCHECK').filter((at) => !/^\s*NONE\s*$/i.test(at.getArgumentsContent() ?? ''));
    if (checks.length === 0) return [];
    return [{ label: 'HEALTHCHECK removed from the final stage', files: { [dockerfile.file]: applyEdits(dockerfile.source, checks.map((at) => ({ at, replace: [] }))) } }];
  },
};
