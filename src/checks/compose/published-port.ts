import { defineCheck, fail, pass } from '../kind.js';

export const composePublishedPort = defineCheck({
  kind: 'compose.published-port',
  phase: 'compose',
  summary: 'The service publishes the container port, on the given host port when one is named.',
  params: (z) =>
    z.object({
    service: z.string().min(1),
    target: z.number().int().min(1).max(65535).describe('Container port'),
    published: z.number().int().min(1).max(65535).optional().describe('Required host port'),
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
  }),
  example: { service: 'web', target: 80, published: 8080 },
  run({ service, target, published, protocol }, { compose }) {
    if (!compose.service(service)) return fail(`no service \`${service}\` in ${compose.where('services')}`);
    const ports = compose.ports(service);
    const where = compose.where('services', service, 'ports');
    const evidence = { ports };
    const matching = ports.filter((port) => port.target === target && port.protocol === protocol);
    if (matching.length === 0) {
      return fail(`${where}: \`${service}\` does not publish container port ${target}/${protocol}${ports.length ? ` (it publishes ${ports.map((port) => `${port.published ?? '?'}:${port.target}`).join(', ')})` : ''}`, evidence);
    }
    if (published !== undefined && !matching.some((port) => port.published === published)) {
      return fail(`${where}: container port ${target} is published on ${matching.map((port) => port.published ?? 'a random port').join(', ')}, expected host port ${published}`, evidence);
    }
    const shown = matching.find((port) => published === undefined || port.published === published)!;
    return pass(`\`${service}\` publishes ${shown.published ?? '(random)'}:${target}/${protocol}`, evidence);
  },
});
