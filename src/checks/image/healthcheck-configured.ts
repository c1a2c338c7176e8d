import { z } from 'zod';
import { defineCheck, fail, pass } from '../kind.js';

export const healthcheckConfigured = defineCheck({
  kind: 'image.healthcheck-configured',
  phase: 'image',
  summary: "The built image's config carries a health check (declared or inherited), not NONE.",
  params: z.object({}),
  example: {},
  run(_params, { image }) {
    const health = image.healthcheck;
    if (!health) return fail('the image has no health check in its config');
    if (health.test[0] === 'NONE') return fail('the image disables its health check (HEALTHCHECK NONE)');
    const command = health.test[0] === 'CMD-SHELL' ? health.test.slice(1).join(' ') : health.test.slice(1).join(' ');
    const interval = health.intervalNs ? `${health.intervalNs / 1e9}s` : 'default 30s';
    return pass(`health check: ${command} (every ${interval})`, { test: health.test, intervalNs: health.intervalNs, retries: health.retries });
  },
});
