import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DockerfileModel } from '../checks/dockerfile/model.js';
import type {
  Baseline,
  BuildContext,
  CommandRun,
  ComposeContext,
  StackContext,
  ContextByPhase,
  ImageContext,
  ImageFacts,
  ImageInspector,
  LocalRegistry,
  MultiPlatformSupport,
  Phase,
  RuntimeContext,
  StaticContext,
  Verdict,
  WastedBytes,
} from '../checks/kind.js';
import { PHASES, SIZE_MEASURE } from '../checks/kind.js';
import { findCheckKind, loadCheckKinds } from '../checks/registry.js';
import { checkParams } from '../checks/params.js';
import { planChecks } from './plan.js';
import { defaultLocation, relativeTo } from '../checks/location.js';
import { largestAddedLayers, type LayerSummary } from '../checks/image/layers.js';
import type { BuildSettings, CheckEntry } from '../course/manifest.js';
import { runCommand } from '../checks/dockerfile/operands.js';
import type { BuildSecret } from '../engine/buildkit.js';
import { type BuilderChoice, type BuilderPreference, builderPreference } from '../engine/buildkit/choose.js';
import type { ChallengePack } from '../course/packs.js';
import { EngineUnavailableError, UserError, errorMessage } from '../errors.js';
import type { BuildEvent, BuildResult } from '../engine/build.js';
import type { Engine } from '../engine/connect.js';
import type { ContainerLimits } from '../engine/run.js';
import type { RunScope } from '../engine/scope.js';
import type { ComposeStack } from '../engine/compose.js';
import { acquireWorkspaceLock } from '../workspace/lock.js';
import { safeEvidence, safeText } from '../text/safe.js';
import { readLearnerFile } from '../workspace/learner-file.js';
import type * as EngineSide from './engine-side.js';
import { type CheckResult, type Comparison, type VerifyResult, score } from './result.js';

export type VerifyEvent =
  | { type: 'phase'; phase: Phase; state: 'start' | 'end' }
  | { type: 'check'; result: CheckResult }
  | { type: 'build'; event: BuildEvent }
  | { type: 'note'; message: string }
  /** The built image's largest added layers, when `describeImage` asked for them (the web page draws them). */
  | { type: 'image'; bytes: number; layers: LayerSummary[] }
  /** A health probe of a runtime container, as it finishes (its output is the learner's program's: made safe). */
  | { type: 'probe'; index: number; exitCode: number; output: string; atMs: number };

export interface VerifyOptions {
  pack: ChallengePack;
  workspaceDir: string;
  /**
   * The engine, its connection under way, or a function that connects: called only once the static
   * verdicts are out, since loading the Docker client takes longer than all the static checks together.
   */
  engine: Engine | Promise<Engine> | (() => Promise<Engine>);
  keepImage?: boolean;
  limits?: ContainerLimits;
  /** Overrides of the manifest's build limits (flags). */
  buildTimeoutSeconds?: number;
  contextMaxMegabytes?: number;
  signal?: AbortSignal;
  /**
   * Build without the layer cache: always (true), or only with the classic builder ('classic': batch
   * grading, where concurrent classic runs must not share layers but BuildKit's cache is safe to share).
   */
  noCache?: boolean | 'classic';
  /** classic | buildkit | auto (`--builder`); absent: SHIPSHAPE_BUILDER, else auto (BuildKit where the engine has it). */
  builder?: BuilderPreference;
  onEvent?: (event: VerifyEvent) => void;
  /** Also emit an `image` event with the largest layers the Dockerfile added (one history read more). */
  describeImage?: boolean;
}

/** The part of the --json object a run that stopped early still has (README: "--json"). */
export type PartialVerifyResult = Pick<VerifyResult, 'schemaVersion' | 'challenge' | 'workspace' | 'passed' | 'score' | 'counts' | 'checks'> & {
  /** The phases whose checks ran before the run stopped. */
  phasesRun: Phase[];
};

const PHASES_RUN: Phase[] = ['static', 'compose'];

/** A user error (no engine) after some checks ran carries their verdicts, printed with the error under --json. */
export function withPartialResult<E extends UserError>(error: E, partial: PartialVerifyResult): E & { partial: PartialVerifyResult } {
  return Object.assign(error, { partial });
}

