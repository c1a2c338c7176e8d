import { defineCheck, fail, pass } from '../kind.js';
import { matchesImageRef } from './glob.js';
import { expandInitialArgs } from './operands.js';
import { atStage } from '../location.js';

export const namedStage = defineCheck({
  kind: 'dockerfile.named-stage',
  phase: 'static',
  summary: 'A build stage is named `name` (FROM … AS name) and, when `from` is given, starts from an image matching that glob.',
  params: (z) =>
    z.object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'a stage name starts with a letter and holds letters, digits, _ . -')
      .describe('Stage name expected after AS (compared case-insensitively, as the builder does)'),
    from: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .optional()
      .describe('Glob for the image the stage starts from, e.g. "composer:2" or "node:*-alpine" (`*` matches anything)'),
  }),
  example: { name: 'builder', from: 'composer:2' },
  // The named stage's FROM, else the first FROM (where a build stage would go).
  locate: ({ name }, { dockerfile }) => {
    const stage = dockerfile.stageNamed(name) ?? dockerfile.stages[0];
    return stage ? atStage(dockerfile, stage) : null;
  },
  run({ name, from }, { dockerfile }) {
    const wanted = name.toLowerCase();
    const matches = dockerfile.stages.filter((stage) => stage.name === wanted);
    const stage = matches[0];
    if (!stage) {
      const existing = dockerfile.stages.slice(0, 10).map(
        (candidate) => `${dockerfile.describe(candidate)} (FROM ${candidate.from}${candidate.name ? ` AS ${candidate.name}` : ''})`,
      );
      return fail(
        existing.length === 0
          ? `no FROM instruction found; expected a stage "FROM … AS ${name}"`
          : `no stage is named "${name}"; found ${existing.join(', ')}${dockerfile.stages.length > 10 ? ` and ${dockerfile.stages.length - 10} more` : ''}. Name one with "FROM <image> AS ${name}"`,
        { name, stages: dockerfile.stages.map((candidate) => ({ line: candidate.line, from: candidate.from, name: candidate.name })) },
      );
    }
    if (matches.length > 1) {
      return fail(
        `stage name "${name}" is used ${matches.length} times (FROM at lines ${matches.map((m) => m.line).join(', ')}); the builder rejects duplicate stage names`,
        { name, lines: matches.map((m) => m.line) },
      );
    }
    const base = dockerfile.externalBaseOf(stage);
    const expanded = expandInitialArgs(dockerfile, base);
    const evidence = { name, line: stage.line, from: stage.from, base, ...(expanded !== base ? { expandedBase: expanded } : {}) };
    const via = base === stage.from ? '' : ` (through FROM ${stage.from})`;
    if (from === undefined) return pass(`${dockerfile.describe(stage)} is named "${name}" and starts from ${base}${via}`, evidence);
    if (matchesImageRef(from, base) || matchesImageRef(from, expanded)) {
      return pass(`${dockerfile.describe(stage)} is named "${name}" and starts from ${base}${via}, matching "${from}"`, {
        ...evidence,
        pattern: from,
      });
    }
    return fail(
      `${dockerfile.describe(stage)} is named "${name}" but starts from ${base}${via}; expected an image matching "${from}"`,
      { ...evidence, pattern: from },
    );
  },
});
