import type { Mutator } from '../mutator.js';
import { editedCompose, services } from './edit.js';

/** A service's profiles removed: a one-off job then starts with every `compose up`. */
export const dropProfile: Mutator = {
  name: 'compose.drop-profile',
  description: 'a profile removed from a service',
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document)
      .filter(({ node }) => node.has('profiles'))
      .map(({ name }) => ({
        label: `service ${name}: profiles removed`,
        files: editedCompose(compose, (document) => {
          services(document).find((service) => service.name === name)!.node.delete('profiles');
        }),
      }));
  },
};
