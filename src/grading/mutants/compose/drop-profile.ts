import type { Mutator } from '../mutator.js';
import { serviceKeyRemoved } from './edit.js';

/** A service's profiles removed: a one-off job then starts with every `compose up`. */
export const dropProfile: Mutator = {
  name: 'compose.drop-profile',
  description: 'a profile removed from a service',
  mutate({ compose }) {
    return compose ? serviceKeyRemoved(compose, 'profiles', (service) => `service ${service}: profiles removed`) : [];
  },
};
