import type { Mutator } from '../mutator.js';
import { serviceKeyRemoved } from './edit.js';

/** A service's healthcheck removed. */
export const dropHealthcheck: Mutator = {
  name: 'compose.drop-healthcheck',
  description: "a service's healthcheck removed",
  mutate({ compose }) {
    return compose ? serviceKeyRemoved(compose, 'healthcheck', (service) => `service ${service}: healthcheck removed`) : [];
  },
};
