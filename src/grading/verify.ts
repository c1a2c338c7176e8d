import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
  Phase,
  RuntimeContext,
  StaticContext,
  Verdict,
  WastedBytes,
} from '../checks/kind.js';
import { findCheckKind, isStaticKindName, loadCheckKinds } from '../checks/registry.js';
import type { BuildSettings, CheckEntry } from '../course/manifest.js';
import { runCommand } from '../checks/dockerfile/operands.js';
import type { BuildSecret } from '../engine/buildkit.js';
import type { ChallengePack } from '../course/packs.js';
import { EngineUnavailableError, UserError, errorMessage } from '../errors.js';
import type { BuildEvent, BuildResult } from '../engine/build.js';
import type { Engine } from '../engine/connect.js';
import type { ContainerLimits } from '../engine/run.js';
import type { RunScope } from '../engine/scope.js';
import type { ComposeStack } from '../engine/compose.js';
import { acquireWorkspaceLock } from '../workspace/lock.js';
import type * as EngineSide from './engine-side.js';
import { type CheckResult, type Comparison, type VerifyResult, score } from './result.js';

export type VerifyEvent =
  | { type: 'phase'; phase: Phase; state: 'start' | 'end' }
  | { type: 'check'; result: CheckResult }
  | { type: 'build'; event: BuildEvent }
  | { type: 'note'; message: string };

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
  /** Build without the layer cache (batch grading: concurrent runs must not share layers). */
  noCache?: boolean;
  onEvent?: (event: VerifyEvent) => void;
}

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
  const kindNames = manifest.checks.map((check) => check.kind);
  // The static phase's kinds first; the others load once the static verdicts are out.
  await loadCheckKinds(kindNames.filter(isStaticKindName));
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
  const emit = (event: VerifyEvent) => onEvent?.(event);
  const checksOf = (phase: Phase) =>
    manifest.checks.filter((check) => (phase === 'static' ? isStaticKindName(check.kind) : findCheckKind(check.kind)?.phase === phase));

  async function runPhase<P extends Phase>(phase: P, context: ContextByPhase[P] | string): Promise<boolean> {
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
      results.push(result);
      emit({ type: 'check', result });
    }
    emit({ type: 'phase', phase, state: 'end' });
    if (phase !== 'build') {
      const key = `${phase}Ms` as 'staticMs' | 'composeMs' | 'imageMs' | 'runtimeMs' | 'stackMs';
      timings[key] = (timings[key] ?? 0) + Date.now() - phaseStart;
    }
    return allPassed;
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
      const source = await readFile(dockerfilePath, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          throw new UserError(`No ${manifest.dockerfile} in ${options.workspaceDir}.`, 1, 'Run `shipshape challenge:reset` or restore the file.');
        }
        throw error;
      });
      dockerfile = DockerfileModel.parse(dockerfilePath, source);
      staticContext = { dockerfile, workspaceDir: options.workspaceDir };
      await runPhase('static', staticContext);
    }

    await loadCheckKinds(kindNames);

    // The compose model: bad YAML, a file compose rejects or host access end the run with one clear message.
    let composeContext: ComposeContext | null = null;
    if (manifest.compose) {
      // Loaded only for compose challenges: the YAML toolkit is not needed before the first verdict otherwise.
      const { loadComposeModel } = await import('../engine/compose.js');
      const compose = await loadComposeModel(options.workspaceDir, manifest.compose);
      composeContext = { compose, workspaceDir: options.workspaceDir };
      await runPhase('compose', composeContext);
    }

    engine = await (connecting ?? (options.engine as () => Promise<Engine>)());
    engineSide = await import('./engine-side.js');
    const scope = new engineSide.RunScope(engine.docker, manifest.id);
    const buildPlan = planBuild(manifest.build, dockerfile);
    if (manifest.build.buildkit) {
      emit({
        type: 'note',
        message: `This challenge builds with BuildKit through the docker CLI (DOCKER_BUILDKIT=1 docker build)${buildPlan.secrets.length ? `, with ${buildPlan.secrets.length === 1 ? 'a new random value for the build secret' : 'new random values for the build secrets'} ${buildPlan.secrets.map((secret) => secret.id).join(', ')}` : ''}.`,
      });
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
        emit({ type: 'note', message: `Bringing the compose stack up (${manifest.compose})…` });
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
            ...(build.builder === 'buildkit-cli'
              ? {
                  buildkit: {
                    cli: build.cli ?? null,
                    secrets: buildPlan.secrets.map((secret) => secret.id),
                    cacheRecords: build.buildCache?.attributed ?? 0,
                    note: `Built with BuildKit through the docker CLI (${build.cli ?? 'docker'} build). ${build.buildCache?.note ?? ''}`.trim(),
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
        noCache: options.noCache,
        onEvent: (event) => emit({ type: 'build', event }),
        ...buildPlan.request,
      });
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

      await runPhase('image', imageContext ?? unavailable ?? 'skipped: no image');

      const runtimeContext: RuntimeContext | null = imageContext
        ? {
            ...imageContext,
            runner: {
              runUntilHealthy: (image, runOptions) =>
                engineSide.runUntilHealthy(engine, scope, image, { ...runOptions, limits, signal: options.signal }),
              execWhenHealthy: async (image, command, runOptions) => {
                let run: CommandRun | null = null;
                const health = await engineSide.runUntilHealthy(engine, scope, image, {
                  ...runOptions,
                  limits,
                  signal: options.signal,
                  onHealthy: async (container) => {
                    run = await engineSide.execInContainer(engine, container, command, runOptions.commandTimeoutMs);
                  },
                });
                return { health, run };
              },
            },
          }
        : null;
      await runPhase('runtime', runtimeContext ?? unavailable ?? 'skipped: no image');
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
      const starter = await inspector.starterBaseline();
      // The image facts were read from the same inspect: no second call to the engine.
      const layers = image.layerCount ?? 0;
      return {
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
    return {
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
  // A compose-only challenge has no Dockerfile of its own to mask RUN commands from.
  const runCommands = (dockerfile?.stages ?? []).flatMap((stage) =>
    stage.instructions
      .filter((instruction) => instruction.getKeyword() === 'RUN')
      .map((instruction) => runCommand(instruction).replace(/^(?:--\S+\s+)*/, '').replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim()),
  );
  return {
    secrets,
    request: {
      buildkit: settings.buildkit,
      ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
      ...(secrets.length ? { secrets: secrets.map(({ id, value }) => ({ id, value })), maskValues: secretArgs } : {}),
      ...(settings.buildkit ? { runCommands } : {}),
    },
  };
}

async function runCheck(check: CheckEntry, phase: Phase, context: ContextByPhase[Phase]): Promise<CheckResult> {
  const kind = findCheckKind(check.kind)!;
  const started = Date.now();
  let verdict: Verdict;
  try {
    verdict = await kind.run(kind.params.parse(check.with), context as never);
  } catch (error) {
    // An engine error inside one check fails that check with the reason rather than ending the run.
    if (error instanceof UserError) throw error;
    verdict = { status: 'fail', message: `could not run this check: ${errorMessage(error)}` };
  }
  return {
    id: check.id,
    title: check.title,
    kind: check.kind,
    phase,
    status: verdict.status,
    required: check.required,
    points: verdict.status === 'fail' ? 0 : check.points,
    maxPoints: check.points,
    message: verdict.message,
    hint: hintFor(verdict, check.hint),
    evidence: verdict.evidence,
    durationMs: Date.now() - started,
  };
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
    message: reason,
    hint: check.hint,
    durationMs: 0,
  };
}
