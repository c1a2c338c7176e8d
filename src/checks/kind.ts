import type { z } from 'zod';
import type { DockerfileModel } from './dockerfile/model.js';
import type { ComposeModel } from './compose/model.js';
import type { SourceLocation } from './location.js';
import { type ZodApi, zodApi } from './zod-api.js';

/**
 * Cheap phases run first; a later phase is skipped, with the reason, when one it needs failed.
 * `compose` checks read the normalised compose model (no engine); `stack` checks run against the
 * compose stack brought up once per verify.
 */
export const PHASES = ['static', 'compose', 'build', 'image', 'runtime', 'stack'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * What a check function decides. `evidence` is what it saw (sizes, paths, health log), shown and put in --json.
 * `advice`: it works, but there is a better way; full points, never blocks a pass (the kind says when in `advises`).
 */
export interface Verdict {
  /** `skip` only with `skippedFor: 'engine'`: this engine cannot show what the check grades (see `unsupported`). */
  status: 'pass' | 'fail' | 'advice' | 'skip';
  /** Why a `skip` verdict: the engine lacks a feature the check needs (the message names it). */
  skippedFor?: 'engine';
  message: string;
  /**
   * What to do about this verdict's own reason: for a fail, a hint about what failed (the manifest's hint
   * is the fallback when absent); for an advice, the better way.
   */
  hint?: string;
  evidence?: Record<string, unknown>;
  /** The line in the learner's Dockerfile or compose file that caused it (see src/checks/location.ts). */
  location?: SourceLocation;
}

export interface StaticContext {
  dockerfile: DockerfileModel;
  workspaceDir: string;
}

export interface BuildFailure {
  /** e.g. "Step 5/8 : RUN composer install" */
  step: string | null;
  message: string;
  lastLines: string[];
}

export interface BuildStep {
  index: number;
  instruction: string;
  /** The engine reused a cached layer for this step. */
  cached: boolean;
}

export interface BuildOutcome {
  imageId: string | null;
  failure: BuildFailure | null;
  durationMs: number;
  steps: number;
  stepLog: BuildStep[];
  /**
   * Which builder made the image: the classic builder or BuildKit, both through the Engine API, or
   * BuildKit through the docker CLI (a fallback when the engine opens no session).
   */
  builder?: 'classic' | 'buildkit' | 'buildkit-cli';
}

export interface BuildContext extends StaticContext {
  build: BuildOutcome;
}

/** What an image size means: the same on every engine and image store (see src/engine/image-size.ts). */
export type SizeMeasure = 'uncompressed layers';
export const SIZE_MEASURE: SizeMeasure = 'uncompressed layers';

export interface ImageFacts {
  id: string;
  /** The uncompressed size of the image's layers, as overlay2 reports it, on every image store. */
  size: number;
  /**
   * How `size` was measured: the engine's figure (graph drivers) or the layers counted (containerd
   * store). With `problem`, the layers could not be read: `size` is NaN, so no budget can pass on it.
   */
  sizeMeasure?: { measure: SizeMeasure; source: 'engine' | 'layers' | 'cache'; problem?: string };
  /** Image config healthcheck as the engine stores it (durations in ns), or null. */
  healthcheck: { test: string[]; intervalNs: number; timeoutNs: number; startPeriodNs: number; retries: number } | null;
  user: string;
  workingDir: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[];
  /** Image config labels (our run labels included). */
  labels?: Record<string, string>;
  /** Number of filesystem layers (RootFS), base image layers included. */
  layerCount?: number;
}

export interface Baseline {
  /** The starter image's size, measured as ImageFacts.size is. */
  bytes: number;
  /** Where the figure came from: built now or read from the cache of an earlier measurement on this engine. */
  source: 'built' | 'cache';
  /** Filesystem layers of the starter image, and how long its build took (for the before/after of a pass). */
  layers: number;
  buildMs: number;
}

/** One entry of `docker history`: the instruction that made a layer and the bytes it added. */
export interface ImageLayer {
  id: string;
  createdBy: string;
  size: number;
  created: number;
}

/** What a command run in a container gave (docker exec, or a fresh container of the image). */
export interface CommandRun {
  /** Null when it has none: stopped at its time limit, or the engine never reported one. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The command was stopped at its time limit. */
  timedOut: boolean;
  durationMs: number;
}

export interface CommandOptions {
  /** Replaces the image's ENTRYPOINT (e.g. [] to run the command as is). */
  entrypoint?: string[];
  user?: string;
  env?: string[];
  timeoutMs?: number;
  /** Network access (bridge); off by default. */
  network?: boolean;
}

/** A second build of the same workspace with other settings, within the same run (shares its layer cache). */
export interface BuildVariant {
  target?: string;
  buildArgs?: Record<string, string>;
  /** Files replaced in a copy of the workspace before building: relative path → new content. */
  changes?: Record<string, string>;
  /** Another Dockerfile of the workspace (relative path), built with the workspace as its context. */
  dockerfile?: string;
}

export interface VariantBuild {
  outcome: BuildOutcome;
  image: ImageFacts | null;
}

/** A file whose bytes are in a layer but hidden by a later one (deleted or overwritten). */
export interface WastedPath {
  path: string;
  bytes: number;
  how: 'deleted' | 'overwritten';
  addedBy: string;
  removedBy: string;
  /** 1-based positions among the image's layers (base first). */
  addedInLayer: number;
  removedInLayer: number;
}

/** Bytes stored and pulled with the image that no container can see, as dive measures them. */
export interface WastedBytes {
  totalBytes: number;
  files: number;
  /** The biggest wasted paths. */
  top: WastedPath[];
  layers: number;
  /** Layers up to this one (the base image's) were not counted as the ones hiding bytes. */
  sinceLayer: number;
  /** How the layers were read (absent from fakes that do not read any). */
  read?: LayersRead;
}

/** Which layers a check read from the image's archive and how they were stored: part of its evidence. */
export interface LayersRead {
  /** `docker save` layout: legacy `<id>/layer.tar` (Docker up to 24) or OCI blobs (Docker 25+). */
  layout: 'legacy' | 'oci';
  /** Layers read, each matched to a diff id of the image's RootFS. */
  layers: number;
  /** How many were stored as plain tar, gzip or zstd (the containerd image store keeps them compressed). */
  compression: { none: number; gzip: number; zstd: number };
  /** Sum of the uncompressed layer tars. */
  tarBytes: number;
}

/** A file of a layer whose bytes contain a searched value. */
export interface TextHit {
  path: string;
  /** 1-based layer position, base first. */
  layer: number;
  createdBy: string;
}

/** Result of searching an image's layers: the hits, and what was read to find them. */
export interface TextSearch {
  hits: TextHit[];
  read: LayersRead;
  /** Layers above `sinceLayer` whose files were searched. */
  searchedLayers: number;
}

/** A manifest (or image index) as a registry serves it, with the labels of its image config. */
export interface RegistryManifest {
  /** The content digest the registry names it by (`Docker-Content-Digest`). */
  digest: string;
  mediaType: string;
  /** The image config's labels (empty for an index). */
  labels: Record<string, string>;
  layers: number;
  os?: string;
  architecture?: string;
  /** An image index: one entry per platform. */
  platforms?: Array<{ digest: string; os: string; architecture: string }>;
}

/** The label a marked copy (LocalRegistry.markedCopy) carries; an image built on it inherits it. */
export const MARKER_LABEL = 'dev.shipshape.marker';

/** A registry started for this run on the engine's 127.0.0.1 (src/engine/registry.ts), removed with the run. */
export interface LocalRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  address: string;
  /** Tags the image as ADDRESS/repository:tag and pushes it through the engine; the digest the registry gives it. */
  push(imageId: string, repository: string, tag: string): Promise<{ digest: string; reference: string }>;
  /** The manifest a reference (tag or digest) resolves to in the registry, read back over HTTP; null when absent. */
  manifest(repository: string, reference: string): Promise<RegistryManifest | null>;
  tags(repository: string): Promise<string[]>;
  /**
   * Another image of ours with the same content and a new random value of the label `dev.shipshape.marker`,
   * which images built on it inherit: tells which of two look-alike images a build started from.
   */
  markedCopy(imageId: string): Promise<{ imageId: string; marker: string }>;
}

