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
          const service = services(document).find((candidate) => candidate.name === name)!.node;
          const ports = sequence(service, 'ports')!;
          ports.delete(index);
          if (ports.items.length === 0) service.delete('ports');
        }),
      })),
    );
  },
};