/** Settles with `promise`, or rejects with CancelledError as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Largest Dockerfile graded (docs/dockerfile.md): real ones are a few kilobytes, and parsing one takes about a second of CPU per megabyte, during which Ctrl-C waits. */
export const DOCKERFILE_MAX_BYTES = 1024 * 1024;

/** Longest note passed to a renderer (a compose stack's output tail can be long). */
const NOTE_LIMIT = 8000;

export class CancelledError extends UserError {
  constructor() {
    super('Cancelled; everything this run created was removed.', 130);
    this.name = 'CancelledError';
  }
}

/** Grades a workspace: static checks, build, image checks, runtime checks, in that order. */
export async function verifyWorkspace(options: VerifyOptions): Promise<VerifyResult> {
  const { pack, onEvent } = options;
  const { manifest } = pack;
  const plan = planChecks(manifest.checks);
  // The static phase's kinds first; the others load once the static verdicts are out.
  await loadCheckKinds(plan.kindsOf('static'), { schemas: false });
  const connecting = typeof options.engine === 'function' ? null : Promise.resolve(options.engine);
  // Awaited after the static phases; until then a failed connection must not count as unhandled.
  connecting?.catch(() => undefined);
  let engine!: Engine;
  let engineSide!: typeof EngineSide;
  const started = Date.now();
  const buildTimeoutSeconds = options.buildTimeoutSeconds ?? manifest.limits.buildTimeoutSeconds;
  const contextMaxMegabytes = options.contextMaxMegabytes ?? manifest.limits.contextMaxMegabytes;
  const timings: VerifyResult['timings'] = { totalMs: 0, staticMs: 0, buildMs: 0, imageMs: 0, runtimeMs: 0 };
  const results: CheckResult[] = [];
  // Shared by the size check and the before/after comparison: the starter is measured at most once a run.
  let baseline: Promise<Baseline> | null = null;
  // Notes can quote learner files and engine output: made safe here, once, for every renderer.
  const emit = (event: VerifyEvent) => onEvent?.(event.type === 'note' ? { ...event, message: safeText(event.message, NOTE_LIMIT) } : event);
  const checksOf = plan.checksOf;

  /** Where a phase's verdicts and events go: straight out, or held while an earlier phase still runs. */
  interface PhaseOutput {
    emit: (event: VerifyEvent) => void;
    record: (result: CheckResult) => void;
  }
  const immediateOutput: PhaseOutput = { emit, record: (result) => results.push(result) };
  /**
   * A phase that runs beside an earlier one (the runtime's container starts while the image phase reads
   * the image): its verdicts and events wait, in order, until `release`, so reports and renderers see the
   * phases one after the other, exactly as if they had run in turn.
   */
  function heldOutput(): PhaseOutput & { release: () => void } {
    const queue: Array<() => void> = [];
    let open = false;
    const later = (action: () => void) => (open ? action() : queue.push(action));
    return {
      emit: (event) => later(() => emit(event)),
      record: (result) => later(() => results.push(result)),
      release: () => {
        open = true;
        for (const action of queue.splice(0)) action();
      },
    };
  }

  async function runPhase<P extends Phase>(phase: P, context: ContextByPhase[P] | string, out: PhaseOutput = immediateOutput): Promise<boolean> {
    const emit = out.emit;
    const checks = checksOf(phase);
    if (checks.length === 0) {
      if (phase === 'build') emit({ type: 'phase', phase, state: 'end' });
      return true;
    }
    const phaseStart = Date.now();
    // The build and stack phases were opened before the build / `compose up`, so their progress shows under them.
    if (phase !== 'build' && phase !== 'stack') emit({ type: 'phase', phase, state: 'start' });
    let allPassed = true;
    for (const check of checks) {
      // Checks of the static phases are synchronous: yielding a turn between them lets Ctrl-C, SIGTERM and the view's redraws run.
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new CancelledError();
      let result: CheckResult;
      try {
        result = typeof context === 'string' ? skipped(check, phase, context) : await runCheck(check, phase, context);
      } catch (error) {
        // A cancelled engine call fails in its own words; the run was cancelled, and says so.
        if (options.signal?.aborted) throw new CancelledError();
        throw error;
      }
      // A check cut short by Ctrl-C has no verdict worth showing.
      if (options.signal?.aborted) throw new CancelledError();
      if (result.status !== 'pass') allPassed = false;
      out.record(result);
      emit({ type: 'check', result });
    }
    emit({ type: 'phase', phase, state: 'end' });
    if (phase !== 'build') {
      const key = `${phase}Ms` as 'staticMs' | 'composeMs' | 'imageMs' | 'runtimeMs' | 'stackMs';
      timings[key] = (timings[key] ?? 0) + Date.now() - phaseStart;
    }
    return allPassed;
  }

  /** What a run that stopped before the engine phases has to show: the checks that ran. */
  function partialResult(): PartialVerifyResult {
    return {
      schemaVersion: 1,
      challenge: { id: manifest.id, title: manifest.title, lesson: manifest.lesson },
      workspace: options.workspaceDir,
      ...score(results),
      // A run that stopped cannot pass, whatever the checks that ran say.
      passed: false,
      checks: [...results],
      phasesRun: PHASES_RUN.filter((phase) => results.some((result) => result.phase === phase)),
    };
  }

  const releaseLock = await acquireWorkspaceLock(options.workspaceDir, 'challenge:verify');
  try {
    return await gradeLocked();
  } finally {
    await releaseLock();
  }

  async function gradeLocked(): Promise<VerifyResult> {
    // A compose-only challenge has no Dockerfile: its Dockerfile phases have no checks (the manifest schema sees to that).
    let staticContext: StaticContext | null = null;
    let dockerfile: DockerfileModel | null = null;
    if (manifest.dockerfile) {
      const dockerfilePath = path.join(options.workspaceDir, manifest.dockerfile);
      // A directory, device, link out of the workspace, oversized or non-UTF-8 file gets one clear message (exit 1).
      const source = await readLearnerFile(options.workspaceDir, manifest.dockerfile, { what: 'Dockerfile', maxBytes: DOCKERFILE_MAX_BYTES });
      dockerfile = DockerfileModel.parse(dockerfilePath, source, { builder: manifest.build.buildkit ? 'buildkit' : 'classic', buildArgs: manifest.build.args });
      staticContext = { dockerfile, workspaceDir: options.workspaceDir };
      await runPhase('static', staticContext);
    }

    await loadCheckKinds(plan.kindsOf(...PHASES), { schemas: false });

    // The compose model: bad YAML, a file compose rejects or host access end the run with one clear message.
    let composeContext: ComposeContext | null = null;
    if (manifest.compose) {
      // Loaded only for compose challenges: the YAML toolkit is not needed before the first verdict otherwise.
      const loadStart = Date.now();
      const { loadComposeModel } = await import('../engine/compose.js');
      const compose = await loadComposeModel(options.workspaceDir, manifest.compose, manifest.composeOverrides);
      // composeMs counts reading the file and `compose config` too, not only the checks on the model.
      timings.composeMs = (timings.composeMs ?? 0) + Date.now() - loadStart;
      composeContext = { compose, workspaceDir: options.workspaceDir };
      await runPhase('compose', composeContext);
    }

    // The engine-side modules load while the engine answers (both take a few hundred ms on a busy machine).
    const loadingEngineSide = import('./engine-side.js');
    loadingEngineSide.catch(() => undefined);
    try {
      // Ctrl-C while the engine is still being reached (a socket that never answers) ends the run at once.
      engine = await untilAborted(connecting ?? (options.engine as () => Promise<Engine>)(), options.signal);
    } catch (error) {
      // No engine: the verdicts already given still belong in the record (--json prints them with the error).
      if (error instanceof UserError && !(error instanceof CancelledError)) throw withPartialResult(error, partialResult());
      throw error;
    }
    engineSide = await loadingEngineSide;
    const scope = new engineSide.RunScope(engine.docker, manifest.id);
    const buildPlan = planBuild(manifest.build, dockerfile);
    // One builder for every build of this verify (the learner's, variants, the starter baseline).
    let builderChoice: BuilderChoice | null = null;
    if (manifest.dockerfile) {
      const { buildKitSupport, chooseBuilder, engineBuildSupport } = await import('../engine/buildkit/choose.js');
      builderChoice = chooseBuilder(options.builder ?? builderPreference(undefined), buildKitSupport(await engineBuildSupport(engine)), manifest.build.buildkit);
      buildPlan.request.buildkit = builderChoice.builder === 'buildkit';
      if (buildPlan.secrets.length > 0) {
        emit({
          type: 'note',
          message: `This challenge builds with BuildKit and ${buildPlan.secrets.length === 1 ? 'a new random value for the build secret' : 'new random values for the build secrets'} ${buildPlan.secrets.map((secret) => secret.id).join(', ')}, served to the build through the Engine API session.`,
        });
      }
    }
    const limits = options.limits ?? engineSide.DEFAULT_LIMITS;
    let build = null as BuildResult | null;
    let keptAs: string | null = null;
    let cleanup: VerifyResult['cleanup'] = null;
    let comparison: Comparison | null = null;
    let stack: ComposeStack | null = null;
    let stackSummary: VerifyResult['stack'] = null;
    try {
      if (options.signal?.aborted) throw new CancelledError();
      if (staticContext && dockerfile) await gradeImage(staticContext, dockerfile);

      if (composeContext && checksOf('stack').length > 0) {
        if (options.signal?.aborted) throw new CancelledError();
        emit({ type: 'phase', phase: 'stack', state: 'start' });
        emit({ type: 'note', message: `Bringing the compose stack up (${[manifest.compose, ...(manifest.composeOverrides ?? [])].join(' + ')})…` });
        const { ComposeStack } = await import('../engine/compose.js');
        stack = new ComposeStack({
          engine,
          scope,
          model: composeContext.compose,
          workspaceDir: options.workspaceDir,
          limits,
          upTimeoutMs: manifest.limits.composeUpTimeoutSeconds * 1000,
          signal: options.signal,
        });
        const up = await stack.start();
        if (options.signal?.aborted) throw new CancelledError();
        stackSummary = { project: stack.project, ok: up.ok, message: up.message, durationMs: up.durationMs, outputTail: up.outputTail };
        if (!up.ok) emit({ type: 'note', message: `${up.message}\n${up.outputTail.map((line) => `  ${line}`).join('\n')}` });
        const stackContext: StackContext = { ...composeContext, stack };
        await runPhase('stack', up.ok ? stackContext : `skipped: the stack did not come up: ${up.message}`);
        timings.stackMs = (timings.stackMs ?? 0) + up.durationMs;
      }
      if (options.signal?.aborted) throw new CancelledError();
    } finally {
      const downErrors = stack ? await stack.down() : [];
      const report = await scope.dispose();
      cleanup = { ...report, errors: [...downErrors, ...report.errors] };
    }

    // Read once per verify, after the build (which may have pulled the base images).
    const { dockerfileImages } = await import('../course/images.js');
    const provenance = await engineSide.gatherProvenance(
      engine,
      dockerfile ? dockerfileImages(dockerfile.path, dockerfile.source, dockerfile.options) : [],
      build?.builder ?? null,
    );

    timings.buildMs = build?.durationMs ?? 0;
    timings.totalMs = Date.now() - started;
    return {
      schemaVersion: 1,
      challenge: { id: manifest.id, title: manifest.title, lesson: manifest.lesson },
      workspace: options.workspaceDir,
      runId: scope.runId,
      ...score(results),
      checks: results,
      timings,
      engine: engine.info,
      build: build
        ? {
            imageId: build.imageId,
            steps: build.steps,
            durationMs: build.durationMs,
            context: { files: build.context.fileCount, bytes: build.context.totalBytes, ignored: build.context.ignoredCount },
            keptAs,
            builder: build.builder,
            builderReason: build.fallback ? `${builderChoice?.reason ?? ''}; fell back: ${build.fallback}`.replace(/^; /, '') : (builderChoice?.reason ?? ''),
            ...(build.builder !== 'classic'
              ? {
                  buildkit: {
                    cli: build.cli ?? null,
                    secrets: buildPlan.secrets.map((secret) => secret.id),
                    cacheRecords: build.buildCache?.attributed ?? 0,
                    note: `${build.builder === 'buildkit-cli' ? `Built with BuildKit through the docker CLI (${build.cli ?? 'docker'} build).` : 'Built with BuildKit through the Engine API.'} ${build.buildCache?.note ?? ''}`.trim(),
                  },
                }
              : {}),
          }
        : null,
      ...(manifest.compose ? { stack: stackSummary } : {}),
      limits: {
        ...limits,
        buildTimeoutSeconds,
        contextMaxMegabytes,
      },
      cleanup,
      comparison,
      provenance,
    };

    /** Build, image and runtime phases of a challenge with a Dockerfile. */
    async function gradeImage(staticContext: StaticContext, dockerfile: DockerfileModel): Promise<void> {
      emit({ type: 'phase', phase: 'build', state: 'start' });
      const tag = options.keepImage ? `shipshape/${manifest.id}:latest` : undefined;
      build = await engineSide.buildImage(engine, scope, {
        contextDir: options.workspaceDir,
        dockerfile: manifest.dockerfile!,
        timeoutMs: buildTimeoutSeconds * 1000,
        contextLimitBytes: contextMaxMegabytes * 1_000_000,
        tag,
        signal: options.signal,
        noCache: options.noCache === 'classic' ? !buildPlan.request.buildkit : options.noCache,
        onEvent: (event) => emit({ type: 'build', event }),
        ...buildPlan.request,
      });
      // An engine that refused BuildKit built classic: the variants and the starter follow.
      if (build.builder === 'classic') buildPlan.request.buildkit = false;
      if (options.signal?.aborted) throw new CancelledError();
      if (build.engineLost) {
        throw new EngineUnavailableError(
          `The Docker engine at ${engine.info.endpoint} stopped answering during the build${build.failure?.step ? ` (at ${build.failure.step})` : ''}: ${build.failure?.message}.`,
          'Check that Docker is still running (`docker info`), then verify again. Your files were not changed.',
        );
      }
      if (build.failure && /no space left on device/i.test(build.failure.message)) {
        throw new UserError(
          `The Docker engine's disk is full${build.failure.step ? ` (at ${build.failure.step})` : ''}: ${build.failure.message}`,
          2,
          'Free space on the engine (`docker system prune`, or remove unused images), then verify again. Your files were not changed.',
        );
      }
      if (build.missingBaseImage) {
        throw new UserError(
          `Base image ${build.missingBaseImage} is not on the engine and could not be pulled: the engine at ${engine.info.endpoint} tried and got: ${build.failure?.message}`,
          2,
          `Online: \`shipshape images:pull --challenge ${manifest.id}\` (or \`docker pull ${build.missingBaseImage}\`). Offline: \`shipshape images:load BUNDLE.tar\` with a bundle made by \`shipshape images:save\` where the image exists. ` +
            `Or check the image name in ${manifest.dockerfile}.`,
        );
      }
      const buildContext: BuildContext = { ...staticContext, build };
      const built = await runPhase('build', buildContext);

      const imageFacts = build.imageId ? await engineSide.inspectImage(engine, build.imageId) : null;
      const unavailable = !build.imageId
        ? 'skipped: the build failed'
        : !built
          ? 'skipped: a build check failed'
          : null;
      let imageContext: ImageContext | null = null;
      if (imageFacts && !unavailable) {
        const finalStage = dockerfile.finalStage;
        const finalBaseRef = finalStage ? dockerfile.externalBaseOf(finalStage) : null;
        const finalBase: ImageFacts | null =
          finalBaseRef === 'scratch'
            ? { ...imageFacts, id: 'scratch', size: 0, healthcheck: null, layerCount: 0 }
            : finalBaseRef
              ? await engineSide.inspectImage(engine, finalBaseRef)
              : null;
        imageContext = {
          ...staticContext,
          image: imageFacts,
          finalBase,
          inspector: makeInspector(options, scope, buildPlan.request),
          ...(buildPlan.secrets.length ? { secrets: Object.fromEntries(buildPlan.secrets.map((secret) => [secret.id, secret.value])) } : {}),
        };
      }

      // The runtime phase starts its containers now, beside the image phase (which mostly waits on the
      // engine: exports, probe containers). Its verdicts are held and come out after the image phase's.
      // Nothing in the image phase depends on the runtime's, nor the other way round.
      const runtimeOut = heldOutput();
      const stopRuntime = new AbortController();
      const runtimeSignal = options.signal ? AbortSignal.any([options.signal, stopRuntime.signal]) : stopRuntime.signal;
      const onProbe = (probe: { index: number; exitCode: number; output: string; atMs: number }) =>
        runtimeOut.emit({ type: 'probe', ...probe, output: safeText(probe.output, 500) });
      const runtimeContext: RuntimeContext | null = imageContext
        ? {
            ...imageContext,
            runner: {
              runUntilHealthy: (image, runOptions) =>
                engineSide.runUntilHealthy(engine, scope, image, { ...runOptions, limits, signal: runtimeSignal, onProbe }),
              execWhenHealthy: async (image, command, runOptions) => {
                let run: CommandRun | null = null;
                const health = await engineSide.runUntilHealthy(engine, scope, image, {
                  ...runOptions,
                  limits,
                  signal: runtimeSignal,
                  onProbe,
                  onHealthy: async (container) => {
                    run = await engineSide.execInContainer(container, command, { timeoutMs: runOptions.commandTimeoutMs });
                  },
                });
                return { health, run };
              },
            },
          }
        : null;
      const runtime = runPhase('runtime', runtimeContext ?? unavailable ?? 'skipped: no image', runtimeOut);
      // Settled before anything else happens to it: an image phase that throws still waits for it below.
      runtime.catch(() => undefined);
      try {
        await runPhase('image', imageContext ?? unavailable ?? 'skipped: no image');
        if (imageContext && options.describeImage) {
          const base = imageContext.finalBase && imageContext.finalBase.id !== 'scratch' ? imageContext.finalBase.id : null;
          const layers = await largestAddedLayers(imageContext.inspector, imageContext.image.id, base, 8);
          if (layers) emit({ type: 'image', bytes: imageContext.image.size, layers });
        }
      } catch (error) {
        // The run ends here: its runtime containers stop now and are gone before the scope is disposed.
        stopRuntime.abort();
        await runtime.catch(() => undefined);
        throw error;
      }
      runtimeOut.release();
      await runtime;
      if (options.signal?.aborted) throw new CancelledError();

      // A pass earns the before/after; a failing run gets it only when a check measured the starter anyway.
      if (imageContext && build.imageId && (baseline || score(results).passed)) {
        comparison = await compareWithStarter(imageContext.inspector, imageContext.image, build.durationMs);
        if (options.signal?.aborted) throw new CancelledError();
      }

      if (options.keepImage && build.imageId && tag) {
        scope.keepImage(build.imageId);
        keptAs = tag;
      }
    }
  }

  async function compareWithStarter(inspector: ImageInspector, image: ImageFacts, buildMs: number): Promise<Comparison | null> {
    try {
      if (image.sizeMeasure?.problem) throw new Error(`the image size could not be measured: ${image.sizeMeasure.problem}`);
      const starter = await inspector.starterBaseline();
      // The image facts were read from the same inspect: no second call to the engine.
      const layers = image.layerCount ?? 0;
      return {
        sizeMeasure: SIZE_MEASURE,
        starter: { bytes: starter.bytes, layers: starter.layers, buildMs: starter.buildMs, measured: starter.source },
        image: { bytes: image.size, layers, buildMs },
        savedBytes: starter.bytes - image.size,
        factor: image.size > 0 ? Number((starter.bytes / image.size).toFixed(2)) : 0,
      };
    } catch (error) {
      if (options.signal?.aborted) throw new CancelledError();
      // The comparison is a bonus: a starter that cannot be measured must not change the verdict.
      emit({ type: 'note', message: `No before/after against the starter: ${errorMessage(error)}` });
      return null;
    }
  }

  function makeInspector(verifyOptions: VerifyOptions, runScope: RunScope, buildSettings: BuildPlan['request']): ImageInspector {
    // Read once per image and run, whichever checks ask.
    const wasted: Record<string, Promise<WastedBytes>> = {};
    let registry: Promise<LocalRegistry> | null = null;
    let multiPlatform: Promise<MultiPlatformSupport> | null = null;
    return {
      registry: () => (registry ??= engineSide.startRegistry(engine, runScope, { signal: verifyOptions.signal })),
      multiPlatform: () => (multiPlatform ??= engineSide.multiPlatformSupport(engine)),
      cosign: () => engineSide.cosignTool(process.env, verifyOptions.signal),
      buildPlatforms: async (platforms) => {
        const outcome = await engineSide.buildImage(engine, runScope, {
          contextDir: verifyOptions.workspaceDir,
          dockerfile: manifest.dockerfile!,
          timeoutMs: (verifyOptions.buildTimeoutSeconds ?? manifest.limits.buildTimeoutSeconds) * 1000,
          signal: verifyOptions.signal,
          ...buildSettings,
          platforms,
        });
        const index = outcome.imageId && !outcome.failure ? await engineSide.indexPlatforms(engine, outcome.imageId) : null;
        return {
          outcome: { imageId: outcome.imageId, failure: outcome.failure, durationMs: outcome.durationMs, steps: outcome.steps, stepLog: outcome.stepLog, builder: outcome.builder },
          index,
        };
      },
      readFileHead: (imageId, filePath, readOptions) => engineSide.readFileHead(engine, runScope, imageId, filePath, readOptions),
      inspect: (ref) => engineSide.inspectImage(engine, ref),
      pathExists: (imageId, probePath) => engineSide.imagePathExists(engine, runScope, imageId, probePath),
      history: (imageId) => engineSide.imageHistory(engine, imageId),
      findText: (imageId, text, findOptions) => engineSide.findTextInImage(engine, imageId, text, findOptions),
      wastedBytes: (imageId, wastedOptions) =>
        (wasted[`${imageId}@${wastedOptions?.sinceLayer ?? 0}`] ??= engineSide.imageWastedBytes(engine, imageId, { sinceLayer: wastedOptions?.sinceLayer })),
      run: (imageId, command, runOptions) =>
        engineSide.runInImage(engine, runScope, imageId, command, { ...runOptions, limits: verifyOptions.limits ?? engineSide.DEFAULT_LIMITS }),
      buildVariant: (variant) =>
        engineSide.buildVariant(engine, runScope, {
          workspaceDir: verifyOptions.workspaceDir,
          dockerfile: manifest.dockerfile!,
          timeoutMs: (verifyOptions.buildTimeoutSeconds ?? manifest.limits.buildTimeoutSeconds) * 1000,
          signal: verifyOptions.signal,
          variant,
          build: buildSettings,
        }),
      starterBaseline: () =>
        (baseline ??= engineSide.starterBaseline({
          engine,
          scope: runScope,
          challengeId: manifest.id,
          starterDir: path.join(verifyOptions.pack.dir, manifest.starter),
          dockerfile: manifest.dockerfile!,
          buildTimeoutMs: manifest.limits.buildTimeoutSeconds * 1000,
          signal: verifyOptions.signal,
          build: buildSettings,
          onNote: (message) => emit({ type: 'note', message }),
        })),
    };
  }
}

