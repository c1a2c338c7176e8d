import type { ZodApi } from '../zod-api.js';
import type { Instruction } from 'dockerfile-ast';
import type { DockerfileModel, Stage } from './model.js';
import { expandWord, splitWords } from './args.js';

/** What an instruction says after its keyword and flags, line continuations joined (heredoc bodies included). */
export function argumentText(instruction: Instruction): string {
  return (instruction.getArgumentsContent() ?? '').trim();
}

/** Parses the exec (JSON) form the way the builder does: a JSON array of strings, or null for shell form. */
export function parseExecForm(text: string): string[] | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed as string[];
  } catch {
    // Not valid JSON: the builder runs it in shell form.
  }
  return null;
}

/** The command a RUN executes: the exec-form strings joined by a space, or the shell-form text. */
export function runCommand(instruction: Instruction): string {
  const text = argumentText(instruction);
  return parseExecForm(text)?.join(' ') ?? text;
}

/**
 * Sources and destination of COPY / ADD, in shell or exec (JSON) form. Here-documents (`COPY <<EOF /dest`)
 * are files written inline, not sources from the context: they are listed apart and their bodies skipped.
 */
export function copyOperands(instruction: Instruction): { sources: string[]; destination: string | null; heredocs: string[] } {
  const withHeredocs = instruction as Instruction & { getHeredocs?: () => Array<{ getName(): string }> };
  const heredocs = withHeredocs.getHeredocs?.().map((heredoc) => heredoc.getName()) ?? [];
  let text = argumentText(instruction);
  // The operands are on the first line; the here-document bodies follow it.
  if (heredocs.length > 0) text = text.split('\n', 1)[0] ?? '';
  const operands = (parseExecForm(text) ?? splitWords(text).map(unquote)).filter((value) => !value.startsWith('--'));
  const inline = operands.filter((value) => value.startsWith('<<'));
  const files = operands.filter((value) => !value.startsWith('<<'));
  if (inline.length > 0) {
    return { sources: files.slice(0, -1), destination: files.at(-1) ?? null, heredocs };
  }
  if (operands.length < 2) return { sources: operands, destination: null, heredocs };
  return { sources: operands.slice(0, -1), destination: operands.at(-1) ?? null, heredocs };
}

function unquote(word: string): string {
  return word.length >= 2 && (word[0] === '"' || word[0] === "'") && word.at(-1) === word[0] ? word.slice(1, -1) : word;
}

/** `./app/vendor/` → `/app/vendor`: COPY --from sources are relative to the root of the source stage. */
export function normaliseSourcePath(path: string): string {
  let result = path.trim().replace(/\/{2,}/g, '/');
  while (result.startsWith('./')) result = result.slice(2);
  if (result === '.' || result === '') return '/';
  if (!result.startsWith('/')) result = `/${result}`;
  result = result.replace(/\/\.$/, '');
  while (result.length > 1 && result.endsWith('/')) result = result.slice(0, -1);
  return result;
}

/** The stage a `--from=` value or `FROM <name>` refers to: a name or index of a stage before `beforeIndex`. */
export function earlierStage(dockerfile: DockerfileModel, ref: string, beforeIndex: number): Stage | undefined {
  return dockerfile.earlierStage(ref, beforeIndex);
}

/** The chain of earlier stages a stage is built `FROM`, nearest first (not including the stage itself). */
export function parentChain(_dockerfile: DockerfileModel, stage: Stage): Stage[] {
  const chain: Stage[] = [];
  // A parent is always an earlier stage, so the chain ends.
  for (let parent = stage.parent; parent; parent = parent.parent) chain.push(parent);
  return chain;
}

/** Stages a stage reads files from: COPY --from=<stage> and RUN --mount=...,from=<stage>. */
export function copiedFromStages(dockerfile: DockerfileModel, stage: Stage): Stage[] {
  const found: Stage[] = [];
  for (const instruction of stage.instructions) {
    for (const ref of fromReferences(instruction)) {
      const source = earlierStage(dockerfile, ref, stage.index);
      if (source && !found.includes(source)) found.push(source);
    }
  }
  return found;
}

/** Every stage whose result reaches the final image, by FROM or by copying/mounting from it. */
export function stagesUsedByFinal(dockerfile: DockerfileModel): Set<Stage> {
  const used = new Set<Stage>();
  const final = dockerfile.finalStage;
  if (!final) return used;
  const pending: Stage[] = [final];
  while (pending.length > 0) {
    const stage = pending.pop()!;
    if (used.has(stage)) continue;
    used.add(stage);
    // The direct parent only: its own parent follows when it is popped, so a long chain stays linear.
    if (stage.parent) pending.push(stage.parent);
    pending.push(...copiedFromStages(dockerfile, stage));
  }
  return used;
}

function fromReferences(instruction: Instruction): string[] {
  const withFlags = instruction as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const refs: string[] = [];
  for (const flag of withFlags.getFlags?.() ?? []) {
    const name = flag.getName().toLowerCase();
    const value = flag.getValue();
    if (!value) continue;
    if (name === 'from') refs.push(value);
    if (name === 'mount') {
      for (const option of value.split(',')) {
        const [key, optionValue] = option.split('=', 2);
        if (key?.trim().toLowerCase() === 'from' && optionValue) refs.push(optionValue.trim());
      }
    }
  }
  return refs;
}

