import { defineCheck, fail, pass } from '../kind.js';
import type { Stage } from './model.js';
import { describeFinal, linesPhrase, parentChain, runCommand, regexSource, stagesUsedByFinal } from './operands.js';
import { atLine } from '../location.js';

export const commandOnlyInBuildStages = defineCheck({
  kind: 'dockerfile.command-only-in-build-stages',
  phase: 'static',
  summary: 'RUN instructions matching `pattern` appear in a build stage the final image uses, and never in the final stage.',
  params: (z) =>
    z.object({
    pattern: regexSource(z).describe('Regular expression (JavaScript source) matched against each RUN command, e.g. "\\bcomposer\\s+install\\b"'),
    description: z.string().trim().min(1).max(80).describe('How the command is named to the learner, e.g. "composer install"'),
  }),
  example: { pattern: '\\bcomposer\\s+install\\b', description: 'composer install' },
  // The RUN in the final stage (or the stage it builds on) that should not be there; else the final FROM.
  locate: (_params, { dockerfile }, verdict) => {
    const runs = (verdict.evidence?.runs ?? []) as Array<{ stage: number; lines: number[] }>;
    const final = dockerfile.finalStage;
    const inFinal = runs.find((entry) => final && entry.stage === final.index + 1) ?? runs[0];
    return atLine(dockerfile, inFinal?.lines[0]);
  },
  run({ pattern, description }, { dockerfile }) {
    const final = dockerfile.finalStage;
    const name = `\`${description}\``;
    if (!final) return fail(`no FROM instruction found; ${name} belongs in a build stage`, { pattern });
    const regex = new RegExp(pattern);
    const runsIn = (stage: Stage): number[] =>
      stage.instructions
        .filter((instruction) => instruction.getKeyword() === 'RUN' && regex.test(runCommand(instruction)))
        .map((instruction) => instruction.getRange().start.line + 1);
    const found = dockerfile.stages
      .map((stage) => ({ stage, lines: runsIn(stage) }))
      .filter((entry) => entry.lines.length > 0);
    const evidence = {
      pattern,
      runs: found.map(({ stage, lines }) => ({ stage: stage.index + 1, name: stage.name, lines })),
    };

    const inFinal = found.find((entry) => entry.stage === final);
    if (inFinal) {
      return fail(
        `${name} runs in the final stage at ${linesPhrase(inFinal.lines)}, in ${describeFinal(dockerfile, final)}; ` +
          `it belongs in a build stage, with only its results copied into the final stage`,
        evidence,
      );
    }
    const ancestors = parentChain(dockerfile, final);
    const inAncestor = found.find((entry) => ancestors.includes(entry.stage));
    if (inAncestor) {
      return fail(
        `${name} runs at ${linesPhrase(inAncestor.lines)} in ${dockerfile.describe(inAncestor.stage)}, which the final stage ` +
          `builds on (FROM ${final.from} at line ${final.line}), so it ends up in the final image; run it in a separate build stage`,
        evidence,
      );
    }
    if (found.length === 0) return fail(`${name} runs nowhere; it belongs in a build stage`, evidence);

    const used = stagesUsedByFinal(dockerfile);
    const useful = found.filter((entry) => used.has(entry.stage));
    const where = (entries: typeof found) =>
      entries.map(({ stage, lines }) => `${dockerfile.describe(stage)} (${linesPhrase(lines)})`).join(', ');
    if (useful.length === 0) {
      return fail(
        `${name} runs only in ${where(found)}, which the final stage never uses (no FROM or COPY --from refers to it), ` +
          `so nothing it produces reaches the final image; COPY --from that stage into the final stage`,
        evidence,
      );
    }
    return pass(`${name} runs in build ${where(useful)} and not in the final stage`, evidence);
  },
});
