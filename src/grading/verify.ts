import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DockerfileModel } from '../checks/dockerfile/model.js';
import type {
  BuildContext,
  ContextByPhase,
  ImageContext,
  ImageFacts,
  ImageInspector,
  Phase,
  RuntimeContext,
  StaticContext,
  Verdict,
} from '../checks/kind.js';
import { findCheckKind } from '../checks/registry.js';
import type { CheckEntry } from '../course/manifest.js';
import type { ChallengePack } from '../course/packs.js';
import { EngineUnavailableError, UserError, errorMessage } from '../errors.js';
import { type BuildEvent, type BuildResult, buildImage } from '../engine/build.js';
import type { Engine } from '../engine/connect.js';
import { imagePathExists, inspectImage } from '../engine/inspect.js';
import { type ContainerLimits, DEFAULT_LIMITS, runUntilHealthy } from '../engine/run.js';
import { RunScope } from '../engine/scope.js';
import { acquireWorkspaceLock } from '../workspace/lock.js';
import { starterBaseline } from './baseline.js';
import { type CheckResult, type VerifyResult, score } from './result.js';

export type VerifyEvent =
  | { type: 'phase'; phase: Phase; state: 'start' | 'end' }
  | { type: 'check'; result: CheckResult }
  | { type: 'build'; event: BuildEvent }
  | { type: 'note'; message: string };

export interface VerifyOptions {
  pack: ChallengePack;
  workspaceDir: string;
  engine: Engine;
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
  const { pack, engine, onEvent } = options;
  const { manifest } = pack;
  const started = Date.now();
  const buildTimeoutSeconds = options.buildTimeoutSeconds ?? manifest.limits.buildTimeoutSeconds;
  const contextMaxMegabytes = options.contextMaxMegabytes ?? manifest.limits.contextMaxMegabytes;
  const timings = { totalMs: 0, staticMs: 0, buildMs: 0, imageMs: 0, runtimeMs: 0 };
  const results: CheckResult[] = [];
  const emit = (event: VerifyEvent) => onEvent?.(event);
  const checksOf = (phase: Phase) =>
    manifest.checks.filter((check) => findCheckKind(check.kind)?.phase === phase);

  async function runPhase<P extends Phase>(phase: P, context: ContextByPhase[P] | string): Promise<boolean> {
    const checks = checksOf(phase);
    if (checks.length === 0) {
      if (phase === 'build') emit({ type: 'phase', phase, state: 'end' });
      return true;
    }
    const phaseStart = Date.now();
    // The build phase was opened before the build itself, so its progress shows under it.
    if (phase !== 'build') emit({ type: 'phase', phase, state: 'start' });
    let allPassed = true;
    for (const check of checks) {
      if (options.signal?.aborted) throw new CancelledError();
      const result =
        typeof context === 'string'
          ? skipped(check, phase, context)
          : await runCheck(check, phase, context);
      // A check cut short by Ctrl-C has no verdict worth showing.
      if (options.signal?.aborted) throw new CancelledError();
      if (result.status !== 'pass') allPassed = false;
      results.push(result);
      emit({ type: 'check', result });
    }
    emit({ type: 'phase', phase, state: 'end' });
    if (phase !== 'build') timings[`${phase}Ms` as 'staticMs' | 'imageMs' | 'runtimeMs'] += Date.now() - phaseStart;
    return allPassed;
  }

  const releaseLock = await acquireWorkspaceLock(options.workspaceDir, 'challenge:verify');
  try {
    return await gradeLocked();
  } finally {
    await releaseLock();
  }

  async function gradeLocked(): Promise<VerifyResult> {
    const dockerfilePath = path.join(options.workspaceDir, manifest.dockerfile);
    const source = await readFile(dockerfilePath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new UserError(`No ${manifest.dockerfile} in ${options.workspaceDir}.`, 1, 'Run `shipshape challenge:reset` or restore the file.');
      }
      throw error;
    });
    const dockerfile = DockerfileModel.parse(dockerfilePath, source);
    const staticContext: StaticContext = { dockerfile, workspaceDir: options.workspaceDir };
    await runPhase('static', staticContext);

    const scope = new RunScope(engine.docker, manifest.id);
    const limits = options.limits ?? DEFAULT_LIMITS;
    let build: BuildResult | null = null;
    let keptAs: string | null = null;
    let cleanup: VerifyResult['cleanup'] = null;
    try {
      if (options.signal?.aborted) throw new CancelledError();
      emit({ type: 'phase', phase: 'build', state: 'start' });
      const tag = options.keepImage ? `shipshape/${manifest.id}:latest` : undefined;
      build = await buildImage(engine, scope, {
        contextDir: options.workspaceDir,
        dockerfile: manifest.dockerfile,
        timeoutMs: buildTimeoutSeconds * 1000,
        contextLimitBytes: contextMaxMegabytes * 1_000_000,
        tag,
        signal: options.signal,
        noCache: options.noCache,
        onEvent: (event) => emit({ type: 'build', event }),
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

      const imageFacts = build.imageId ? await inspectImage(engine, build.imageId) : null;
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
            ? { ...imageFacts, id: 'scratch', size: 0, healthcheck: null }
            : finalBaseRef
              ? await inspectImage(engine, finalBaseRef)
              : null;
        imageContext = { ...staticContext, image: imageFacts, finalBase, inspector: makeInspector(options, scope) };
      }

      await runPhase('image', imageContext ?? unavailable ?? 'skipped: no image');

      const runtimeContext: RuntimeContext | null = imageContext
        ? {
            ...imageContext,
            runner: {
              runUntilHealthy: (image, runOptions) =>
                runUntilHealthy(engine, scope, image, { ...runOptions, limits, signal: options.signal }),
            },
          }
        : null;
      await runPhase('runtime', runtimeContext ?? unavailable ?? 'skipped: no image');
      if (options.signal?.aborted) throw new CancelledError();

      if (options.keepImage && build.imageId && tag) {
        scope.keepImage(build.imageId);
        keptAs = tag;
      }
    } finally {
      const report = await scope.dispose();
      cleanup = report;
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
          }
        : null,
      limits: {
        ...limits,
        buildTimeoutSeconds,
        contextMaxMegabytes,
      },
      cleanup,
    };
  }

  function makeInspector(verifyOptions: VerifyOptions, runScope: RunScope): ImageInspector {
    let baseline: ReturnType<ImageInspector['starterBaseline']> | null = null;
    return {
      inspect: (ref) => inspectImage(engine, ref),
      pathExists: (imageId, probePath) => imagePathExists(engine, runScope, imageId, probePath),
      starterBaseline: () =>
        (baseline ??= starterBaseline({
          engine,
          scope: runScope,
          challengeId: manifest.id,
          starterDir: path.join(verifyOptions.pack.dir, manifest.starter),
          dockerfile: manifest.dockerfile,
          buildTimeoutMs: manifest.limits.buildTimeoutSeconds * 1000,
          onNote: (message) => emit({ type: 'note', message }),
        })),
    };
  }
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
    points: verdict.status === 'pass' ? check.points : 0,
    maxPoints: check.points,
    message: verdict.message,
    hint: verdict.status === 'pass' ? null : check.hint,
    evidence: verdict.evidence,
    durationMs: Date.now() - started,
  };
}

function skipped(check: CheckEntry, phase: Phase, reason: string): CheckResult {
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