export interface BuildPlan {
  secrets: Array<BuildSecret & { buildArg?: string }>;
  /** Settings for every build of this run (the learner's, variants, the starter baseline). */
  request: { buildkit: boolean; buildArgs?: Record<string, string>; secrets?: BuildSecret[]; maskValues?: Record<string, string>; runCommands?: string[] };
}

/**
 * Each verify makes new random secret values, so a value found in the image can only have come from
 * this build. A secret with `buildArg` is also passed as that build argument: a Dockerfile that takes
 * the token through ARG instead of a secret mount then leaks exactly this value.
 */
export function planBuild(settings: BuildSettings, dockerfile: DockerfileModel | null): BuildPlan {
  const secrets = settings.secrets.map((secret) => ({
    id: secret.id,
    value: `shipshape-${secret.id.replace(/[^A-Za-z0-9]/g, '').toLowerCase()}-${randomBytes(16).toString('hex')}`,
    ...(secret.buildArg ? { buildArg: secret.buildArg } : {}),
  }));
  const secretArgs = Object.fromEntries(secrets.filter((secret) => secret.buildArg).map((secret) => [secret.buildArg!, secret.value]));
  const buildArgs = { ...settings.args, ...secretArgs };
  // RUN steps that saw a secret value (a secret mount; any RUN when a secret is also a build arg): their
  // BuildKit cache goes with the run, so no later run takes a step that ran with an old value from the cache.
  const secretSeen = (instruction: { getTextContent(): string }) =>
    Object.keys(secretArgs).length > 0 || /--mount=\S*type=secret/i.test(instruction.getTextContent());
  // Without secrets no step saw one (a secret mount of an id the manifest does not give mounts nothing).
  const runCommands = secrets.length === 0 ? [] : (dockerfile?.stages ?? []).flatMap((stage) =>
    stage.instructions
      .filter((instruction) => instruction.getKeyword() === 'RUN' && secretSeen(instruction))
      .map((instruction) => runCommand(instruction).replace(/^(?:--\S+\s+)*/, '').replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim()),
  );
  return {
    secrets,
    request: {
      buildkit: settings.buildkit,
      ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
      ...(secrets.length ? { secrets: secrets.map(({ id, value }) => ({ id, value })), maskValues: secretArgs } : {}),
      ...(runCommands.length ? { runCommands } : {}),
    },
  };
}