/** Whether the engine can build and hold one image for several platforms, and if not, why. */
export type MultiPlatformSupport = { supported: true; builder: string } | { supported: false; reason: string };

/** One platform's image in an image index. */
export interface PlatformImage {
  /** os/architecture[/variant], e.g. linux/arm64 */
  platform: string;
  digest: string;
}

/** An image index built for several platforms (buildx), with the platforms the engine's image store shows in it. */
export interface PlatformBuild {
  outcome: BuildOutcome;
  /** The index's digest and the platforms it holds, read back from the engine; null when the build failed. */
  index: { digest: string; mediaType: string; platforms: PlatformImage[] } | null;
}

export interface CosignRun {
  /** null: it did not finish (time limit) or could not start. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** cosign (Sigstore) with a key pair, offline, against the run's registry (src/engine/cosign.ts). */
export interface CosignTool {
  binary: string;
  version: string;
  /** Signs a reference (name@digest) with a private key file; `password` decrypts it. */
  sign(keyPath: string, reference: string, password: string): Promise<CosignRun>;
  /** Verifies the signatures of a reference (tag or digest) against a public key file. */
  verify(publicKeyPath: string, reference: string): Promise<CosignRun>;
}

/** What image checks may ask of the engine; implemented in src/engine, faked in unit tests. */
export interface ImageInspector {
  /** Layers newest first, as `docker history` lists them. */
  history(imageId: string): Promise<ImageLayer[]>;
  /** Runs a command in a fresh container of the image (limits, our labels, no network unless asked) and removes it. */
  run(imageId: string, command: string[], options?: CommandOptions): Promise<CommandRun>;
  /** Builds the workspace again with a target, build args or changed files; images are removed with the run. */
  buildVariant(variant: BuildVariant): Promise<VariantBuild>;
  inspect(ref: string): Promise<ImageFacts | null>;
  /** True when the path exists in the image's filesystem (read through the archive API, no shell needed). */
  pathExists(imageId: string, path: string): Promise<boolean>;
  /** Size of the challenge's starter image built on the same engine. */
  starterBaseline(): Promise<Baseline>;
  /** Bytes in the image's layers that later layers delete or overwrite (reads `docker save`); throws EngineProblemError when the layers could not all be read. */
  wastedBytes?(imageId: string, options?: { sinceLayer?: number }): Promise<WastedBytes>;
  /**
   * Files in the image's layers (above `sinceLayer`) whose content holds `text`, deleted ones included.
   * Throws EngineProblemError when the layers could not all be read.
   */
  findText?(imageId: string, text: string, options?: { sinceLayer?: number }): Promise<TextSearch>;
  /** The run's registry on 127.0.0.1, started on first use and removed with the run. */
  registry?(): Promise<LocalRegistry>;
  /** cosign, or why there is none (not installed): a signing check must then fail saying so. */
  cosign?(): Promise<CosignTool | { missing: string }>;
  /** Whether multi-platform builds work on this engine (the containerd image store and buildx). */
  multiPlatform?(): Promise<MultiPlatformSupport>;
  /** Builds the workspace for several platforms into one image index (removed with the run). */
  buildPlatforms?(platforms: string[]): Promise<PlatformBuild>;
  /** The first `bytes` of a file in one platform's image of an index (null when there is no such file); no container is started. */
  readFileHead?(imageId: string, path: string, options: { platform: string; bytes: number }): Promise<Buffer | null>;
}

export interface HealthLogEntry {
  exitCode: number;
  output: string;
}

export interface HealthOutcome {
  status: 'healthy' | 'unhealthy' | 'exited' | 'timeout' | 'no-healthcheck';
  elapsedMs: number;
  exitCode?: number;
  log: HealthLogEntry[];
  containerLogTail: string[];
  /** The learner's declared timings, for the report. */
  declared: { interval: string; timeout: string; startPeriod: string; retries: number } | null;
}

export interface ContainerRunner {
  runUntilHealthy(image: ImageFacts, options: { timeoutMs: number; probeIntervalMs: number }): Promise<HealthOutcome>;
  /**
   * Starts a container as runUntilHealthy does and, once it is healthy, runs a command in it
   * (docker exec: the container's own user, next to its main process). `run` is null when it never got healthy.
   */
  execWhenHealthy(
    image: ImageFacts,
    command: string[],
    options: { timeoutMs: number; probeIntervalMs: number; commandTimeoutMs: number },
  ): Promise<{ health: HealthOutcome; run: CommandRun | null }>;
}

export interface ImageContext extends StaticContext {
  image: ImageFacts;
  finalBase: ImageFacts | null;
  inspector: ImageInspector;
  /** This run's build secret values by id (random per verify); absent when the challenge declares none. */
  secrets?: Readonly<Record<string, string>>;
}

export interface RuntimeContext extends ImageContext {
  runner: ContainerRunner;
}

/** The compose file as `docker compose config` normalised it. */
export interface ComposeContext {
  compose: ComposeModel;
  workspaceDir: string;
}

export interface StackHealthEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** One container of the running stack, as the engine reports it. */
export interface StackContainer {
  id: string;
  name: string;
  service: string;
  status: string;
  running: boolean;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  health: { status: string; log: StackHealthEntry[] } | null;
  /** Container port ("80/tcp") -> host address and port it is published on. */
  ports: Record<string, { hostIp: string; hostPort: number }[]>;
  /** What the engine applied to the container (its HostConfig and State), for runtime-settings checks. */
  settings?: ContainerSettings;
}

/** A container's runtime settings as the engine reports them (inspect: HostConfig, State, NetworkSettings). */
export interface ContainerSettings {
  /** Memory limit in bytes (0: none). */
  memoryBytes: number;
  /** CPU limit in billionths of a CPU (0: none); a CpuQuota/CpuPeriod pair is converted. */
  nanoCpus: number;
  /** Process limit (0 or -1: none). */
  pidsLimit: number;
  oomKilled: boolean;
  restartPolicy: { name: string; maximumRetryCount: number };
  readOnlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  /** Mounts as the engine lists them. */
  mounts: { type: string; source: string; destination: string; readOnly: boolean }[];
  /** Networks the container is attached to, by their engine names. */
  networks: string[];
  /** The id of the image the container runs. */
  imageId: string;
}

/** How `compose up` went: a failure (bad build, unhealthy dependency, timeout) fails every stack check with its reason. */
export interface StackUp {
  ok: boolean;
  message: string;
  durationMs: number;
  outputTail: string[];
}

/** The stack brought up once per verify, shared by every stack check; implemented in src/engine/compose/stack.ts. */
export interface RunningStack {
  project: string;
  up: StackUp;
  containers(service?: string): Promise<StackContainer[]>;
  /** Engine event times (ms since epoch) of `health_status: healthy` per service, recorded since before `up`. */
  healthyTimes(service: string): number[];
  /** Waits until the service's container runs (and is healthy when it has a health check), exits, or the time is up. */
  waitReady(service: string, timeoutMs: number): Promise<StackContainer | null>;
  exec(service: string, command: string[], options: { timeoutMs: number; env?: string[]; user?: string }): Promise<CommandRun>;
  /** Last lines of the service's container log. */
  logs(service: string, lines: number): Promise<string[]>;
  /** GET through the port the service publishes for `port` on the engine's host. */
  httpGet(service: string, port: number, urlPath: string, timeoutMs: number): Promise<{ status: number; body: string; url: string }>;
  /** `compose run --rm` of a one-off service (e.g. one under a `tools` profile), bounded in time. */
  runService(service: string, options: { timeoutMs: number }): Promise<{ exitCode: number; outputTail: string[]; timedOut: boolean }>;
  /**
   * Starts a helper container of ours (labels, limits, no ports) from `image` with the stack's named
   * volume mounted at `target`, waits until `readyCommand` succeeds in it, runs `command`, removes it.
   */
  withVolumeContainer(
    volume: string,
    options: { image: string; target: string; readyCommand: string[]; command: string[]; timeoutMs: number },
  ): Promise<{ ready: boolean; result: CommandRun | null; logTail: string[] }>;
  /**
   * Runs `command` in a throwaway container of ours (labels, limits, no ports, removed after) from
   * `image`, attached to every network the service's container is attached to (and nothing else), or
   * to the engine's default bridge when `networksOf` is null (outside the stack).
   */
  probe(options: { networksOf: string | null; image: string; command: string[]; timeoutMs: number }): Promise<ProbeOutcome>;
  /** The caps Shipshape puts on every graded container (a learner's own limits may only be lower). */
  containmentLimits: { memoryBytes: number; pidsLimit: number; nanoCpus: number };
}

/** What a throwaway probe container of the grader's saw (see RunningStack.probe). */
export interface ProbeOutcome {
  /** False when the probe container could not be created or started: it then saw nothing. */
  ran: boolean;
  result: CommandRun | null;
  /** Why it did not run, or the engine's words about its exit. */
  problem?: string;
  /** Engine names of the networks it was attached to. */
  networks: string[];
}

export interface StackContext extends ComposeContext {
  stack: RunningStack;
}

export interface ContextByPhase {
  static: StaticContext;
  compose: ComposeContext;
  build: BuildContext;
  image: ImageContext;
  runtime: RuntimeContext;
  stack: StackContext;
}

export interface CheckKind<Params extends z.ZodType = z.ZodType, P extends Phase = Phase> {
  kind: string;
  phase: P;
  summary: string;
  params: Params;
  /** A valid `with:` block, used in docs and tests. */
  example: z.input<Params>;
  /** When this kind grades `advice` instead of fail (working but weaker practice), for docs/checks.md. */
  advises?: string;
  /** Its `with.secret` names a secret under the manifest's build.secrets (checked when the manifest is read). */
  usesBuildSecret?: boolean;
  run(params: z.output<Params>, context: ContextByPhase[P]): Promise<Verdict> | Verdict;
  /**
   * Where a verdict without its own `location` points (the instruction that caused it). Without it,
   * or when it answers null, the core points at the final stage's FROM (or the compose service).
   */
  locate?(params: z.output<Params>, context: ContextByPhase[P], verdict: Verdict): SourceLocation | null;
}

/**
 * A kind as written in its file: `params` is its schema, or a function of zod that builds it. The static
 * kinds use the function, so loading them loads no zod: a verify whose parameters were validated already
 * reaches its first verdict without it (src/checks/params.ts); the schema is built on first use.
 */
export type CheckKindDefinition<Params extends z.ZodType, P extends Phase> = Omit<CheckKind<Params, P>, 'params'> & {
  params: Params | ((zod: ZodApi) => Params);
};

export function defineCheck<Params extends z.ZodType, P extends Phase>(kind: CheckKindDefinition<Params, P>): CheckKind<Params, P> {
  const { params } = kind;
  if (typeof params !== 'function') return kind as CheckKind<Params, P>;
  let schema: Params | undefined;
  const defined = { ...kind } as CheckKind<Params, P>;
  Object.defineProperty(defined, 'params', { enumerable: true, get: () => (schema ??= params(zodApi())) });
  return defined;
}

export const pass = (message: string, evidence?: Record<string, unknown>): Verdict => ({ status: 'pass', message, evidence });
/** A failure; `hint` is about this reason and is shown instead of the manifest's hint. */
export const fail = (message: string, evidence?: Record<string, unknown>, hint?: string): Verdict => ({
  status: 'fail',
  message,
  evidence,
  ...(hint ? { hint } : {}),
});
/**
 * This engine cannot show what the check grades (a feature it lacks, named in `reason`): the check is
 * skipped, never passed. challenge:test accepts it only with this reason, as not exercised.
 */
export const unsupported = (reason: string, evidence?: Record<string, unknown>): Verdict => ({
  status: 'skip',
  skippedFor: 'engine',
  message: reason,
  evidence,
});
/** Works, but weaker than it should be: `message` says why, `better` the better way. No points lost. */
export const advice = (message: string, better: string, evidence?: Record<string, unknown>): Verdict => ({
  status: 'advice',
  message,
  hint: better,
  evidence,
});
