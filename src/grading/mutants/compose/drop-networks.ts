import type { Mutator } from '../mutator.js';
import { serviceKeyRemoved } from './edit.js';

/** A service's networks removed: it lands on the default network, next to everything else. */
export const dropNetworks: Mutator = {
  name: 'compose.drop-networks',
  description: "a service's networks removed",
  mutate({ compose }) {
    return compose ? serviceKeyRemoved(compose, 'networks', (service) => `service ${service}: networks removed (default network)`) : [];
  },
};
