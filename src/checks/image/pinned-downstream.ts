import { argNameParam, repositoryParam, tagParam, workspacePathParam } from './registry-params.js';
import { MARKER_LABEL, defineCheck, fail, pass } from '../kind.js';


export const pinnedDownstream = defineCheck({
  kind: 'image.pinned-downstream',
  phase: 'image',
  summary:
    'Pushes the built image to a registry the run starts on 127.0.0.1 under a tag, then pushes another image over the same tag (as a moved or hijacked tag would), and builds a downstream Dockerfile of the workspace with build args naming the registry, the tag and the first push\'s digest. Passes only when the downstream image was built on the first push: a FROM that follows the tag gets the other image.',
  params: (z) =>
    z.object({
    dockerfile: workspacePathParam.describe('The downstream Dockerfile, relative to the workspace (built with the workspace as its context)'),
    repository: repositoryParam.describe('Repository in the run\'s registry, e.g. shop/api'),
    tag: tagParam.describe('The tag pushed, then moved to another image'),
    registryArg: argNameParam.default('REGISTRY').describe('Build arg given the registry address (127.0.0.1:PORT)'),
    tagArg: argNameParam.default('APP_VERSION').describe('Build arg given the tag'),
    digestArg: argNameParam.default('APP_DIGEST').describe('Build arg given the digest of the first push (sha256:...)'),
  }),
  example: { dockerfile: 'downstream/Dockerfile', repository: 'shop/api', tag: '1.4.2' },
  async run({ dockerfile, repository, tag, registryArg, tagArg, digestArg }, { inspector, image }) {
    if (!inspector.registry) return fail('this engine connection cannot start a registry for the run');
    const registry = await inspector.registry();
    // Two look-alike images, told apart by their marker label, which a build on either inherits.
    const released = await registry.markedCopy(image.id);
    const impostor = await registry.markedCopy(image.id);
    const first = await registry.push(released.imageId, repository, tag);
    const moved = await registry.push(impostor.imageId, repository, tag);
    const now = await registry.manifest(repository, tag);
    const buildArgs = { [registryArg]: registry.address, [tagArg]: tag, [digestArg]: first.digest };
    const evidence: Record<string, unknown> = {
      registry: registry.address,
      buildArgs,
      releasedDigest: first.digest,
      tagNowAt: now?.digest ?? null,
    };
    if (!now || now.digest !== moved.digest || moved.digest === first.digest) {
      return fail(`could not move ${repository}:${tag} to another image in the run's registry (it names ${now?.digest ?? 'nothing'})`, evidence);
    }
    const variant = await inspector.buildVariant({ dockerfile, buildArgs });
    if (variant.outcome.failure || !variant.image) {
      const failure = variant.outcome.failure;
      evidence.lastLines = failure?.lastLines ?? [];
      return fail(`building ${dockerfile} with ${Object.keys(buildArgs).join(', ')} as build args failed${failure?.step ? ` at ${failure.step}` : ''}: ${failure?.message ?? 'no image was produced'}`, evidence);
    }
    const inherited = variant.image.labels?.[MARKER_LABEL];
    evidence.builtOn = inherited === released.marker ? 'released digest' : inherited === impostor.marker ? 'moved tag' : 'another image';
    if (inherited === impostor.marker) {
      return fail(
        `${dockerfile} was built on whatever ${repository}:${tag} names now, another image pushed over the tag: its FROM follows the tag, not the released digest`,
        evidence,
        `Pin the base by its digest: \`FROM \${${registryArg}}/${repository}@\${${digestArg}}\` (a tag may stay in front of it for readers: name:tag@sha256:...).`,
      );
    }
    if (inherited !== released.marker) {
      return fail(`${dockerfile} was not built on ${repository} from the run's registry (its FROM names another image)`, evidence, `Start ${dockerfile} from \`\${${registryArg}}/${repository}@\${${digestArg}}\`.`);
    }
    return pass(`${dockerfile} was built on ${repository}@${first.digest.slice(0, 19)}… although ${repository}:${tag} had been moved to another image`, evidence);
  },
});
