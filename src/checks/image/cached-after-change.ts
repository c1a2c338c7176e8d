import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatSeconds } from '../format.js';
import { regexText } from '../expect.js';
import { defineCheck, fail, pass, type BuildStep } from '../kind.js';

function stepText(step: BuildStep): string {
  return `${step.index}: ${step.instruction}${step.cached ? ' (cached)' : ''}`;
}

/**
 * BuildKit's cache outlives the run (as with `docker build`): a change identical to an earlier run's
 * would come from that run's cache and prove nothing. After the author's text, 20 lines each empty or a
 * single space spell a random number, so every run's change is new; blank lines change no program.
 */
function runSalt(): string {
  const bits = randomBytes(3).readUIntBE(0, 3) & 0xfffff;
  let salt = '';
  for (let bit = 0; bit < 20; bit++) salt += (bits >> bit) & 1 ? ' \n' : '\n';
  return salt;
}

/** `RUN --mount=type=cache,target=/root/.npm npm ci` is still the npm install: patterns see the command. */
function withoutRunFlags(instruction: string): string {
  return instruction.replace(/^RUN\s+(?:--\S+\s+)*/i, 'RUN ');
}

export const cachedAfterChange = defineCheck({
  kind: 'build.cached-after-change',
  phase: 'image',
  summary:
    'Rebuilds the workspace with source files changed (on a copy, sharing the layer cache of the first build) and requires the steps matching a pattern, such as the dependency install, to come from the cache. Runs with the image checks, after the build, so a miss does not stop the image and runtime checks.',
  params: (z) =>
    z.object({
    append: z
      .record(z.string().min(1).max(500), z.string().min(1).max(10_000))
      .refine((files) => Object.keys(files).length > 0, 'name at least one file')
      .describe('Files to change, relative to the workspace: text appended to each (e.g. a comment)'),
    step: regexText.describe('A regular expression (case-insensitive) for the instruction(s) that must come from the cache'),
    description: z.string().min(1).max(200).describe('What those steps do, for messages'),
  }),
  example: { append: { 'server.js': '\n// changed\n' }, step: '^RUN\\s+npm\\s+(ci|install)', description: 'the npm install' },
  async run({ append, step, description }, { workspaceDir, inspector }) {
    const changes: Record<string, string> = {};
    const salt = runSalt();
    for (const [relative, text] of Object.entries(append)) {
      const current = await readFile(path.join(workspaceDir, relative), 'utf8').catch(() => null);
      if (current === null) return fail(`${relative} is not in the workspace, so it cannot be changed for the rebuild`);
      changes[relative] = current + text + salt;
    }
    const changed = Object.keys(changes).join(', ');
    const variant = await inspector.buildVariant({ changes });
    const steps = variant.outcome.stepLog;
    const evidence = { changed: Object.keys(changes), steps: steps.map(stepText), durationMs: variant.outcome.durationMs };
    if (variant.outcome.failure || !variant.outcome.imageId) {
      return fail(`the rebuild after changing ${changed} failed: ${variant.outcome.failure?.message ?? 'no image'}`, evidence);
    }
    const pattern = new RegExp(step, 'i');
    const matching = steps.filter((candidate) => pattern.test(withoutRunFlags(candidate.instruction)));
    if (matching.length === 0) return fail(`no build step is ${description} (no instruction matches /${step}/i)`, evidence);
    // FROM never reports a cache hit; only the steps that make layers count.
    const layerSteps = steps.filter((candidate) => !/^FROM\b/i.test(candidate.instruction));
    // The change must have reached the build: some step was rebuilt. Otherwise nothing was proved.
    if (layerSteps.every((candidate) => candidate.cached)) {
      return fail(`every step came from the cache after changing ${changed}: the changed file never reaches the image`, evidence);
    }
    const rebuilt = matching.filter((candidate) => !candidate.cached);
    if (rebuilt.length > 0) {
      const firstRebuilt = layerSteps.find((candidate) => !candidate.cached)!;
      return fail(
        `after changing ${changed}, ${description} ran again (step ${rebuilt.map((candidate) => candidate.index).join(', ')}); the cache broke at step ${firstRebuilt.index}: ${firstRebuilt.instruction}`,
        evidence,
      );
    }
    return pass(
      `after changing ${changed}, ${description} came from the cache (step ${matching.map((candidate) => candidate.index).join(', ')}); rebuilt in ${formatSeconds(variant.outcome.durationMs)}`,
      evidence,
    );
  },
});
