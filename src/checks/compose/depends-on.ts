import { defineCheck, fail, pass } from '../kind.js';

export const composeDependsOn = defineCheck({
  kind: 'compose.depends-on',
  phase: 'compose',
  summary: 'Service A depends on service B with the given condition (service_healthy by default).',
  params: (z) =>
    z.object({
    service: z.string().min(1).describe('The dependent service'),
    on: z.string().min(1).describe('The service it waits for'),
    condition: z
      .enum(['service_started', 'service_healthy', 'service_completed_successfully'])
      .default('service_healthy')
      .describe('The condition required'),
  }),
  example: { service: 'app', on: 'db', condition: 'service_healthy' },
  run({ service, on, condition }, { compose }) {
    if (!compose.service(service)) return fail(`no service \`${service}\` in ${compose.where('services')}`);
    const deps = compose.dependsOn(service);
    const where = compose.where('services', service, 'depends_on');
    const actual = deps[on];
    if (!actual) return fail(`${where}: \`${service}\` does not depend on \`${on}\``, { dependsOn: deps });
    if (actual !== condition) {
      return fail(`${where}: \`${service}\` waits for \`${on}\` with ${actual}, not ${condition}`, { dependsOn: deps });
    }
    return pass(`\`${service}\` waits for \`${on}\` (${condition})`, { dependsOn: deps });
  },
});
