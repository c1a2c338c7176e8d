import { defineCheck, fail, pass } from '../kind.js';
import { matchesGlob } from './glob.js';
import { flagValue, instructionRef, type Stage } from './model.js';
import { argumentText, copyOperands, describeFinal, earlierStage, normaliseSourcePath } from './operands.js';
import { atMatching } from '../location.js';

/** True when `source` (as written in COPY) is the wanted path or a path under it. */
function coversPath(source: string, wanted: string): boolean {
  const path = normaliseSourcePath(source);
  if (path === wanted || path.startsWith(`${wanted}/`)) return true;
  return path.includes('*') && matchesGlob(path, wanted);
}

function lastWorkdir(stage: Stage): string | null {
  const workdirs = stage.instructions.filter((instruction) => instruction.getKeyword() === 'WORKDIR');
  const last = workdirs.at(-1);
  return last ? argumentText(last) : null;
}

export const copyFromStage = defineCheck({
  kind: 'dockerfile.copy-from-stage',
  phase: 'static',
  summary: 'The final stage copies `source` (or a path under it) out of the build stage `stage` with COPY --from.',
  params: (z) =>
    z.object({
    stage: z.string().trim().min(1).max(128).describe('Name of the build stage copied from (the AS name), e.g. "builder"'),
    source: z
      .string()
      .trim()
      .min(1)
      .max(1024)
      .describe('Absolute path in that stage that must be copied, e.g. "/app/vendor"; a path under it also counts'),
    into: z.enum(['final']).default('final').describe('Stage that must do the copying; only "final" is supported'),
  }),
  example: { stage: 'builder', source: '/app/vendor' },
  // A COPY --from=<stage> of the final stage that copies the wrong thing; with none, the final FROM.
  locate: ({ stage }, { dockerfile }) =>
    atMatching(dockerfile, (instruction) => instruction.getKeyword() === 'COPY' && (flagValue(instruction, 'from') ?? '').toLowerCase() === stage.toLowerCase()),
  run({ stage: stageName, source }, { dockerfile }) {
    const wanted = normaliseSourcePath(source);
    const final = dockerfile.finalStage;
    if (!final) return fail(`no FROM instruction found; expected COPY --from=${stageName} ${wanted} in the final stage`, { stage: stageName, source: wanted });
    const where = describeFinal(dockerfile, final);
    const target = dockerfile.stageNamed(stageName);
    const copies = final.instructions.filter((instruction) => instruction.getKeyword() === 'COPY');
    const withFrom = copies
      .map((instruction) => ({ instruction, from: flagValue(instruction, 'from') }))
      .filter((entry): entry is { instruction: typeof entry.instruction; from: string } => entry.from !== null);
    const seen = withFrom.map(({ instruction, from }) => ({ line: instructionRef(instruction).line, from, ...copyOperands(instruction) }));
    const evidence = { stage: stageName, source: wanted, copiesWithFrom: seen };

    if (!target) {
      const misnamed = seen.filter((copy) => copy.from.toLowerCase() === stageName.toLowerCase());
      return fail(
        `no stage is named "${stageName}"` +
          (misnamed.length > 0
            ? `, so COPY --from=${stageName} at line ${misnamed.map((copy) => copy.line).join(', ')} would pull an image called "${stageName}"`
            : '') +
          `; add a build stage "FROM <image> AS ${stageName}" before the final stage`,
        evidence,
      );
    }
    if (target.index >= final.index) {
      return fail(
        `stage "${stageName}" is the final stage itself, ${where}; it must be a separate build stage defined before it, ` +
          `so that the final stage can COPY --from=${stageName}`,
        evidence,
      );
    }
    const fromTarget = withFrom.filter(({ from }) => earlierStage(dockerfile, from, final.index) === target);
    if (fromTarget.length === 0) {
      const others = seen.map((copy) => `COPY --from=${copy.from} at line ${copy.line}`);
      return fail(
        `${where} has no COPY --from=${stageName}` +
          (others.length > 0 ? ` (found ${others.join(', ')})` : '') +
          `; expected COPY --from=${stageName} ${wanted} <destination>`,
        evidence,
      );
    }
    for (const { instruction } of fromTarget) {
      const { sources } = copyOperands(instruction);
      if (sources.some((candidate) => coversPath(candidate, wanted))) {
        const ref = instructionRef(instruction);
        return pass(`${where} copies ${wanted} from ${dockerfile.describe(target)} (line ${ref.line}: ${ref.text})`, {
          ...evidence,
          line: ref.line,
        });
      }
    }
    const workdir = lastWorkdir(target);
    const relativeHit = fromTarget.find(({ instruction }) =>
      copyOperands(instruction).sources.some(
        (candidate) => workdir !== null && !candidate.startsWith('/') && coversPath(`${workdir}/${candidate}`, wanted),
      ),
    );
    if (relativeHit) {
      const line = instructionRef(relativeHit.instruction).line;
      return fail(
        `COPY --from=${stageName} at line ${line} uses a relative source; paths in COPY --from are read from the root of ` +
          `stage "${stageName}", not its WORKDIR ${workdir}, so write ${wanted}`,
        evidence,
      );
    }
    const described = fromTarget
      .map(({ instruction }) => `line ${instructionRef(instruction).line} copies ${copyOperands(instruction).sources.join(', ')}`)
      .join('; ');
    return fail(`${where} copies from "${stageName}" but not ${wanted}: ${described}`, evidence);
  },
});
