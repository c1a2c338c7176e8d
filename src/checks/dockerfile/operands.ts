import { z } from 'zod';
import type { Instruction } from 'dockerfile-ast';
import type { DockerfileModel, Stage } from './model.js';

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

/** Sources and destination of COPY / ADD, in shell or exec (JSON) form. */
export function copyOperands(instruction: Instruction): { sources: string[]; destination: string | null } {
  const text = argumentText(instruction);
  const operands =
    parseExecForm(text) ??
    instruction
      .getArguments()
      .map((argument) => argument.getValue())
      .filter((value) => !value.startsWith('--'));
  if (operands.length < 2) return { sources: operands, destination: null };
  return { sources: operands.slice(0, -1), destination: operands.at(-1) ?? null };
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
  const wanted = ref.toLowerCase();
  const byName = dockerfile.stages.find((stage) => stage.index < beforeIndex && stage.name === wanted);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const index = Number(ref);
    if (index < beforeIndex) return dockerfile.stages[index];
  }
  return undefined;
}

/** The chain of earlier stages a stage is built `FROM`, nearest first (not including the stage itself). */
export function parentChain(dockerfile: DockerfileModel, stage: Stage): Stage[] {
  const chain: Stage[] = [];
  let current = stage;
  for (;;) {
    const parent = dockerfile.stages.find(
      (candidate) => candidate.index < current.index && candidate.name === current.from.toLowerCase(),
    );
    if (!parent || chain.includes(parent)) return chain;
    chain.push(parent);
    current = parent;
  }
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
    pending.push(...parentChain(dockerfile, stage), ...copiedFromStages(dockerfile, stage));
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

/** Expands `$NAME` / `${NAME}` with the defaults of ARGs declared before the first FROM (as FROM lines see them). */
export function expandInitialArgs(dockerfile: DockerfileModel, text: string): string {
  const defaults = new Map<string, string>();
  for (const arg of dockerfile.ast.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) defaults.set(property.getName(), property.getValue() ?? '');
  }
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole: string, braced: string | undefined, operator: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const value = defaults.get((braced ?? bare)!);
      if (operator === ':-') return value ? value : (fallback ?? '');
      if (operator === '-') return value ?? fallback ?? '';
      return value ?? whole;
    },
  );
}

/** `lines 3, 9` or `line 3`. */
export function linesPhrase(lines: number[]): string {
  return `line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}`;
}

/** How the final stage is named in messages: `stage 2 "app" (final) at line 8`, or `stage 1 (the only stage) at line 1`. */
export function describeFinal(dockerfile: DockerfileModel, stage: Stage): string {
  if (dockerfile.stages.length > 1) return dockerfile.describe(stage);
  const label = stage.name ? ` "${stage.name}"` : '';
  return `stage ${stage.index + 1}${label} (the only stage) at line ${stage.line}`;
}

/** A manifest parameter holding a regular expression: refused at load time when it does not compile. */
export const regexSource = z
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
