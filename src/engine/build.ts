import type { Readable } from 'node:stream';
import type { BuildFailure, BuildOutcome, BuildStep } from '../checks/kind.js';
import { formatBytes } from '../checks/format.js';
import { errorMessage } from '../errors.js';
import { type Engine, engineAnswers, engineStopsAnswering } from './connect.js';
import { type BuildContextPlan, packBuildContext, planBuildContext } from './context.js';
import type { RunScope } from './scope.js';
import { type BuildSecret, buildWithCli, findDockerCli } from './buildkit.js';
import { BuildKitUnavailable, buildWithBuildKit } from './buildkit/api-build.js';
import { LineBuffer } from './line-buffer.js';

export type BuildEvent =
  | { type: 'context'; fileCount: number; totalBytes: number; ignoredCount: number }
  | { type: 'step'; index: number; total: number; instruction: string }
  | { type: 'output'; line: string };

export interface BuildRequest {
  contextDir: string;
  dockerfile?: string;
  /** What the context holds, when this run planned it already (the static phase's context checks); planned here otherwise. */
  contextPlan?: BuildContextPlan;
  timeoutMs: number;
  /** Largest context sent; a bigger one fails before anything reaches the engine. */
  contextLimitBytes?: number;
  /** Tag for the final image (used with --keep-image). */
  tag?: string;
  onEvent?: (event: BuildEvent) => void;
  /** Cancels the build (Ctrl-C, a save in watch mode). */
  signal?: AbortSignal;
  /**
   * Build one image index for these platforms (`docker buildx build --platform a,b --load`), which needs
   * the buildx plugin and the containerd image store; see src/engine/platforms.ts.
   */
  platforms?: string[];
  /** Stage to stop at (`docker build --target`). */
  target?: string;
  buildArgs?: Record<string, string>;
  /**
   * Build with BuildKit through the Engine API (the run's builder choice, src/engine/buildkit/choose.ts);
   * false or absent: the classic builder. The docker CLI is only a fallback when no session can be opened.
   */
  buildkit?: boolean;
  /** BuildKit secrets, served to the build by our API session (`RUN --mount=type=secret,id=...`). */
  secrets?: BuildSecret[];
  /** Values never shown in build output (secret values passed as build args too). */
  maskValues?: Record<string, string>;
  /** RUN commands that mount a build secret: their BuildKit cache records go with the run. */
  runCommands?: string[];
  /**
   * The context holds files Shipshape changed (a variant): with BuildKit every cache record the build
   * makes goes with the run, or the next run's identical change would come from the cache.
   */
  ownChanges?: boolean;
  /**
   * Build without the layer cache. Concurrent runs on one engine must not share layers: each run
   * removes the layers it made, which breaks a build that took one of them from the cache.
   */
  noCache?: boolean;
}

export interface BuildResult extends BuildOutcome {
  context: BuildContextPlan;
  /** Set when the failure is a base image that is neither on the engine nor pullable. */
  missingBaseImage: string | null;
  /** The engine went away during the build (stopped, crashed, connection lost): not the learner's fault. */
  engineLost: boolean;
  builder: 'classic' | 'buildkit' | 'buildkit-cli';
  /** The docker CLI used for a BuildKit build (the fallback path only). */
  cli?: string;
  /** Why this build used another builder than the one asked for (BuildKit refused, no session). */
  fallback?: string;
  /** Secret ids the build asked our session for (BuildKit through the API). */
  secretsRequested?: string[];
  /** What was done about BuildKit's (unlabelled) build cache. */
  buildCache?: { attributed: number; note: string };
  /** A `# syntax=` frontend image BuildKit could not fetch. */
  frontendUnavailable?: string | null;
  /** Set when Shipshape itself ended the build: its time limit, a cancel, or a context over the limit. */
  stoppedBy?: 'timeout' | 'cancel' | 'context-limit';
}

const CONNECTION_LOST = /ECONNRESET|ECONNREFUSED|EPIPE|ENOENT|socket hang up|aborted|premature close/i;

const TAIL_LINES = 15;
const PULL_FAILURE =
  /pull access denied|repository does not exist|manifest unknown|manifest for .* not found|no such host|dial tcp|i\/o timeout|TLS handshake|connection refused|failed to resolve|server misbehaving|Temporary failure in name resolution/i;

/**
 * Builds with the classic builder through the Engine API, streaming step n/m and output lines.
 * A failing build still answers HTTP 200: the failure is an `error` message in the stream.
 */
