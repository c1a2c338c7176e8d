import type { Mutator } from '../mutator.js';
import { services, serviceWithoutKey } from './edit.js';

/**
 * The settings a service is hardened and bounded with, as a learner writes them: each one left out is a
 * plausible half-done answer (the capabilities still dropped but the filesystem writable, a limit on
 * memory but none on processes, ...).
 */
const RUNTIME_SETTINGS = ['cap_drop', 'cap_add', 'read_only', 'security_opt', 'mem_limit', 'memswap_limit', 'cpus', 'pids_limit', 'deploy', 'restart'] as const;

/** One hardening or limit key removed from one service. */
export const dropRuntimeSetting: Mutator = {
  name: 'compose.drop-runtime-setting',
  description: 'a capability, read-only, security option, limit or restart setting left out',
  mutate({ compose }) {
    if (!compose) return [];
    return services(compose.document).flatMap(({ name, node }) =>
      RUNTIME_SETTINGS.filter((key) => node.has(key)).map((key) => ({ label: `service ${name}: ${key} left out`, files: serviceWithoutKey(compose, name, key) })),
    );
  },
};