async function runCheck(check: CheckEntry, phase: Phase, context: ContextByPhase[Phase]): Promise<CheckResult> {
  const kind = findCheckKind(check.kind)!;
  const started = Date.now();
  let verdict: Verdict;
  let params: unknown = undefined;
  try {
    params = await checkParams(kind, check);
    verdict = await kind.run(params, context as never);
  } catch (error) {
    // An engine error inside one check fails that check with the reason rather than ending the run.
    if (error instanceof UserError) throw error;
    verdict = { status: 'fail', message: `could not run this check: ${errorMessage(error)}` };
  }
  // Only a kind that could not look because of the engine may skip, and it says so; anything else is a fail.
  if (verdict.status === 'skip' && verdict.skippedFor !== 'engine') verdict = { ...verdict, status: 'fail' };
  const location = verdict.status === 'pass' && !verdict.location ? null : locateVerdict(kind, params, context, verdict);
  return {
    id: check.id,
    title: check.title,
    kind: check.kind,
    phase,
    status: verdict.status,
    required: check.required,
    points: verdict.status === 'fail' || verdict.status === 'skip' ? 0 : check.points,
    maxPoints: check.points,
    // The one place verdicts become results: learner text in messages and evidence is made safe here.
    message: safeText(verdict.message),
    hint: hintFor(verdict, check.hint),
    ...(verdict.status === 'skip' ? { skippedFor: 'engine' as const } : {}),
    evidence: verdict.evidence === undefined ? undefined : safeEvidence(verdict.evidence),
    ...(location ? { location } : {}),
    durationMs: Date.now() - started,
  };
}

