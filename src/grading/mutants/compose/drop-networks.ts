import type { Mutator } from '../mutator.js';
import { editedCompose, services } from './edit.js';

/** A service's networks removed: it lands on the default network, next to everything else. */
export const dropNetworks: Mutator = {
  name: 'compose.drop-networks',
  description: "a service's networks removed",
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document)
      .filter(({ node }) => node.has('networks'))
      .map(({ name }) => ({
        label: `service ${name}: networks removed (default network)`,
        files: editedCompose(compose, (document) => {
          services(document).find((service) => service.name === name)!.node.delete('networks');
        }),
      }));
  },
};
