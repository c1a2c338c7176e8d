import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Baseline, SIZE_MEASURE, type SizeMeasure } from '../checks/kind.js';
import { DockerfileModel } from '../checks/dockerfile/model.js';
import { EngineProblemError, EngineUnavailableError, UserError } from '../errors.js';
import { type BuildRequest, buildImage } from '../engine/build.js';
import type { Engine } from '../engine/connect.js';
import { inspectImage } from '../engine/inspect.js';
import type { RunScope } from '../engine/scope.js';
import { writeFileAtomic } from '../workspace/atomic.js';
import { cacheDir } from '../workspace/cache-dir.js';
import { listFiles } from '../workspace/files.js';

export { cacheDir };

interface BaselineCache {
  [key: string]: { bytes: number; measure?: SizeMeasure; layers?: number; buildMs?: number; measuredAt: string; challenge: string };
}

/**
 * The starter image's size on this engine. Measured by building the starter once; the figure is
 * cached per (starter files, engine, base image ids), the image itself is removed with the run.
 */
export async function starterBaseline(options: {
  engine: Engine;
  scope: RunScope;
  challengeId: string;
  starterDir: string;
  dockerfile: string;
  buildTimeoutMs: number;
  signal?: AbortSignal;
  /** The run's build settings: a starter that needs BuildKit or build args is measured the same way. */
  build?: Pick<BuildRequest, 'buildkit' | 'buildArgs' | 'secrets' | 'maskValues'>;
  onNote?: (message: string) => void;
}): Promise<Baseline> {
  const key = await baselineKey(options);
  const file = path.join(cacheDir(), 'baselines.json');
  let cache = await readCache(file);
  // Entries written before layers, build time and the size measure were recorded are measured again, once
  // (on the containerd store those held the compressed size).
  const usable = (entry: BaselineCache[string] | undefined): Baseline | null =>
    entry?.layers !== undefined && entry.buildMs !== undefined && entry.measure === SIZE_MEASURE
      ? { bytes: entry.bytes, source: 'cache', layers: entry.layers, buildMs: entry.buildMs }
      : null;
  const cached = usable(cache[key]);
  if (cached) return cached;

  // `challenge:start` may be measuring this very starter in the background: join it rather than build twice.
  const { joinPrefetch } = await import('./prefetch.js');
  const joined = await joinPrefetch(options.challengeId, options.starterDir, options.engine.info.endpoint, {
    limitMs: options.buildTimeoutMs,
    signal: options.signal,
    onJoin: () => options.onNote?.('Waiting for the starter measurement that challenge:start began in the background...'),
  });
  if (joined) {
    cache = await readCache(file);
    const measured = usable(cache[key]);
    if (measured) return measured;
  }

  options.onNote?.('Measuring the starter image on this engine for the size budget (once per engine; cached afterwards)...');
  const result = await buildImage(options.engine, options.scope, {
    contextDir: options.starterDir,
    dockerfile: options.dockerfile,
    timeoutMs: options.buildTimeoutMs,
    signal: options.signal,
    ...options.build,
  });
  if (!result.imageId && result.engineLost) {
    // Not the starter's fault: batch grading then grades the submission again on another engine.
    throw new EngineUnavailableError(
      `The Docker engine at ${options.engine.info.endpoint} stopped answering while the challenge's starter was built to measure its size: ${result.failure?.message ?? 'no image'}.`,
      'Check that Docker is still running (`docker info`), then verify again. Your files were not changed.',
    );
  }
  if (!result.imageId) {
    throw new UserError(
      `Could not build the challenge's starter to measure its size: ${result.failure?.message ?? 'no image'}${result.failure?.step ? ` (${result.failure.step})` : ''}.`,
      2,
      result.missingBaseImage ? `Base image ${result.missingBaseImage} is missing: pull it while online.` : undefined,
    );
  }
  const facts = await inspectImage(options.engine, result.imageId);
  // Never cache a size that was not measured.
  if (facts?.sizeMeasure?.problem) throw new EngineProblemError(`the starter image's size could not be measured: ${facts.sizeMeasure.problem}`);
  const bytes = facts!.size;
  const layers = facts!.layerCount ?? 0;
  const buildMs = result.durationMs;
  cache[key] = { bytes, measure: SIZE_MEASURE, layers, buildMs, measuredAt: new Date().toISOString(), challenge: options.challengeId };
  await writeFileAtomic(file, `${JSON.stringify(cache, null, 2)}\n`).catch(() => undefined);
  return { bytes, source: 'built', layers, buildMs };
}

async function baselineKey(options: { engine: Engine; starterDir: string; dockerfile: string }): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${options.engine.info.endpoint}\n${options.engine.info.serverVersion}\n`);
  for (const file of await listFiles(options.starterDir)) {
    hash.update(`${file}\n`);
    hash.update(await readFile(path.join(options.starterDir, file)));
  }
  // A different base image (a new php release, a stand-in rebuilt) changes the starter's size.
  const model = DockerfileModel.parse(options.dockerfile, await readFile(path.join(options.starterDir, options.dockerfile), 'utf8'));
  const externals = new Set(model.stages.map((stage) => model.externalBaseOf(stage)));
  for (const ref of [...externals].sort()) {
    const facts = await inspectImage(options.engine, ref, { measureSize: false }).catch(() => null);
    hash.update(`${ref}=${facts?.id ?? 'missing'}\n`);
  }
  return hash.digest('hex');
}

async function readCache(file: string): Promise<BaselineCache> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as BaselineCache) : {};
  } catch {
    return {};
  }
}
