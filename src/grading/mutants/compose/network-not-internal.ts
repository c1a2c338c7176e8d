import { isMap, isScalar } from 'yaml';
import type { Mutator } from '../mutator.js';
import { editedCompose } from './edit.js';

/** A network's `internal: true` removed: its services get a gateway out again. */
export const networkNotInternal: Mutator = {
  name: 'compose.network-not-internal',
  description: 'internal: true removed from a network',
  mutate({ compose }) {
    if (!compose) return [];
    const networks = compose.document.get('networks', true);
    if (!isMap(networks)) return [];
    return networks.items.flatMap((pair) => {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (!isMap(pair.value) || pair.value.get('internal') !== true) return [];
      return [{
        label: `network ${name}: internal: true removed`,
        files: editedCompose(compose, (document) => {
          document.deleteIn(['networks', name, 'internal']);
        }),
      }];
    });
  },
};
