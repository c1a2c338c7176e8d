import type { Mutator } from '../mutator.js';
import { editedCompose, services } from './edit.js';

/** A service's healthcheck removed. */
export const dropHealthcheck: Mutator = {
  name: 'compose.drop-healthcheck',
  description: "a service's healthcheck removed",
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document)
      .filter(({ node }) => node.has('healthcheck'))
      .map(({ name }) => ({
        label: `service ${name}: healthcheck removed`,
        files: editedCompose(compose, (document) => {
          services(document).find((service) => service.name === name)!.node.delete('healthcheck');
        }),
      }));
  },
};