/** Expands `$NAME` / `${NAME}` as FROM lines see them (global ARGs, build args, platform ARGs). */
export function expandInitialArgs(dockerfile: DockerfileModel, text: string): string {
  try {
    return expandWord(text, dockerfile.args, dockerfile.ast.getEscapeCharacter?.() ?? '\\').value;
  } catch {
    return text;
  }
}

/** `lines 3, 9` or `line 3`. */
export function linesPhrase(lines: number[]): string {
  // Thousands of repeated instructions must not make a message of thousands of numbers.
  const shown = lines.length > 12 ? `${lines.slice(0, 10).join(', ')} … and ${lines.length - 10} more` : lines.join(', ');
  return `line${lines.length === 1 ? '' : 's'} ${shown}`;
}

/** How the final stage is named in messages: `stage 2 "app" (final) at line 8`, or `stage 1 (the only stage) at line 1`. */
export function describeFinal(dockerfile: DockerfileModel, stage: Stage): string {
  if (dockerfile.stages.length > 1) return dockerfile.describe(stage);
  const label = stage.name ? ` "${stage.name}"` : '';
  return `stage ${stage.index + 1}${label} (the only stage) at line ${stage.line}`;
}

/** A manifest parameter holding a regular expression: refused at load time when it does not compile. */
export const regexSource = (z: ZodApi) =>
  z
  .string()
  .min(1)
  .max(500)
  .refine((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

/**
 * The instructions of one keyword that apply to the final stage: its own, or else those of the
 * nearest stage it is built FROM (they are inherited), with the stage that declared them.
 */
export function effectiveInstructions(dockerfile: DockerfileModel, final: Stage, keyword: string): { owner: Stage; declared: Instruction[] } {
  const declaredIn = (stage: Stage) => stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
  const own = declaredIn(final);
  if (own.length > 0) return { owner: final, declared: own };
  const ancestor = parentChain(dockerfile, final).find((stage) => declaredIn(stage).length > 0);
  return ancestor ? { owner: ancestor, declared: declaredIn(ancestor) } : { owner: final, declared: [] };
}

/** The CMD or ENTRYPOINT the final image ends up with, worked out as the builder does. */
export interface EffectiveCommand {
  /** The instruction that takes effect, or null when none in the Dockerfile does. */
  instruction: Instruction | null;
  /** The stage that declared it. */
  owner: Stage | null;
  /** Earlier instructions of the same keyword in that stage, overridden by it. */
  overridden: Instruction[];
  /** CMD only: the ENTRYPOINT that reset the inherited CMD (Docker clears it when a stage sets ENTRYPOINT before any CMD). */
  resetBy: { instruction: Instruction; stage: Stage } | null;
  /** The stage at the start of the FROM chain, and what it starts from (an image, or `scratch`). */
  root: Stage;
}

/**
 * Replays CMD and ENTRYPOINT along the final stage's FROM chain, root first. Each stage starts with
 * its parent's values; an ENTRYPOINT in a stage that has not set CMD yet clears the CMD (both the
 * classic builder and BuildKit do this), so an inherited CMD does not survive it.
 */
export function effectiveCommand(dockerfile: DockerfileModel, final: Stage, keyword: 'CMD' | 'ENTRYPOINT'): EffectiveCommand {
  const chain = [final, ...parentChain(dockerfile, final)].reverse();
  let current: { instruction: Instruction; stage: Stage } | null = null;
  let resetBy: EffectiveCommand['resetBy'] = null;
  for (const stage of chain) {
    let cmdSet = false;
    for (const instruction of stage.instructions) {
      const seen = instruction.getKeyword();
      if (seen === keyword) {
        current = { instruction, stage };
        resetBy = null;
        if (seen === 'CMD') cmdSet = true;
      } else if (keyword === 'CMD' && seen === 'ENTRYPOINT' && !cmdSet) {
        current = null;
        resetBy = { instruction, stage };
      }
    }
  }
  const overridden = current
    ? current.stage.instructions.filter((instruction) => instruction.getKeyword() === keyword && instruction !== current!.instruction && instructionLine(instruction) < instructionLine(current!.instruction))
    : [];
  return { instruction: current?.instruction ?? null, owner: current?.stage ?? null, overridden, resetBy, root: chain[0]! };
}

function instructionLine(instruction: Instruction): number {
  return instruction.getRange().start.line;
}

/** How the image a stage chain starts from is named: scratch and stages are not "the base image". */
export function describeBase(dockerfile: DockerfileModel, stage: Stage): string {
  const root = dockerfile.rootOf(stage);
  const through = root === stage ? '' : ` (through ${dockerfile.describe(stage.parent!)})`;
  if (root.image.toLowerCase() === 'scratch') return `scratch, the empty image${through}`;
  return `the base image ${root.image}${through}`;
}