export async function buildImage(engine: Engine, scope: RunScope, request: BuildRequest): Promise<BuildResult> {
  const first = await buildOnce(engine, scope, request);
  if (request.buildkit) return blameEngineIfItLeft(engine, request, first);
  if (request.noCache || request.signal?.aborted || !first.failure || !CACHE_RACE.test(first.failure.message)) {
    return blameEngineIfItLeft(engine, request, first);
  }
  // Another run on this engine removed a layer this build had taken from the cache (each run removes
  // the layers it made). Not the learner's fault: build once more without the cache, at once.
  request.onEvent?.({ type: 'output', line: `(a cached layer was removed by another run on this engine: ${first.failure.message}; building again without the cache)` });
  const second = await buildOnce(engine, scope, { ...request, noCache: true });
  return blameEngineIfItLeft(engine, request, { ...second, durationMs: first.durationMs + second.durationMs });
}

/**
 * A daemon shutting down kills the running step first (SIGTERM/SIGKILL) or fails it with an engine-side
 * error, then goes away: that is the engine's doing, not the learner's. Both builders are watched the same way.
 */
async function blameEngineIfItLeft(engine: Engine, request: BuildRequest, result: BuildResult): Promise<BuildResult> {
  const { failure } = result;
  if (!failure || result.engineLost || result.stoppedBy || request.signal?.aborted) return result;
  if (!(await engineGoesAway(engine, lossWindowMs(failure)))) return result;
  return { ...result, engineLost: true, failure: { ...failure, message: `the engine stopped while the step ran (${failure.message})` } };
}

/** What the engine says when a layer taken from the cache disappears under a running build. */
const CACHE_RACE = /unknown parent image ID|failed to set parent|failed to get destination image|No such image: sha256:|reference does not exist/i;

async function buildOnce(engine: Engine, scope: RunScope, request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const dockerfile = request.dockerfile ?? 'Dockerfile';
  const context = request.contextPlan ?? (await planBuildContext(request.contextDir, dockerfile));
  request.onEvent?.({
    type: 'context',
    fileCount: context.fileCount,
    totalBytes: context.totalBytes,
    ignoredCount: context.ignoredCount,
  });

  if (request.contextLimitBytes !== undefined && context.totalBytes > request.contextLimitBytes) {
    const biggest = context.largest.map((file) => `${file.path} (${formatBytes(file.bytes)})`).join(', ');
    return {
      imageId: null,
      stepLog: [],
      failure: {
        step: null,
        message:
          `the build context is ${formatBytes(context.totalBytes)} in ${context.fileCount} files, over the ${formatBytes(request.contextLimitBytes)} limit; ` +
          `biggest: ${biggest}. Exclude what the image does not need in .dockerignore`,
        lastLines: [],
      },
      durationMs: Date.now() - started,
      steps: 0,
      context,
      missingBaseImage: null,
      engineLost: false,
      builder: request.buildkit ? 'buildkit' : 'classic',
      stoppedBy: 'context-limit',
    };
  }
  // Several platforms at once: only buildx can ask for that (the Engine API's /build takes one platform).
  if (request.platforms?.length) return buildWithCli(engine, scope, request, context, started);
  if (request.buildkit) {
    try {
      return await buildWithBuildKit(engine, scope, request, context, started);
    } catch (error) {
      if (!(error instanceof BuildKitUnavailable)) throw error;
      return buildKitFallback(engine, scope, request, error, started);
    }
  }

  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, request.timeoutMs);
  const onCancel = () => abort.abort();
  request.signal?.addEventListener('abort', onCancel, { once: true });

  const state = new StreamState(scope, request.onEvent);
  let failure: BuildFailure | null = null;
  let engineLost = false;
  try {
    const stream = (await engine.docker.buildImage(packBuildContext(context), {
      dockerfile,
      labels: scope.labels,
      rm: true,
      forcerm: true,
      nocache: request.noCache ?? false,
      t: request.tag,
      ...(request.target ? { target: request.target } : {}),
      ...(request.buildArgs ? { buildargs: request.buildArgs } : {}),
      abortSignal: abort.signal,
    } as never)) as unknown as Readable;
    await state.consume(stream);
    failure = state.failure;
  } catch (error) {
    engineLost = !abort.signal.aborted && CONNECTION_LOST.test(`${(error as NodeJS.ErrnoException).code ?? ''} ${errorMessage(error)}`);
    failure = {
      step: state.currentStep,
      message: timedOut
        ? `the build took longer than ${Math.round(request.timeoutMs / 1000)} s and was stopped`
        : abort.signal.aborted
          ? 'the build was cancelled'
          : describeEngineError(error),
      lastLines: state.tail(),
    };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCancel);
  }

  if (timedOut && failure) {
    failure.message = `the build took longer than ${Math.round(request.timeoutMs / 1000)} s and was stopped`;
  }
  let imageId = failure ? null : state.imageId;
  if (!failure && !imageId) {
    // A stream that simply stops, with no error message and no image, is a connection the engine dropped.
    engineLost = !abort.signal.aborted && !(await engineAnswers(engine));
    failure = {
      step: state.currentStep,
      message: engineLost ? 'the engine stopped answering during the build' : 'the build ended without producing an image',
      lastLines: state.tail(),
    };
  }
  // Only an image carrying this run's label is ours to remove later; never a base image.
  if (imageId) imageId = await scope.adoptBuiltImage(imageId);
  return {
    imageId,
    failure,
    durationMs: Date.now() - started,
    steps: state.totalSteps,
    stepLog: state.stepLog,
    context,
    missingBaseImage: failure ? detectMissingBase(failure, state.currentInstruction) : null,
    engineLost,
    builder: 'classic',
    ...(timedOut ? { stoppedBy: 'timeout' as const } : abort.signal.aborted ? { stoppedBy: 'cancel' as const } : {}),
  };
}

