import type { Mutator } from '../mutator.js';
import { editedCompose, itemText, sequence, services } from './edit.js';

/** One published port removed from a service. */
export const dropPort: Mutator = {
  name: 'compose.drop-port',
  description: 'a published port dropped',
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document).flatMap(({ name, node }) =>
      (sequence(node, 'ports')?.items ?? []).map((item, index) => ({
        label: `service ${name}: port ${itemText(item)} dropped`,
        files: editedCompose(compose, (document) => {
          sequence(services(document).find((service) => service.name === name)!.node, 'ports')!.delete(index);
        }),
      })),
    );
  },
};
