import type { Mutator } from '../mutator.js';
import { editedCompose, itemText, sequence, services } from './edit.js';

/** One volume or bind mount removed from a service (each mount its own mutant). */
export const dropVolume: Mutator = {
  name: 'compose.drop-volume',
  description: 'a volume removed from a service',
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document).flatMap(({ name, node }) =>
      (sequence(node, 'volumes')?.items ?? []).map((item, index) => ({
        label: `service ${name}: volume ${itemText(item)} removed`,
        files: editedCompose(compose, (document) => {
          const service = services(document).find((candidate) => candidate.name === name)!.node;
          const volumes = sequence(service, 'volumes')!;
          volumes.delete(index);
          if (volumes.items.length === 0) service.delete('volumes');
        }),
      })),
    );
  },
};