/**
 * BuildKit through the API could not start. Without a session, the docker CLI (which opens its own)
 * builds instead when there is one; an engine that refuses BuildKit builds classic, unless the build
 * needs BuildKit (secrets), which then fails with the engine's reason.
 */
async function buildKitFallback(engine: Engine, scope: RunScope, request: BuildRequest, error: BuildKitUnavailable, started: number): Promise<BuildResult> {
  const needsBuildKit = (request.secrets?.length ?? 0) > 0;
  if (!error.refused) {
    const cli = await findDockerCli().catch(() => null);
    if (cli) {
      request.onEvent?.({ type: 'output', line: `(${error.message}; building with BuildKit through ${cli} instead)` });
      const context = request.contextPlan ?? (await planBuildContext(request.contextDir, request.dockerfile ?? 'Dockerfile'));
      return { ...(await buildWithCli(engine, scope, request, context, started)), fallback: error.message };
    }
  }
  if (needsBuildKit) {
    const context = request.contextPlan ?? (await planBuildContext(request.contextDir, request.dockerfile ?? 'Dockerfile'));
    return {
      imageId: null,
      failure: { step: null, message: `this build needs BuildKit (build secrets), and ${error.message}`, lastLines: [] },
      durationMs: Date.now() - started,
      steps: 0,
      stepLog: [],
      context,
      missingBaseImage: null,
      engineLost: false,
      builder: 'buildkit',
      fallback: error.message,
    };
  }
  request.onEvent?.({ type: 'output', line: `(${error.message}; building with the classic builder instead)` });
  const classic = await buildOnce(engine, scope, { ...request, buildkit: false });
  return { ...classic, fallback: error.message };
}

/**
 * How long to watch the engine after a failed build before blaming the Dockerfile. A step that
 * exited with its own code is the learner's; a step killed by a signal (137, 143), or whose container the
 * runtime failed to start, may be a daemon shutting down, which stops answering within seconds; any other
 * engine error is checked briefly.
 */
export function lossWindowMs(failure: Pick<BuildFailure, 'message' | 'lastLines'>): number {
  // Classic builder: "returned a non-zero code: 137"; BuildKit: "... did not complete successfully: exit code: 137".
  const exit = /(?:returned a non-zero code|exit code): (\d+)/.exec(failure.message);
  if (!exit) return 1500;
  if (exit[1] === '137' || exit[1] === '143') return 5000;
  // A stopping daemon can also fail the step's container before it runs (runc's hooks, libnetwork's store).
  return [failure.message, ...failure.lastLines].some((line) => RUNTIME_FAILURE.test(line)) ? 5000 : 0;
}

/** The container runtime, not the step's command, failed: said by runc, containerd or libnetwork. */
const RUNTIME_FAILURE = /runc run failed|error running hook|failed to update store|OCI runtime (?:create|start|exec) failed|shim disconnected|ttrpc: closed|transport is closing/i;

/** Watches the engine after a failed build; no window means the failure is the learner's alone. */
async function engineGoesAway(engine: Engine, windowMs: number): Promise<boolean> {
  return windowMs > 0 && engineStopsAnswering(engine, windowMs);
}

