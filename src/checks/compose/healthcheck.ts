import { defineCheck, fail, pass } from '../kind.js';
import { trivialHealthTest } from './model.js';

export const composeHealthcheck = defineCheck({
  kind: 'compose.healthcheck',
  phase: 'compose',
  summary:
    'The service declares a health check that is enabled, not trivially true (`true`, `exit 0`, `… || true`), and whose test runs the expected command.',
  params: (z) =>
    z.object({
    service: z.string().min(1),
    command: z.string().min(1).optional().describe('A command the test must run, as a word, e.g. pg_isready'),
  }),
  example: { service: 'db', command: 'pg_isready' },
  run({ service, command }, { compose }) {
    if (!compose.service(service)) return fail(`no service \`${service}\` in ${compose.where('services')}`);
    const health = compose.healthcheck(service);
    const where = compose.where('services', service, 'healthcheck');
    if (!health) return fail(`${where}: service \`${service}\` has no healthcheck`);
    const evidence = { test: health.test, interval: health.interval, retries: health.retries };
    if (health.disabled) return fail(`${where}: the health check of \`${service}\` is disabled`, evidence);
    const trivial = trivialHealthTest(health.test);
    if (trivial) return fail(`${where}: ${trivial}`, evidence);
    const text = health.test.slice(1).join(' ');
    if (command) {
      const word = new RegExp(`(^|[\\s/;&|(])${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s;&|)])`);
      if (!word.test(text)) return fail(`${where}: the test \`${text}\` does not run ${command}`, evidence);
    }
    return pass(`\`${service}\` health check: ${text}${health.interval ? ` every ${health.interval}` : ''}`, evidence);
  },
});
