/**
 * A stand-in for src/grading/engine-side.ts (and the compose stack), for tests that drive a whole verify
 * with no Docker: every engine call answers from the scenario below, deterministically, and is logged so a
 * test can see what was opened and disposed. Calls it does not fake throw, so a check that needs one fails
 * with that reason (never passes without having looked).
 */
import type { BuildEvent, BuildResult } from '../../src/engine/build.js';
import type { Engine } from '../../src/engine/connect.js';
import type { HealthOutcome, ImageFacts } from '../../src/checks/kind.js';

export interface FakeScenario {
  /** A failing build: its message and step; no image. */
  buildFailure?: { message: string; step?: string } | null;
  engineLost?: boolean;
  missingBaseImage?: string | null;
  /** The image the build makes. */
  image: ImageFacts;
  /** Paths that exist in the built image. */
  paths: string[];
  health: HealthOutcome['status'];
  stackUp: boolean;
  starterBytes: number;
}

export const fakeState = {
  scenario: null as FakeScenario | null,
  log: [] as string[],
  /** The learner's build requests, as given (what the run passed to the engine side). */
  buildRequests: [] as unknown[],
};

export function resetFake(scenario: FakeScenario): void {
  fakeState.scenario = scenario;
  fakeState.log = [];
  fakeState.buildRequests = [];
}

const scenario = (): FakeScenario => {
  if (!fakeState.scenario) throw new Error('fake engine: no scenario');
  return fakeState.scenario;
};
const notFaked = (what: string) => () => {
  throw new Error(`fake engine: ${what} is not faked`);
};

export const fakeEngine: Engine = {
  docker: { version: async () => ({ Components: [{ Name: 'Engine' }] }) } as never,
  info: {
    endpoint: 'unix:///fake/docker.sock',
    endpointSource: 'default',
    foundBy: 'the fake engine',
    serverVersion: '20.10.24',
    apiVersion: '1.41',
    os: 'linux',
    architecture: 'x86_64',
  } as Engine['info'],
};

export class FakeRunScope {
  readonly runId = 'fake-run';
  readonly labels = { 'dev.shipshape.run': 'fake-run' };
  kept: string[] = [];
  constructor(
    readonly docker: unknown,
    readonly challengeId?: string,
  ) {
    fakeState.log.push(`scope:open ${challengeId}`);
  }
  keepImage(id: string): void {
    this.kept.push(id);
  }
  async dispose() {
    fakeState.log.push('scope:dispose');
    return { containers: 1, images: 1, errors: [] as string[] };
  }
}

export const DEFAULT_LIMITS = { memoryBytes: 268435456, nanoCpus: 1_000_000_000, pidsLimit: 256 };

async function buildImage(_engine: Engine, _scope: unknown, request: { onEvent?: (event: BuildEvent) => void; buildkit?: boolean; secrets?: unknown[] }): Promise<BuildResult> {
  const s = scenario();
  fakeState.buildRequests.push(request);
  fakeState.log.push(`build buildkit=${Boolean(request.buildkit)} secrets=${request.secrets?.length ?? 0}`);
  request.onEvent?.({ type: 'step', index: 1, total: 2, instruction: 'FROM base' } as BuildEvent);
  request.onEvent?.({ type: 'output', line: 'fake output' } as BuildEvent);
  const failed = Boolean(s.buildFailure);
  return {
    imageId: failed ? null : s.image.id,
    failure: s.buildFailure ?? null,
    durationMs: 1234,
    steps: 2,
    stepLog: [],
    context: { fileCount: 3, totalBytes: 300, ignoredCount: 0 },
    missingBaseImage: s.missingBaseImage ?? null,
    engineLost: s.engineLost ?? false,
    builder: request.buildkit ? 'buildkit' : 'classic',
    ...(request.buildkit ? { buildCache: { attributed: 0, note: 'fake cache note' } } : {}),
  } as unknown as BuildResult;
}

