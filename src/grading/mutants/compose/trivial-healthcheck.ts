import { isMap } from 'yaml';
import type { Mutator } from '../mutator.js';
import { editedCompose, services } from './edit.js';

/** A service's healthcheck test made trivial: `CMD true` is healthy whatever the service does. */
export const trivialHealthcheck: Mutator = {
  name: 'compose.trivial-healthcheck',
  description: "a service's healthcheck made trivial (CMD true)",
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document)
      .filter(({ node }) => isMap(node.get('healthcheck', true)) && node.hasIn(['healthcheck', 'test']))
      .map(({ name }) => ({
        label: `service ${name}: healthcheck test made trivial (CMD true)`,
        files: editedCompose(compose, (document) => {
          const node = services(document).find((service) => service.name === name)!.node;
          node.setIn(['healthcheck', 'test'], document.createNode(['CMD', 'true'], { flow: true }));
        }),
      }));
  },
};
