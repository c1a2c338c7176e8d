import { score, type VerifyResult } from './result.js';
import type { VerifyRun } from './run.js';

/** The --json object of a run that went to the end (README: "--json"). */
export async function verifyResult(run: VerifyRun, cleanup: VerifyResult['cleanup']): Promise<VerifyResult> {
  const { manifest, options, timings } = run;
  const { engine, side, scope, limits } = run.session;
  const dockerfile = run.dockerfile;
  // Read once per verify, after the build (which may have pulled the base images).
  const { dockerfileImages } = await import('../course/images.js');
  const provenance = await side.gatherProvenance(
    engine,
    dockerfile ? dockerfileImages(dockerfile.path, dockerfile.source, dockerfile.options) : [],
    run.build?.builder ?? null,
  );
  timings.buildMs = run.build?.durationMs ?? 0;
  timings.totalMs = Date.now() - run.started;
  return {
    schemaVersion: 1,
    challenge: { id: manifest.id, title: manifest.title, lesson: manifest.lesson },
    workspace: options.workspaceDir,
    runId: scope.runId,
    ...score(run.results),
    checks: run.results,
    timings,
    engine: engine.info,
    build: buildSummary(run),
    ...(manifest.compose ? { stack: run.stack } : {}),
    limits: {
      ...limits,
      buildTimeoutSeconds: run.buildTimeoutSeconds,
      contextMaxMegabytes: run.contextMaxMegabytes,
    },
    cleanup,
    comparison: run.comparison,
    provenance,
  };
}

function buildSummary(run: VerifyRun): VerifyResult['build'] {
  const build = run.build;
  if (!build) return null;
  const { builderChoice, buildPlan } = run.session;
  return {
    imageId: build.imageId,
    steps: build.steps,
    durationMs: build.durationMs,
    context: { files: build.context.fileCount, bytes: build.context.totalBytes, ignored: build.context.ignoredCount },
    keptAs: run.keptAs,
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
  };
}
