import path from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import type { ComposeModel } from './compose/model.js';
import { type DockerfileModel, type Stage, instructionRef } from './dockerfile/model.js';

/**
 * Where in the learner's files a verdict's cause is written: the file (absolute while the checks run;
 * the verify core makes it relative to the workspace), a 1-based line and column, and where the
 * instruction ends. Reports put their annotations and SARIF results there.
 */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** The whole instruction, as dockerfile-ast reads it (0-based positions become 1-based). */
export function atInstruction(dockerfile: DockerfileModel, instruction: Instruction): SourceLocation {
  const range = instruction.getRange();
  return {
    file: dockerfile.path,
    line: range.start.line + 1,
    column: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
}

/** The FROM instruction that opens a stage. */
export function atStage(dockerfile: DockerfileModel, stage: Stage): SourceLocation {
  const from = dockerfile.ast.getInstructions().find((instruction) => instruction.getKeyword() === 'FROM' && instruction.getRange().start.line + 1 === stage.line);
  return from ? atInstruction(dockerfile, from) : { file: dockerfile.path, line: stage.line, column: 1 };
}

/** Where a missing instruction belongs: the final stage's FROM (line 1 of an empty file). */
export function atFinalStage(dockerfile: DockerfileModel): SourceLocation {
  const final = dockerfile.finalStage;
  return final ? atStage(dockerfile, final) : { file: dockerfile.path, line: 1, column: 1 };
}

/** The last `keyword` instruction of a stage (the one that takes effect), or null. */
export function atLastKeyword(dockerfile: DockerfileModel, keyword: string, stage = dockerfile.finalStage): SourceLocation | null {
  const found = stage?.instructions.filter((instruction) => instruction.getKeyword() === keyword.toUpperCase()).at(-1);
  return found ? atInstruction(dockerfile, found) : null;
}

/** The last `keyword` of the final stage, else the final stage's FROM (where the missing instruction goes). */
export function atKeywordOrFinalStage(dockerfile: DockerfileModel, keyword: string): SourceLocation {
  return atLastKeyword(dockerfile, keyword) ?? atFinalStage(dockerfile);
}

/** The first instruction (final stage first, then the others) whose text matches. */
export function atMatching(dockerfile: DockerfileModel, matches: (instruction: Instruction) => boolean): SourceLocation | null {
  const stages = [...dockerfile.stages].reverse();
  for (const stage of stages) {
    const found = stage.instructions.find(matches);
    if (found) return atInstruction(dockerfile, found);
  }
  return null;
}

const squash = (text: string) => text.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim();

/**
 * The instruction of the final stage that made an image layer, from its `docker history` CreatedBy:
 * the classic builder writes `/bin/sh -c <command>` for RUN and `/bin/sh -c #(nop) COPY file:… in /dest`
 * for the rest; BuildKit `RUN /bin/sh -c <command> # buildkit` and `COPY src /dest # buildkit`.
 */
export function atCreatedBy(dockerfile: DockerfileModel, createdBy: string): SourceLocation | null {
  let text = squash(createdBy).replace(/\s*# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/.exec(text);
  let keyword: string;
  if (nop) {
    text = nop[1]!;
    keyword = text.split(' ')[0]!.toUpperCase();
  } else {
    const run = /^(?:\|\d+(?: \S+=\S*)* )?(?:RUN )?\/bin\/sh -c (.*)$/.exec(text);
    if (run) {
      keyword = 'RUN';
      text = `RUN ${run[1]}`;
    } else {
      keyword = text.split(' ')[0]!.toUpperCase();
    }
  }
  const body = text.slice(keyword.length).trim();
  const stage = dockerfile.finalStage;
  if (!stage) return null;
  const candidates = stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
  const argumentsOf = (instruction: Instruction) => squash(instructionRef(instruction).text.slice(keyword.length)).replace(/^(?:--\S+\s+)*/, '');
  let found: Instruction | undefined;
  if (keyword === 'RUN') {
    // A shortened summary ("RUN apk add …") matches the start of the command.
    found = candidates.find((instruction) => {
      const command = argumentsOf(instruction);
      return command.length > 0 && (body.includes(command) || (body.length >= 8 && command.startsWith(body)));
    });
  } else if (keyword === 'COPY' || keyword === 'ADD') {
    // The classic builder names the sources by hash: match the destination (`… in /dest`, or the last word).
    const destination = / in (\S+)\s*$/.exec(body)?.[1] ?? body.split(' ').at(-1) ?? '';
    found = candidates.find((instruction) => {
      const last = instruction.getArguments().at(-1)?.getValue() ?? '';
      return last === destination || path.posix.normalize(last) === path.posix.normalize(destination) || body === argumentsOf(instruction);
    });
  } else {
    found = candidates.find((instruction) => body.includes(argumentsOf(instruction)));
  }
  found ??= candidates.length === 1 ? candidates[0] : undefined;
  return found ? atInstruction(dockerfile, found) : null;
}

/**
 * The instruction a failing build step names: `Step 5/8 : RUN …` (classic builder) or
 * `[builder 3/5] RUN …` (BuildKit). Matched by its text, else by the classic step number.
 */
export function atBuildStep(dockerfile: DockerfileModel, step: string | null): SourceLocation | null {
  if (!step) return null;
  const classic = /^Step (\d+)\/\d+ : (.*)$/s.exec(step.trim());
  const buildkit = /^\[[^\]]*\]\s*(.*)$/s.exec(step.trim());
  const text = squash(classic?.[2] ?? buildkit?.[1] ?? step);
  const instructions = dockerfile.ast.getInstructions();
  const byText = instructions.find((instruction) => squash(instructionRef(instruction).text) === text)
    ?? instructions.find((instruction) => text.length > 0 && squash(instructionRef(instruction).text).startsWith(text));
  if (byText) return atInstruction(dockerfile, byText);
  const index = classic ? Number(classic[1]) - 1 : -1;
  const byIndex = instructions[index];
  return byIndex ? atInstruction(dockerfile, byIndex) : null;
}

/** `services.<name>…` in the learner's compose file (the deepest key that is written there). */
export function atComposeKey(compose: ComposeModel, ...keys: Array<string | number>): SourceLocation {
  const line = Number(/:(\d+)$/.exec(compose.where(...keys))?.[1] ?? 1);
  return { file: compose.file, line, column: 1 };
}

/**
 * Where a verdict points when its kind said nothing: a compose check at its service (or the file's
 * first line), any other at the final stage's FROM, where a missing instruction would go.
 */
export function defaultLocation(context: { dockerfile?: DockerfileModel; compose?: ComposeModel }, params: unknown): SourceLocation | null {
  const service = typeof params === 'object' && params !== null ? (params as { service?: unknown }).service : undefined;
  if (context.compose) return typeof service === 'string' ? atComposeKey(context.compose, 'services', service) : atComposeKey(context.compose);
  if (context.dockerfile) return atFinalStage(context.dockerfile);
  return null;
}

/** The location with its file relative to the workspace, in POSIX form (as SARIF and annotations want it). */
export function relativeTo(location: SourceLocation, workspaceDir: string): SourceLocation {
  const relative = path.isAbsolute(location.file) ? path.relative(workspaceDir, location.file) : location.file;
  return { ...location, file: relative.split(path.sep).join('/') };
}

/** The instruction that starts at (or spans) a 1-based line, as checks name lines in their evidence. */
export function atLine(dockerfile: DockerfileModel, line: unknown): SourceLocation | null {
  if (typeof line !== 'number') return null;
  const found = dockerfile.ast
    .getInstructions()
    .find((instruction) => instruction.getRange().start.line + 1 <= line && line <= instruction.getRange().end.line + 1);
  return found ? atInstruction(dockerfile, found) : { file: dockerfile.path, line, column: 1 };
}

/** The instruction of the final stage that made the biggest listed layer or wasted path (evidence of the size checks). */
export function atBiggestLayer(dockerfile: DockerfileModel, evidence: Record<string, unknown> | undefined): SourceLocation | null {
  const wasted = (evidence?.wasted as { top?: Array<{ addedBy?: string }> } | undefined)?.top ?? (evidence?.top as Array<{ addedBy?: string }> | undefined);
  const layers = evidence?.largestLayers as Array<{ instruction?: string }> | undefined;
  const createdBy = layers?.[0]?.instruction ?? wasted?.[0]?.addedBy;
  if (!createdBy) return null;
  // The layer summaries are already shortened to "RUN …"/"COPY …": a trailing ellipsis is cut off before matching.
  return atCreatedBy(dockerfile, createdBy.replace(/…$/, '')) ?? atCreatedBy(dockerfile, createdBy.replace(/…$/, '').split(' ').slice(0, 4).join(' '));
}
