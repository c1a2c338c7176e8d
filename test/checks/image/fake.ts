import type {
  BuildVariant,
  CommandOptions,
  CommandRun,
  ContainerRunner,
  HealthOutcome,
  ImageContext,
  ImageFacts,
  ImageInspector,
  ImageLayer,
  RuntimeContext,
  VariantBuild,
} from '../../../src/checks/kind.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';

export function facts(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return {
    id: 'sha256:built',
    size: 50_000_000,
    healthcheck: null,
    user: '',
    workingDir: '',
    cmd: null,
    entrypoint: null,
    env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    ...overrides,
  };
}

export function commandRun(overrides: Partial<CommandRun> = {}): CommandRun {
  return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 12, ...overrides };
}

/** Records what the check asked for; answers come from the given handlers. */
export class FakeInspector implements ImageInspector {
  readonly runs: Array<{ imageId: string; command: string[]; options?: CommandOptions }> = [];
  readonly variants: BuildVariant[] = [];
  readonly pathQueries: Array<{ imageId: string; path: string }> = [];

  constructor(
    private readonly answers: {
      run?: (command: string[], imageId: string) => CommandRun;
      paths?: Record<string, string[]>;
      variant?: (variant: BuildVariant) => VariantBuild;
      history?: ImageLayer[];
    } = {},
  ) {}

  async history() {
    return this.answers.history ?? [];
  }
  async run(imageId: string, command: string[], options?: CommandOptions) {
    this.runs.push({ imageId, command, options });
    if (!this.answers.run) throw new Error('no command answer configured');
    return this.answers.run(command, imageId);
  }
  async buildVariant(variant: BuildVariant) {
    this.variants.push(variant);
    if (!this.answers.variant) throw new Error('no variant answer configured');
    return this.answers.variant(variant);
  }
  async inspect() {
    return null;
  }
  async pathExists(imageId: string, path: string) {
    this.pathQueries.push({ imageId, path });
    return (this.answers.paths?.[imageId] ?? []).includes(path);
  }
  async starterBaseline() {
    return { bytes: 0, source: 'built' as const, layers: 0, buildMs: 0 };
  }
}

export function imageContext(image: ImageFacts, inspector: ImageInspector, workspaceDir = '/tmp'): ImageContext {
  return {
    dockerfile: DockerfileModel.parse(`${workspaceDir}/Dockerfile`, 'FROM scratch\n'),
    workspaceDir,
    image,
    finalBase: null,
    inspector,
  };
}

export function runtimeContext(
  image: ImageFacts,
  answer: (command: string[]) => { health: HealthOutcome; run: CommandRun | null },
): RuntimeContext & { execs: string[][] } {
  const execs: string[][] = [];
  const runner: ContainerRunner = {
    async runUntilHealthy() {
      throw new Error('not used here');
    },
    async execWhenHealthy(_image, command) {
      execs.push(command);
      return answer(command);
    },
  };
  return { ...imageContext(image, new FakeInspector()), runner, execs };
}

export function health(status: HealthOutcome['status'], overrides: Partial<HealthOutcome> = {}): HealthOutcome {
  return { status, elapsedMs: 1500, log: [], containerLogTail: [], declared: null, ...overrides };
}
