import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';

/** One build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  index: number;
  /** The `AS name` alias, lower-cased as the builder treats it, or null. */
  name: string | null;
  /** The FROM argument as written (image reference or an earlier stage's name). */
  from: string;
  /** 1-based line of the FROM instruction. */
  line: number;
  instructions: Instruction[];
}

export interface InstructionRef {
  keyword: string;
  line: number;
  text: string;
}

/** A parsed Dockerfile with the stage structure the checks reason about. */
export class DockerfileModel {
  readonly stages: Stage[];

  constructor(
    readonly path: string,
    readonly source: string,
    readonly ast: Dockerfile,
  ) {
    this.stages = splitStages(ast);
  }

  static parse(path: string, source: string): DockerfileModel {
    return new DockerfileModel(path, source, DockerfileParser.parse(stripBom(source)));
  }

  get finalStage(): Stage | undefined {
    return this.stages.at(-1);
  }

  get nonFinalStages(): Stage[] {
    return this.stages.slice(0, -1);
  }

  stageNamed(name: string): Stage | undefined {
    const wanted = name.toLowerCase();
    return this.stages.find((stage) => stage.name === wanted);
  }

  /** Follows `FROM <stage>` chains back to the external image a stage starts from. */
  externalBaseOf(stage: Stage): string {
    const seen = new Set<number>();
    let current: Stage = stage;
    for (;;) {
      seen.add(current.index);
      const parent = this.stages.find(
        (candidate) => candidate.index < current.index && candidate.name === current.from.toLowerCase(),
      );
      if (!parent || seen.has(parent.index)) return current.from;
      current = parent;
    }
  }

  /** Where a stage is named in messages: `stage 2 "builder" (line 5)`. */
  describe(stage: Stage): string {
    const label = stage.name ? ` "${stage.name}"` : '';
    const finalMark = stage === this.finalStage && this.stages.length > 1 ? ' (final)' : '';
    return `stage ${stage.index + 1}${label}${finalMark} at line ${stage.line}`;
  }
}

export function instructionRef(instruction: Instruction): InstructionRef {
  return {
    keyword: instruction.getKeyword(),
    line: instruction.getRange().start.line + 1,
    text: instruction.toString().replace(/\\\r?\n\s*/g, ' ').trim(),
  };
}

/** Flags such as --from=builder, read from getFlags() because getFromFlag() gives up when other flags are present. */
export function flagValue(instruction: Instruction, name: string): string | null {
  const withFlags = instruction as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const flag = withFlags.getFlags?.().find((candidate) => candidate.getName().toLowerCase() === name);
  return flag ? flag.getValue() : null;
}

/** The arguments after flags, e.g. sources and destination of COPY. */
export function plainArguments(instruction: Instruction): string[] {
  return instruction
    .getArguments()
    .map((argument) => argument.getValue())
    .filter((value) => !value.startsWith('--'));
}

function splitStages(ast: Dockerfile): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of ast.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = plainArguments(instruction);
      const asIndex = args.findIndex((value) => value.toLowerCase() === 'as');
      stages.push({
        index: stages.length,
        name: asIndex >= 0 && args[asIndex + 1] ? args[asIndex + 1]!.toLowerCase() : null,
        from: args[0] ?? '',
        line: instruction.getRange().start.line + 1,
        instructions: [],
      });
      continue;
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

function stripBom(source: string): string {
  return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}
