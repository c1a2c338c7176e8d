import { randomBytes } from 'node:crypto';
import { TAG, argNameParam, repositoryParam } from './registry-params.js';
import { defineCheck, fail, pass } from '../kind.js';

/** `{ARG}` or `{ARG:N}` (the value's first N characters, as a short git revision). */
const TEMPLATE_PART = /\{([A-Za-z_][A-Za-z0-9_]*)(?::(\d{1,2}))?\}/g;

export function expandTag(template: string, args: Record<string, string>): string {
  return template.replace(TEMPLATE_PART, (_, name: string, length?: string) => {
    const value = args[name] ?? '';
    return length ? value.slice(0, Number(length)) : value;
  });
}

export const registryPush = defineCheck({
  kind: 'image.registry-push',
  phase: 'image',
  summary:
    'Builds the Dockerfile again as a CI job would (fixed build args, and a new random 40-hex git revision each verify), pushes that image to a registry the run starts on 127.0.0.1 under tags made from those args, then reads every tag back from the registry: all must name the digest the push gave, and the image config the registry serves must carry each label with its build arg\'s value.',
  params: (z) =>
    z.object({
    repository: repositoryParam.describe('Repository in the run\'s registry, e.g. shop/api'),
    args: z.record(argNameParam, z.string().max(500)).default({}).describe('Fixed build args (e.g. VERSION, SOURCE)'),
    revisionArg: argNameParam.default('REVISION').describe('Build arg given a new random 40-hex commit id each verify'),
    labels: z
      .record(z.string().min(1).max(200), argNameParam)
      .refine((labels) => Object.keys(labels).length > 0, 'name at least one label')
      .describe('Label → the build arg whose value it must carry in the pushed image'),
    tags: z.array(z.string().min(1).max(128)).min(1).max(5).describe('Tags pushed, from templates: {ARG} or {ARG:7} (first 7 characters)'),
  }),
  example: {
    repository: 'shop/api',
    args: { VERSION: '1.4.2', SOURCE: 'https://git.example.com/shop/api' },
    revisionArg: 'REVISION',
    labels: { 'org.opencontainers.image.version': 'VERSION', 'org.opencontainers.image.revision': 'REVISION', 'org.opencontainers.image.source': 'SOURCE' },
    tags: ['{VERSION}', '{VERSION}-{REVISION:7}'],
  },
  async run({ repository, args, revisionArg, labels, tags }, { inspector }) {
    if (!inspector.registry) return fail('this engine connection cannot start a registry for the run');
    const buildArgs = { ...args, [revisionArg]: randomBytes(20).toString('hex') };
    const tagNames = tags.map((template) => expandTag(template, buildArgs));
    const evidence: Record<string, unknown> = { buildArgs, tags: tagNames };
    const invalid = tagNames.find((tag) => !TAG.test(tag));
    if (invalid !== undefined) return fail(`the tag template gives "${invalid}", which is not a valid tag`, evidence);

    const variant = await inspector.buildVariant({ buildArgs });
    if (variant.outcome.failure || !variant.image) {
      const failure = variant.outcome.failure;
      evidence.lastLines = failure?.lastLines ?? [];
      return fail(`building with ${Object.keys(buildArgs).join(', ')} as build args failed${failure?.step ? ` at ${failure.step}` : ''}: ${failure?.message ?? 'no image was produced'}`, evidence);
    }
    const registry = await inspector.registry();
    evidence.registry = registry.address;
    const pushed: Record<string, string> = {};
    for (const tag of tagNames) pushed[tag] = (await registry.push(variant.image.id, repository, tag)).digest;
    evidence.pushed = pushed;

    // Read back from the registry, not from the engine: what a pull would get.
    const problems: string[] = [];
    const listed = await registry.tags(repository);
    const pulled: Record<string, string | null> = {};
    let config: Record<string, string> | null = null;
    for (const tag of tagNames) {
      const manifest = await registry.manifest(repository, tag);
      pulled[tag] = manifest?.digest ?? null;
      if (!manifest || !listed.includes(tag)) problems.push(`the registry does not list ${repository}:${tag}`);
      else if (manifest.digest !== pushed[tag]) problems.push(`${repository}:${tag} resolves to ${manifest.digest}, not the pushed ${pushed[tag]}`);
      else config ??= manifest.labels;
    }
    evidence.pulled = pulled;
    const byDigest = new Set(Object.values(pushed));
    if (byDigest.size > 1) problems.push(`the tags name ${byDigest.size} different digests: one image should carry all of them`);
    if (config) {
      evidence.labels = Object.fromEntries(Object.keys(labels).map((label) => [label, config![label] ?? null]));
      for (const [label, arg] of Object.entries(labels)) {
        const want = buildArgs[arg] ?? '';
        const have = config[label];
        if (have === undefined) problems.push(`the pushed image has no label ${label} (it should carry the build arg ${arg})`);
        else if (have !== want) problems.push(`label ${label} is "${have}" in the pushed image, but this build passed ${arg}=${want}`);
      }
    }
    if (problems.length > 0) return fail(problems.join('; '), evidence);
    const digest = [...byDigest][0]!;
    return pass(
      `pushed ${tagNames.map((tag) => `${repository}:${tag}`).join(' and ')} to the run's registry and read them back: ${tagNames.length > 1 ? 'all at' : 'at'} ${digest.slice(0, 19)}…, labels ${Object.entries(labels).map(([label, arg]) => `${label.replace(/^org\.opencontainers\.image\./, '')}=${buildArgs[arg]!.slice(0, 12)}`).join(', ')}`,
      evidence,
    );
  },
});
