import type { Mutator } from '../mutator.js';
import { editedCompose, itemText, sequence, services } from './edit.js';

/** A secret no longer given to a service (its *_FILE variable then names a missing file). */
export const dropSecret: Mutator = {
  name: 'compose.drop-secret',
  description: 'a secret no longer given to a service',
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document).flatMap(({ name, node }) =>
      (sequence(node, 'secrets')?.items ?? []).map((item, index) => ({
        label: `service ${name}: secret ${itemText(item)} no longer given`,
        files: editedCompose(compose, (document) => {
          const node = services(document).find((service) => service.name === name)!.node;
          const secrets = sequence(node, 'secrets')!;
          secrets.delete(index);
          if (secrets.items.length === 0) node.delete('secrets');
        }),
      })),
    );
  },
};
