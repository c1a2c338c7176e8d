import { isMap } from 'yaml';
import type { Mutator } from '../mutator.js';
import { editedCompose, services } from './edit.js';

/** depends_on's `condition: service_healthy` (or _completed_successfully) weakened to service_started. */
export const weakenDependsOn: Mutator = {
  name: 'compose.weaken-depends-on',
  description: 'a depends_on condition weakened to service_started',
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document).flatMap(({ name, node }) => {
      const deps = node.get('depends_on', true);
      if (!isMap(deps)) return [];
      return deps.items.flatMap((pair) => {
        const on = String((pair.key as { value?: unknown })?.value ?? pair.key);
        const condition = isMap(pair.value) ? pair.value.get('condition') : null;
        if (typeof condition !== 'string' || condition === 'service_started') return [];
        return [{
          label: `service ${name}: depends_on ${on} with condition service_started instead of ${condition}`,
          files: editedCompose(compose, (document) => {
            services(document).find((service) => service.name === name)!.node.setIn(['depends_on', on, 'condition'], 'service_started');
          }),
        }];
      });
    });
  },
};