/** The verdict's own location, else its kind's, else the final stage's FROM (or the compose service). */
function locateVerdict(kind: NonNullable<ReturnType<typeof findCheckKind>>, params: unknown, context: ContextByPhase[Phase], verdict: Verdict) {
  try {
    const found = verdict.location ?? kind.locate?.(params, context as never, verdict) ?? defaultLocation(context as never, params);
    return found ? relativeTo(found, context.workspaceDir) : null;
  } catch {
    // A location is a pointer for reports: failing to find one must never change a verdict.
    return null;
  }
}

/** The hint shown with a verdict: the kind's for this very reason, else (for a fail) the manifest's; none on a pass. */
export function hintFor(verdict: Verdict, manifestHint: string): string | null {
  if (verdict.status === 'pass') return null;
  if (verdict.hint) return verdict.hint;
  return verdict.status === 'fail' ? manifestHint : null;
}

/** A check that did not run, with the reason (a phase it needs failed, a batch time limit, an error). */
export function skipped(check: CheckEntry, phase: Phase, reason: string): CheckResult {
  return {
    id: check.id,
    title: check.title,
    kind: check.kind,
    phase,
    status: 'skip',
    required: check.required,
    points: 0,
    maxPoints: check.points,
    message: safeText(reason),
    hint: check.hint,
    durationMs: 0,
  };
}
