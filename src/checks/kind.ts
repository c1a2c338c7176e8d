import type { z } from 'zod';
import type { DockerfileModel } from './dockerfile/model.js';
import type { ComposeModel } from './compose/model.js';

/**
 * Cheap phases run first; a later phase is skipped, with the reason, when one it needs failed.
 * `compose` checks read the normalised compose model (no engine); `stack` checks run against the
 * compose stack brought up once per verify.
 */
export const PHASES = ['static', 'compose', 'build', 'image', 'runtime', 'stack'] as const;
export type Phase = (typeof PHASES)[number];

/** What a check function decides. `evidence` is what it saw (sizes, paths, health log), shown and put in --json. */
export interface Verdict {
  status: 'pass' | 'fail';
  message: string;
  evidence?: Record<string, unknown>;
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

export interface BuildOutcome {
  imageId: string | null;
  failure: BuildFailure | null;
  durationMs: number;
  steps: number;
}

export interface BuildContext extends StaticContext {
  build: BuildOutcome;
}

export interface ImageFacts {
  id: string;
  size: number;
  /** Image config healthcheck as the engine stores it (durations in ns), or null. */
  healthcheck: { test: string[]; intervalNs: number; timeoutNs: number; startPeriodNs: number; retries: number } | null;
  user: string;
  workingDir: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[];
}

export interface Baseline {
  bytes: number;
  /** Where the figure came from: built now or read from the cache of an earlier measurement on this engine. */
  source: 'built' | 'cache';
}

/** What image checks may ask of the engine; implemented in src/engine, faked in unit tests. */
export interface ImageInspector {
  inspect(ref: string): Promise<ImageFacts | null>;
  /** True when the path exists in the image's filesystem (read through the archive API, no shell needed). */
  pathExists(imageId: string, path: string): Promise<boolean>;
  /** Size of the challenge's starter image built on the same engine. */
  starterBaseline(): Promise<Baseline>;
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
}

export interface ImageContext extends StaticContext {
  image: ImageFacts;
  finalBase: ImageFacts | null;
  inspector: ImageInspector;
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
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** How `compose up` went: a failure (bad build, unhealthy dependency, timeout) fails every stack check with its reason. */
export interface StackUp {
  ok: boolean;
  message: string;
  durationMs: number;
  outputTail: string[];
}

/** The stack brought up once per verify, shared by every stack check; implemented in src/engine/compose.ts. */
export interface RunningStack {
  project: string;
  up: StackUp;
  containers(service?: string): Promise<StackContainer[]>;
  /** Engine event times (ms since epoch) of `health_status: healthy` per service, recorded since before `up`. */
  healthyTimes(service: string): number[];
  /** Waits until the service's container runs (and is healthy when it has a health check), exits, or the time is up. */
  waitReady(service: string, timeoutMs: number): Promise<StackContainer | null>;
  exec(service: string, command: string[], options: { timeoutMs: number; env?: string[]; user?: string }): Promise<ExecOutcome>;
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
  ): Promise<{ ready: boolean; result: ExecOutcome | null; logTail: string[] }>;
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
  run(params: z.output<Params>, context: ContextByPhase[P]): Promise<Verdict> | Verdict;
}

export function defineCheck<Params extends z.ZodType, P extends Phase>(kind: CheckKind<Params, P>): CheckKind<Params, P> {
  return kind;
}

export const pass = (message: string, evidence?: Record<string, unknown>): Verdict => ({ status: 'pass', message, evidence });
export const fail = (message: string, evidence?: Record<string, unknown>): Verdict => ({ status: 'fail', message, evidence });
