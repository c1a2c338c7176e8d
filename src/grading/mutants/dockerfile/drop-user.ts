import type { Mutator } from '../mutator.js';
import { applyEdits, instructionsOf } from './edit.js';

/** The final stage's USER lines removed: the image runs as its base's user, root for most. */
export const dropUser: Mutator = {
  name: 'dockerfile.drop-user',
  description: 'USER removed from the final stage',
  mutate({ dockerfile }) {
    if (!dockerfile) return [];
    const users = instructionsOf(dockerfile.model.finalStage, 'USER');
    if (users.length === 0) return [];
    return [{ label: 'USER removed from the final stage', files: { [dockerfile.file]: applyEdits(dockerfile.source, users.map((at) => ({ at, replace: [] }))) } }];
  },
};
