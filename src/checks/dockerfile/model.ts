import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { type ArgSettings, ExpansionError, expandWord, globalArgs, splitWords } from './args.js';

/** One build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  index: number;
  /** The `AS name` alias, lower-cased as the builder treats it, or null. */
  name: string | null;
  /** The FROM argument as written (image reference or an earlier stage's name, variables unexpanded). */
  from: string;
  /** The FROM argument as the builder reads it: ARGs expanded, quotes removed. */
  image: string;
  /** The earlier stage this one is built FROM (through a name or a variable naming it), or null for an image. */
  parent: Stage | null;
  /** Why `image` could not be worked out (`${X:?msg}` with X unset), or null. */
  expansionError: string | null;
  /** Variables the FROM line names that have no value (the builder expands them to ""). */
  unsetArgs: string[];
  /** 1-based line of the FROM instruction. */
  line: number;
  instructions: Instruction[];
}

export interface InstructionRef {
  keyword: string;
  line: number;
  text: string;
}

export interface ModelOptions extends ArgSettings {}

/** A parsed Dockerfile with the stage structure the checks reason about. */
export class DockerfileModel {
  readonly stages: Stage[];
  /** The values FROM lines see (global ARGs, build args, BuildKit's platform ARGs). */
  readonly args: ReadonlyMap<string, string>;
  private readonly byName = new Map<string, Stage>();

  constructor(
    readonly path: string,
    readonly source: string,
    readonly ast: Dockerfile,
    readonly options: ModelOptions = {},
  ) {
    this.args = globalArgs(ast, options);
    this.stages = this.splitStages();
  }

  static parse(path: string, source: string, options: ModelOptions = {}): DockerfileModel {
    return new DockerfileModel(path, source, DockerfileParser.parse(stripBom(source)), options);
  }

  get finalStage(): Stage | undefined {
    return this.stages.at(-1);
  }

  get nonFinalStages(): Stage[] {
    return this.stages.slice(0, -1);
  }

  stageNamed(name: string): Stage | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** A stage named `ref` (or, for COPY --from, numbered `ref`) defined before `beforeIndex`. */
  earlierStage(ref: string, beforeIndex: number): Stage | undefined {
    const byName = this.byName.get(ref.toLowerCase());
    if (byName && byName.index < beforeIndex) return byName;
    if (/^\d+$/.test(ref)) {
      const index = Number(ref);
      if (index < beforeIndex) return this.stages[index];
    }
    return undefined;
  }

  /** The stage at the start of `stage`'s FROM chain (the stage itself when it starts from an image). */
  rootOf(stage: Stage): Stage {
    let current = stage;
    while (current.parent) current = current.parent;
    return current;
  }

  /** Follows `FROM <stage>` chains back to the external image a stage starts from, ARGs expanded. */
  externalBaseOf(stage: Stage): string {
    return this.rootOf(stage).image;
  }

  /** Where a stage is named in messages: `stage 2 "builder" (line 5)`. */
  describe(stage: Stage): string {
    const label = stage.name ? ` "${stage.name}"` : '';
    const finalMark = stage === this.finalStage && this.stages.length > 1 ? ' (final)' : '';
    return `stage ${stage.index + 1}${label}${finalMark} at line ${stage.line}`;
  }

  private splitStages(): Stage[] {
    const stages: Stage[] = [];
    const escape = this.ast.getEscapeCharacter?.() ?? '\\';
    for (const instruction of this.ast.getInstructions()) {
      if (instruction.getKeyword() !== 'FROM') {
        stages.at(-1)?.instructions.push(instruction);
        continue;
      }
      const words = splitWords(instruction.getArgumentsContent() ?? '', escape).filter((word) => !word.startsWith('--'));
      const from = words[0] ?? '';
      const asIndex = words.findIndex((value, index) => index > 0 && value.toLowerCase() === 'as');
      let image = from;
      let expansionError: string | null = null;
      let unsetArgs: string[] = [];
      try {
        ({ value: image, unset: unsetArgs } = expandWord(from, this.args, escape));
      } catch (error) {
        if (!(error instanceof ExpansionError)) throw error;
        expansionError = error.message;
      }
      // The builder looks the expanded name up among the stages defined so far.
      const parent = this.byName.get(image.toLowerCase()) ?? null;
      const name = asIndex >= 0 && words[asIndex + 1] ? words[asIndex + 1]!.toLowerCase() : null;
      const stage: Stage = { index: stages.length, name, from, image, parent, expansionError, unsetArgs, line: instruction.getRange().start.line + 1, instructions: [] };
      stages.push(stage);
      // The first stage of a name is the one a reference finds.
      if (name && !this.byName.has(name)) this.byName.set(name, stage);
    }
    return stages;
  }
}

export function instructionRef(instruction: Instruction): InstructionRef {
  return {
    keyword: instruction.getKeyword(),
    line: instruction.getRange().start.line + 1,
    text: instruction.toString().replace(/\\\r?\n\s*/g, ' ').trim(),
  };
}

type FlagHolder = Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };

/** Flags such as --from=builder, read from getFlags() because getFromFlag() gives up when other flags are present. */
export function flagValue(instruction: Instruction, name: string): string | null {
  const flag = (instruction as FlagHolder).getFlags?.().find((candidate) => candidate.getName().toLowerCase() === name);
  return flag ? flag.getValue() : null;
}

/** The arguments after flags, e.g. sources and destination of COPY. */
export function plainArguments(instruction: Instruction): string[] {
  return instruction
    .getArguments()
    .map((argument) => argument.getValue())
    .filter((value) => !value.startsWith('--'));
}

function stripBom(source: string): string {
  return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}
