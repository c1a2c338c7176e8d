import type { Instruction } from 'dockerfile-ast';
import type { DockerfileModel } from '../dockerfile/model.js';
import { formatSeconds } from '../format.js';
import { type BuildOutcome, defineCheck, fail, pass } from '../kind.js';
import { atBuildStep } from '../location.js';

type WithHeredocs = Instruction & { getHeredocs?: () => Array<{ getName(): string }> };

/**
 * The engine reports a heredoc body line as an unknown instruction (its built-in frontend has no
 * heredocs): name the RUN/COPY that opened it, as the parser read it.
 */
function heredocExplanation(dockerfile: DockerfileModel, message: string): string | null {
  const parseError = /dockerfile parse error line (\d+): unknown instruction/.exec(message);
  if (!parseError) return null;
  const line = Number(parseError[1]) - 1;
  for (const instruction of dockerfile.ast.getInstructions() as WithHeredocs[]) {
    const range = instruction.getRange();
    const heredocs = instruction.getHeredocs?.() ?? [];
    if (heredocs.length === 0 || line <= range.start.line || line > range.end.line) continue;
    const names = heredocs.map((heredoc) => heredoc.getName()).join(', ');
    return (
      `line ${line + 1} is inside the heredoc ${names} opened by ${instruction.getKeyword()} at line ${range.start.line + 1}; ` +
      `this engine's Dockerfile frontend does not support heredocs (they need BuildKit with Dockerfile syntax 1.4 or newer), ` +
      `so write the commands on one RUN joined with && (or put them in a script you COPY and run)`
    );
  }
  return null;
}

/** BuildKit could not fetch the `# syntax=` frontend: say on which line of the Dockerfile it is asked for. */
function nameSyntaxLine(dockerfile: DockerfileModel, message: string): string {
  if (!message.includes('the `# syntax=` line')) return message;
  const directive = dockerfile.ast.getDirectives().find((candidate) => candidate.getName().toLowerCase() === 'syntax');
  if (!directive) return message;
  return message.replace('the `# syntax=` line', `the \`# syntax=${directive.getValue()}\` line (line ${directive.getRange().start.line + 1} of the Dockerfile)`);
}

/** A `# syntax=` directive is only honoured by BuildKit; the classic builder ignores it. */
function syntaxNote(dockerfile: DockerfileModel, build: BuildOutcome): string | null {
  const directive = dockerfile.ast.getDirectives().find((candidate) => candidate.getName().toLowerCase() === 'syntax');
  if (!directive || (build.builder !== undefined && build.builder !== 'classic')) return null;
  return `the \`# syntax=${directive.getValue()}\` line was ignored: the classic builder always uses its built-in Dockerfile frontend`;
}

export const buildSucceeds = defineCheck({
  kind: 'build.succeeds',
  phase: 'build',
  summary: 'The Dockerfile builds on the engine: no error in the build stream and an image id produced.',
  params: (z) =>
    z.object({}),
  example: {},
  // The failing step's instruction.
  locate: (_params, { build, dockerfile }) => atBuildStep(dockerfile, build.failure?.step ?? null),
  run(_params, { build, dockerfile }) {
    if (!build.failure && build.imageId) {
      const note = syntaxNote(dockerfile, build);
      return pass(`built in ${formatSeconds(build.durationMs)} (${build.steps} steps)${note ? `; note: ${note}` : ''}`, {
        imageId: build.imageId,
        steps: build.steps,
        durationMs: build.durationMs,
        ...(build.builder ? { builder: build.builder } : {}),
        ...(note ? { note } : {}),
      });
    }
    const failure = build.failure ?? { step: null, message: 'no image was produced', lastLines: [] };
    const where = failure.step ? ` at ${failure.step}` : '';
    const heredoc = heredocExplanation(dockerfile, failure.message);
    const message = nameSyntaxLine(dockerfile, failure.message);
    return fail(`build failed${where}: ${message}${heredoc ? `; ${heredoc}` : ''}`, {
      step: failure.step,
      error: failure.message,
      lastLines: failure.lastLines,
      durationMs: build.durationMs,
      ...(build.builder ? { builder: build.builder } : {}),
    });
  },
});
