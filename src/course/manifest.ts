import { z } from 'zod';
import { findCheckKind, loadCheckKinds, phaseOfKindName } from '../checks/registry.js';

// Validation needs every kind's parameter schema.
const CHECK_KINDS = await loadCheckKinds();

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'lower-case letters, digits and dashes, 2 to 64 characters');
/** A path inside the pack: no absolute paths, no `..`. */
const packPath = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !value.startsWith('/') && !value.split(/[\\/]/).includes('..'), 'must stay inside the pack (no absolute path, no `..`)');

export const CheckEntrySchema = z
  .object({
    id: id.describe('Unique within the challenge; shown in reports and named in starterFails'),
    kind: z.string().describe('A check kind from the catalogue, e.g. dockerfile.stage-count'),
    title: z.string().min(3).max(120).describe('What the learner sees in the scorecard'),
    with: z.record(z.string(), z.unknown()).default({}).describe("The kind's parameters"),
    points: z.number().int().min(0).max(100).default(10),
    required: z.boolean().default(true).describe('A required check must pass for the challenge to pass'),
    hint: z.string().min(3).max(600).describe('Shown when this check fails'),
    visibility: z
      .enum(['visible', 'hidden', 'after-pass'])
      .default('visible')
      .describe('Who sees this check in learner output (terminal, web, --json, CI formats): everyone (visible), no learner (hidden: graded and counted in the score, shown only by challenge:grade and challenge:test), or a learner who has passed the challenge (after-pass)'),
    detail: z
      .enum(['full', 'title'])
      .default('full')
      .describe('How much of a shown check a learner sees: full (message, hint, evidence) or title (title and status only)'),
  })
  .strict()
  .superRefine((check, context) => {
    const kind = findCheckKind(check.kind);
    if (!kind) {
      context.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `unknown check kind "${check.kind}"; known kinds: ${CHECK_KINDS.map((known) => known.kind).join(', ')}`,
      });
      return;
    }
    const parsed = kind.params.safeParse(check.with);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', path: ['with', ...issue.path.map(String)], message: issue.message });
      }
    }
  });

const buildArgName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a build argument name: letters, digits and _, not starting with a digit');

/** How the grader builds the image: plain classic build unless BuildKit features (secrets) are needed. */
export const BuildSettingsSchema = z
  .object({
    buildkit: z
      .boolean()
      .default(false)
      .describe('Build with BuildKit through the docker CLI (`DOCKER_BUILDKIT=1 docker build`); needed for RUN --mount=type=secret'),
    secrets: z
      .array(
        z
          .object({
            id: z
              .string()
              .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, `_`, `.` and `-`, at most 64 characters')
              .describe('Secret id: the build gets it at /run/secrets/<id> with RUN --mount=type=secret,id=<id>'),
            buildArg: buildArgName
              .optional()
              .describe('Also pass the same value as this build argument, so a Dockerfile that uses ARG instead leaks it (and is graded for it)'),
          })
          .strict(),
      )
      .max(5)
      .default([])
      .describe('Secrets given to every build; each verify generates a new random value'),
    args: z
      .record(buildArgName, z.string().max(500))
      .default({})
      .refine((args) => Object.keys(args).length <= 20, 'at most 20 build arguments')
      .describe('Fixed build arguments (`--build-arg NAME=value`)'),
  })
  .strict()
  .superRefine((build, context) => {
    if (build.secrets.length > 0 && !build.buildkit) {
      context.addIssue({ code: 'custom', path: ['buildkit'], message: 'build secrets need `buildkit: true` (the classic builder has no secret mounts)' });
    }
    const ids = new Set<string>();
    build.secrets.forEach((secret, index) => {
      if (ids.has(secret.id)) context.addIssue({ code: 'custom', path: ['secrets', index, 'id'], message: `duplicate secret id "${secret.id}"` });
      ids.add(secret.id);
      if (secret.buildArg && secret.buildArg in build.args) {
        context.addIssue({ code: 'custom', path: ['secrets', index, 'buildArg'], message: `"${secret.buildArg}" is also set under build.args` });
      }
    });
  });

export type BuildSettings = z.output<typeof BuildSettingsSchema>;