/** A 400 on /build is the engine refusing the Dockerfile itself (empty, unknown instruction, bad flag). */
function describeEngineError(error: unknown): string {
  const status = (error as { statusCode?: number }).statusCode;
  const detail = errorMessage(error).replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim();
  if (status === 400) return `the engine rejected the Dockerfile: ${detail}`;
  return `the engine stopped the build: ${detail}`;
}

function detectMissingBase(failure: BuildFailure, instruction: string | null): string | null {
  if (!instruction || !PULL_FAILURE.test(failure.message)) return null;
  const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(instruction);
  if (from) return from[1]!;
  const copyFrom = /^COPY\s+.*--from=(\S+)/i.exec(instruction);
  return copyFrom ? copyFrom[1]! : null;
}

// Build steps print colour codes of their own (apt, composer); the report shows plain text.
function stripAnsi(text: string): string {
  return text.replace(/\u001B\[[0-9;?]*[ -\/]*[@-~]/g, '');
}

/** Reads the build's JSON message stream and keeps what the report needs. */
class StreamState {
  currentStep: string | null = null;
  currentInstruction: string | null = null;
  totalSteps = 0;
  imageId: string | null = null;
  failure: BuildFailure | null = null;
  /** The learner's steps in order, and whether the engine took each from its layer cache. */
  readonly stepLog: BuildStep[] = [];
  private readonly lines: string[] = [];
  private lastWasCache = false;
  private stepIsFrom = false;
  /** Output lines of the current step (all lines before the first step count as one step). */
  private stepLines = 0;

  constructor(
    private readonly scope: RunScope,
    private readonly onEvent?: (event: BuildEvent) => void,
  ) {}

  /** The current step's last output lines: earlier steps' output would pass for the failing one's. */
  tail(): string[] {
    return this.stepLines === 0 ? [] : this.lines.slice(-Math.min(this.stepLines, TAIL_LINES));
  }

  async consume(stream: Readable): Promise<void> {
    const lines = new LineBuffer((line) => this.message(line));
    for await (const chunk of stream) lines.feed(chunk as Buffer);
    lines.end();
  }

  private message(raw: string): void {
    if (!raw.trim()) return;
    let message: { stream?: string; status?: string; error?: string; errorDetail?: { message?: string }; aux?: { ID?: string } };
    try {
      message = JSON.parse(raw);
    } catch {
      this.line(raw);
      return;
    }
    if (message.aux?.ID) this.imageId = message.aux.ID;
    if (message.stream) for (const line of stripAnsi(message.stream).replace(/\r/g, '').split('\n')) this.line(line);
    if (message.status) this.line(message.status);
    const error = message.errorDetail?.message ?? message.error;
    if (error && !this.failure) {
      this.failure = { step: this.currentStep, message: error.trim(), lastLines: this.tail() };
    }
  }

  private line(line: string): void {
    if (!line.trim()) return;
    const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
    if (step) {
      this.currentInstruction = step[3]!;
      this.stepIsFrom = /^FROM\s/i.test(step[3]!);
      this.stepLines = 0;
      this.lastWasCache = false;
      // The engine appends our labels as LABEL steps; they are not the learner's, so not shown.
      const ownLabels = Object.keys(this.scope.labels).length;
      this.totalSteps = Number(step[2]) - ownLabels;
      this.currentStep = `Step ${step[1]}/${this.totalSteps} : ${step[3]}`;
      if (Number(step[1]) <= this.totalSteps) {
        this.stepLog.push({ index: Number(step[1]), instruction: step[3]!, cached: false });
        this.onEvent?.({ type: 'step', index: Number(step[1]), total: this.totalSteps, instruction: step[3]! });
      }
      return;
    }
    const running = /^ ---> Running in ([0-9a-f]{12,64})/.exec(line);
    if (running) this.scope.trackContainer(running[1]!);
    const layer = /^ ---> ([0-9a-f]{12,64})$/.exec(line);
    if (layer && !this.stepIsFrom && !this.lastWasCache) this.scope.trackImage(layer[1]!);
    this.lastWasCache = /^ ---> Using cache/.test(line);
    if (this.lastWasCache && this.stepLog.length > 0) this.stepLog[this.stepLog.length - 1]!.cached = true;
    const built = /^Successfully built ([0-9a-f]{12,64})/.exec(line);
    if (built && !this.imageId) this.imageId = built[1]!;
    if (!line.startsWith(' ---> ') && !line.startsWith('Removing intermediate container')) {
      this.lines.push(line);
      this.stepLines++;
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
      this.onEvent?.({ type: 'output', line });
    }
  }
}
