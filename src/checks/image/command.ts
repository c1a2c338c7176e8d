import { commandEvidence, commandExpectation, commandMismatch, showCommand } from '../expect.js';
import { defineCheck, fail, pass } from '../kind.js';

export const imageCommand = defineCheck({
  kind: 'image.command',
  phase: 'image',
  summary:
    "Runs a command in a fresh container of the built image (no network, resource limits, removed afterwards) and checks its exit code and output, like container-structure-test's command tests.",
  params: (z) =>
    z.object({
    ...commandExpectation,
    entrypoint: z
      .array(z.string())
      .max(10)
      .optional()
      .describe("Replaces the image's ENTRYPOINT for this run; [] runs the command as is"),
    user: z.string().max(100).optional().describe("Runs as this user instead of the image's USER"),
  }),
  example: { command: ['php', '-m'], stdout: '^pdo_pgsql$', entrypoint: [] },
  async run(params, { image, inspector }) {
    const run = await inspector.run(image.id, params.command, {
      entrypoint: params.entrypoint,
      user: params.user,
      timeoutMs: params.timeoutSeconds * 1000,
    });
    const evidence = commandEvidence(params.command, run);
    const shown = `\`${showCommand(params.command)}\``;
    const mismatch = commandMismatch(params, run, params.timeoutSeconds);
    if (mismatch) return fail(`${shown}: ${mismatch}`, evidence);
    return pass(`${shown} exited ${run.exitCode}${params.stdout ? ` and its output matches /${params.stdout}/` : ''}`, evidence);
  },
});