export const ManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    id,
    title: z.string().min(3).max(120),
    difficulty: z.enum(['beginner', 'intermediate', 'advanced']),
    lesson: id.describe('The lesson this challenge belongs to'),
    summary: z.string().min(3).max(400),
    dockerfile: packPath
      .optional()
      .describe('The Dockerfile graded, relative to the workspace; defaults to Dockerfile unless `compose` is given'),
    compose: packPath
      .optional()
      .describe('The compose file graded (compose and stack checks), relative to the workspace, e.g. compose.yaml'),
    composeOverrides: z
      .array(packPath)
      .min(1)
      .max(5)
      .optional()
      .describe('Files merged over `compose`, in order, as `-f compose.yaml -f compose.prod.yaml` does; the checks grade the merged model and run it'),
    starter: packPath.default('starter'),
    solution: packPath.default('solution'),
    task: packPath.default('task.md'),
    hints: z.array(packPath).min(1).max(5).describe('Progressive hints, gentlest first'),
    starterFails: z.array(id).min(1).describe('Check ids the starter must fail'),
    limits: z
      .object({
        buildTimeoutSeconds: z.number().int().min(10).max(3600).default(600),
        contextMaxMegabytes: z.number().min(1).max(10_000).default(200).describe('Largest build context sent to the engine'),
        composeUpTimeoutSeconds: z
          .number()
          .int()
          .min(10)
          .max(3600)
          .default(300)
          .describe('Longest wall-clock time for bringing the compose stack up (builds included)'),
      })
      .strict()
      .prefault({}),
    build: BuildSettingsSchema.prefault({}).describe('How the image is built: BuildKit, secrets and build arguments'),
    checks: z.array(CheckEntrySchema).min(1).max(100),
  })
  .strict()
  .superRefine((manifest, context) => {
    // Dockerfile checks need a Dockerfile, compose checks a compose file: say which is missing.
    manifest.checks.forEach((check, index) => {
      const phase = phaseOfKindName(check.kind);
      if (!phase) return;
      const needsCompose = phase === 'compose' || phase === 'stack';
      if (manifest.composeOverrides && !manifest.compose && index === 0) {
        context.addIssue({ code: 'custom', path: ['composeOverrides'], message: '`composeOverrides` are merged over a compose file: add `compose: compose.yaml` to the manifest' });
      }
      if (needsCompose && !manifest.compose) {
        context.addIssue({ code: 'custom', path: ['checks', index, 'kind'], message: `${check.kind} grades a compose file: add \`compose: compose.yaml\` (the file graded) to the manifest` });
      }
      if (!needsCompose && manifest.compose && !manifest.dockerfile) {
        context.addIssue({ code: 'custom', path: ['checks', index, 'kind'], message: `${check.kind} grades a Dockerfile, and this manifest names only a compose file: add \`dockerfile: <path>\` to the manifest` });
      }
    });
    const seen = new Map<string, number>();
    manifest.checks.forEach((check, index) => {
      const earlier = seen.get(check.id);
      if (earlier !== undefined) {
        context.addIssue({ code: 'custom', path: ['checks', index, 'id'], message: `duplicate check id "${check.id}" (also checks[${earlier}])` });
      }
      seen.set(check.id, index);
    });
    const secretIds = new Set(manifest.build.secrets.map((secret) => secret.id));
    manifest.checks.forEach((check, index) => {
      const secret = (check.with as { secret?: unknown }).secret;
      if (typeof secret === 'string' && findCheckKind(check.kind)?.usesBuildSecret && !secretIds.has(secret)) {
        context.addIssue({
          code: 'custom',
          path: ['checks', index, 'with', 'secret'],
          message: `"${secret}" is not a secret under build.secrets${secretIds.size ? ` (declared: ${[...secretIds].join(', ')})` : ''}`,
        });
      }
    });
    manifest.starterFails.forEach((failing, index) => {
      if (!seen.has(failing)) {
        context.addIssue({ code: 'custom', path: ['starterFails', index], message: `"${failing}" is not the id of any check` });
      }
    });
  });

/** `dockerfile` defaults to Dockerfile unless the challenge grades a compose file only. */
export const ManifestWithDefaults = ManifestSchema.transform((manifest) => ({
  ...manifest,
  dockerfile: manifest.dockerfile ?? (manifest.compose ? undefined : 'Dockerfile'),
}));

export type Manifest = z.output<typeof ManifestWithDefaults>;
export type CheckEntry = z.output<typeof CheckEntrySchema>;
