import path from 'node:path';
import type { ImageInspector } from '../checks/kind.js';
import type { VerifyRun } from './run.js';

/** The image phase's window on the engine; what is read once per run is kept in the run's caches. */
export function makeInspector(run: VerifyRun): ImageInspector {
  const { engine, side, scope, buildPlan, limits } = run.session;
  const { options, manifest, cache } = run;
  const buildSettings = buildPlan.request;
  const timeoutMs = run.buildTimeoutSeconds * 1000;
  return {
    registry: () => (cache.registry ??= side.startRegistry(engine, scope, { signal: options.signal })),
    multiPlatform: () => (cache.multiPlatform ??= side.multiPlatformSupport(engine)),
    cosign: () => side.cosignTool(process.env, options.signal),
    buildPlatforms: async (platforms) => {
      const outcome = await side.buildImage(engine, scope, {
        contextDir: options.workspaceDir,
        dockerfile: manifest.dockerfile!,
        timeoutMs,
        signal: options.signal,
        ...buildSettings,
        platforms,
      });
      const index = outcome.imageId && !outcome.failure ? await side.indexPlatforms(engine, outcome.imageId) : null;
      return {
        outcome: { imageId: outcome.imageId, failure: outcome.failure, durationMs: outcome.durationMs, steps: outcome.steps, stepLog: outcome.stepLog, builder: outcome.builder },
        index,
      };
    },
    readFileHead: (imageId, filePath, readOptions) => side.readFileHead(engine, scope, imageId, filePath, readOptions),
    inspect: (ref) => side.inspectImage(engine, ref),
    pathExists: (imageId, probePath) => side.imagePathExists(engine, scope, imageId, probePath),
    history: (imageId) => side.imageHistory(engine, imageId),
    findText: (imageId, text, findOptions) => side.findTextInImage(engine, imageId, text, findOptions),
    wastedBytes: (imageId, wastedOptions) =>
      (cache.wasted[`${imageId}@${wastedOptions?.sinceLayer ?? 0}`] ??= side.imageWastedBytes(engine, imageId, { sinceLayer: wastedOptions?.sinceLayer })),
    run: (imageId, command, runOptions) => side.runInImage(engine, scope, imageId, command, { ...runOptions, limits }),
    buildVariant: (variant) =>
      side.buildVariant(engine, scope, {
        workspaceDir: options.workspaceDir,
        dockerfile: manifest.dockerfile!,
        timeoutMs,
        signal: options.signal,
        variant,
        build: buildSettings,
      }),
    starterBaseline: () =>
      (cache.baseline ??= side.starterBaseline({
        engine,
        scope,
        challengeId: manifest.id,
        starterDir: path.join(options.pack.dir, manifest.starter),
        dockerfile: manifest.dockerfile!,
        buildTimeoutMs: manifest.limits.buildTimeoutSeconds * 1000,
        signal: options.signal,
        build: buildSettings,
        onNote: (message) => run.emit({ type: 'note', message }),
      })),
  };
}
