import { z } from 'zod';
import { commandEvidence, commandMismatch, showCommand } from '../expect.js';
import { formatBytes, formatSeconds } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';
import { atStage } from '../location.js';

const absolutePath = z.string().startsWith('/').max(1024);

export const buildTarget = defineCheck({
  kind: 'build.target',
  phase: 'image',
  summary:
    'Builds one stage of the Dockerfile with --target (sharing the run\'s layer cache) and checks that image: paths present or absent (archive API, no shell needed) and a command that must exit 0. Runs with the image checks, after the full build.',
  params: z.object({
    target: z.string().min(1).max(100).describe('The stage name to build'),
    present: z.array(absolutePath).max(20).default([]).describe('Paths that must exist in the target image'),
    absent: z.array(absolutePath).max(20).default([]).describe('Paths that must not exist in the target image'),
    command: z.array(z.string().max(1000)).min(1).max(50).optional().describe('A command (exec-form list) that must exit 0 in the target image'),
    timeoutSeconds: z.number().int().min(1).max(300).default(60).describe('Longest the command may run'),
  }),
  example: { target: 'test', present: ['/app/tests'], command: ['python', '-m', 'unittest'] },
  // The target stage's FROM (with no such stage, the final stage's).
  locate: ({ target }, { dockerfile }) => {
    const stage = dockerfile.stageNamed(target);
    return stage ? atStage(dockerfile, stage) : null;
  },
  async run({ target, present, absent, command, timeoutSeconds }, { inspector }) {
    const variant = await inspector.buildVariant({ target });
    const evidence: Record<string, unknown> = { target, steps: variant.outcome.steps, durationMs: variant.outcome.durationMs };
    if (variant.outcome.failure || !variant.image) {
      const failure = variant.outcome.failure;
      const reason = failure?.message ?? 'no image was produced';
      evidence.error = reason;
      evidence.lastLines = failure?.lastLines ?? [];
      if (/target stage .* could not be found|failed to reach build target/i.test(reason)) {
        return fail(`the Dockerfile has no stage named ${target}`, evidence);
      }
      return fail(`building target ${target} failed${failure?.step ? ` at ${failure.step}` : ''}: ${reason}`, evidence);
    }
    const image = variant.image;
    evidence.imageBytes = image.size;
    const problems: string[] = [];
    const paths: Record<string, boolean> = {};
    for (const wanted of present) {
      paths[wanted] = await inspector.pathExists(image.id, wanted);
      if (!paths[wanted]) problems.push(`${wanted} is missing`);
    }
    for (const unwanted of absent) {
      paths[unwanted] = await inspector.pathExists(image.id, unwanted);
      if (paths[unwanted]) problems.push(`${unwanted} is there but must not be`);
    }
    evidence.paths = paths;
    if (command) {
      const run = await inspector.run(image.id, command, { timeoutMs: timeoutSeconds * 1000 });
      evidence.command = commandEvidence(command, run);
      const mismatch = commandMismatch({ command, exitCode: 0 }, run, timeoutSeconds);
      if (mismatch) problems.push(`\`${showCommand(command)}\`: ${mismatch}`);
    }
    if (problems.length > 0) return fail(`in target ${target}: ${problems.join('; ')}`, evidence);
    const checked = [
      present.length ? `${present.join(', ')} present` : '',
      absent.length ? `${absent.join(', ')} absent` : '',
      command ? `\`${showCommand(command)}\` passed` : '',
    ].filter(Boolean);
    return pass(
      `target ${target} built in ${formatSeconds(variant.outcome.durationMs)} (${formatBytes(image.size)})${checked.length ? `: ${checked.join('; ')}` : ''}`,
      evidence,
    );
  },
});
