import { globToRegExp } from '../dockerfile/glob.js';
import { defineCheck, fail, pass } from '../kind.js';

export const composeServiceDefined = defineCheck({
  kind: 'compose.service-defined',
  phase: 'compose',
  summary: 'The compose model has the service, optionally with an image matching a glob or a build section.',
  params: (z) =>
    z.object({
    service: z.string().min(1).describe('Service name'),
    image: z.string().min(1).optional().describe('Glob the image must match, e.g. postgres:16*'),
    build: z.boolean().optional().describe('true: the service must be built (build:); false: it must not be'),
  }),
  example: { service: 'db', image: 'postgres:16*' },
  run({ service, image, build }, { compose }) {
    if (!compose.service(service)) {
      const known = compose.serviceNames;
      return fail(`${compose.where('services')}: no service \`${service}\`${known.length ? ` (services: ${known.join(', ')})` : ''}`, { services: known });
    }
    const actualImage = compose.image(service);
    const actualBuild = compose.build(service);
    const evidence = { image: actualImage, build: actualBuild };
    if (image && (!actualImage || !globToRegExp(image).test(actualImage))) {
      return fail(`${compose.where('services', service, 'image')}: service \`${service}\` uses image ${actualImage ?? '(none)'}, expected ${image}`, evidence);
    }
    if (build === true && !actualBuild) return fail(`${compose.where('services', service)}: service \`${service}\` has no build section`, evidence);
    if (build === false && actualBuild) return fail(`${compose.where('services', service, 'build')}: service \`${service}\` should use a ready image, not build one`, evidence);
    return pass(`service \`${service}\`${actualImage ? ` uses ${actualImage}` : ''}${actualBuild ? ' (built from its Dockerfile)' : ''}`, evidence);
  },
});