async function inspectImage(_engine: Engine, ref: string): Promise<ImageFacts> {
  const s = scenario();
  if (ref === s.image.id) return s.image;
  // A base image: small, no health check.
  return { ...s.image, id: `sha256:base-${ref}`, size: 5_000_000, healthcheck: null, layerCount: 1 };
}

async function imagePathExists(_engine: Engine, _scope: unknown, _imageId: string, probe: string): Promise<boolean> {
  return scenario().paths.includes(probe);
}

async function imageHistory() {
  return [{ id: 'layer', createdBy: 'RUN fake', size: 100, comment: '' }];
}

async function runUntilHealthy(_engine: Engine, _scope: unknown, _image: ImageFacts, options: { onProbe?: (probe: { index: number; exitCode: number; output: string; atMs: number }) => void }): Promise<HealthOutcome> {
  const status = scenario().health;
  fakeState.log.push(`run:${status}`);
  options.onProbe?.({ index: 0, exitCode: status === 'healthy' ? 0 : 1, output: 'probe \u001b[31moutput', atMs: 10 });
  return {
    status,
    elapsedMs: 10,
    log: [{ exitCode: status === 'healthy' ? 0 : 1, output: 'probe output', start: '', end: '' }] as never,
    containerLogTail: ['started'],
    declared: { interval: '1s', timeout: '1s', startPeriod: '0s', retries: 3 },
  };
}

async function starterBaseline(options: { onNote?: (message: string) => void }) {
  fakeState.log.push('baseline');
  options.onNote?.('Measuring the starter image (fake)…');
  return { bytes: scenario().starterBytes, source: 'built' as const, layers: 7, buildMs: 999 };
}

async function gatherProvenance(_engine: Engine, images: unknown[], builder: string | null) {
  return { engine: 'fake', images: (images as Array<{ ref?: string }>).map((image) => image.ref ?? String(image)), builder };
}

export const fakeEngineSide = {
  buildImage,
  imageHistory,
  imagePathExists,
  inspectImage,
  runInImage: notFaked('runInImage'),
  DEFAULT_LIMITS,
  execInContainer: notFaked('execInContainer'),
  runUntilHealthy,
  RunScope: FakeRunScope,
  buildVariant: notFaked('buildVariant'),
  findTextInImage: async () => ({ hits: [], read: { layout: 'legacy', layers: 5, compression: { none: 5, gzip: 0, zstd: 0 }, tarBytes: 1000 }, searchedLayers: 5 }),
  imageWastedBytes: notFaked('imageWastedBytes'),
  starterBaseline,
  gatherProvenance,
  startRegistry: notFaked('startRegistry'),
  indexPlatforms: notFaked('indexPlatforms'),
  multiPlatformSupport: notFaked('multiPlatformSupport'),
  readFileHead: notFaked('readFileHead'),
  cosignTool: notFaked('cosignTool'),
};

/** The compose stack: `up` succeeds or not as the scenario says; the stack's engine calls are not faked. */
export class FakeComposeStack {
  readonly project = 'shipshape-fake-run';
  constructor(readonly options: unknown) {
    fakeState.log.push('stack:new');
  }
  async start() {
    fakeState.log.push('stack:up');
    const ok = scenario().stackUp;
    return {
      ok,
      message: ok ? 'the stack is up' : 'service db exited with code 1',
      durationMs: 4321,
      outputTail: ok ? [] : ['db exited \u001b[2Jcode 1'],
    };
  }
  async down(): Promise<string[]> {
    fakeState.log.push('stack:down');
    return [];
  }
  containers = notFaked('stack.containers');
  healthyTimes = () => [];
  waitReady = notFaked('stack.waitReady');
  exec = notFaked('stack.exec');
  logs = async () => [];
  httpGet = notFaked('stack.httpGet');
  runService = notFaked('stack.runService');
  withVolumeContainer = notFaked('stack.withVolumeContainer');
  probe = notFaked('stack.probe');
  containmentLimits = { memoryBytes: 1, pidsLimit: 1, nanoCpus: 1 };
}
