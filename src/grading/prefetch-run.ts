import path from 'node:path';
import type { ChallengePack } from '../course/packs.js';
import { DockerfileModel } from '../checks/dockerfile/model.js';
import type { Engine } from '../engine/connect.js';
import { RunScope } from '../engine/scope.js';
import { buildKitSupport, builderPreference, chooseBuilder, engineBuildSupport } from '../engine/buildkit/choose.js';
import { readLearnerFile } from '../workspace/learner-file.js';
import { starterBaseline } from './baseline.js';
import { removeOwnMarker, updateOwnMarker } from './prefetch.js';
import { planBuild } from './verify.js';

export type PrefetchOutcome =
  | { status: 'measured' | 'cached'; bytes: number; durationMs: number }
  | { status: 'no-engine'; message: string }
  | { status: 'cancelled' }
  | { status: 'failed'; message: string };

/**
 * The background run behind `challenge:start`: measures the starter image on the engine exactly as a
 * verify's size check would (same builder choice, same build settings), so the verify reads the cache.
 * Everything it makes carries our labels and goes when it ends, also when it is cancelled (SIGTERM).
 */
export async function prefetchStarter(pack: ChallengePack, connect: () => Promise<Engine>, signal: AbortSignal): Promise<PrefetchOutcome> {
  const { manifest } = pack;
  const starterDir = path.join(pack.dir, manifest.starter);
  const started = Date.now();
  let engine: Engine;
  try {
    engine = await connect();
  } catch (error) {
    await removeOwnMarker(manifest.id, starterDir);
    return { status: 'no-engine', message: error instanceof Error ? error.message : String(error) };
  }
  const scope = new RunScope(engine.docker, manifest.id);
  try {
    await updateOwnMarker(manifest.id, starterDir, engine.info.endpoint);
    const source = await readLearnerFile(starterDir, manifest.dockerfile!, { what: 'Dockerfile', maxBytes: 1024 * 1024 });
    const dockerfile = DockerfileModel.parse(path.join(starterDir, manifest.dockerfile!), source, { builder: manifest.build.buildkit ? 'buildkit' : 'classic', buildArgs: manifest.build.args });
    const plan = planBuild(manifest.build, dockerfile);
    const choice = chooseBuilder(builderPreference(undefined), buildKitSupport(await engineBuildSupport(engine)), manifest.build.buildkit);
    plan.request.buildkit = choice.builder === 'buildkit';
    const baseline = await starterBaseline({
      engine,
      scope,
      challengeId: manifest.id,
      starterDir,
      dockerfile: manifest.dockerfile!,
      buildTimeoutMs: manifest.limits.buildTimeoutSeconds * 1000,
      signal,
      build: plan.request,
    });
    if (signal.aborted) return { status: 'cancelled' };
    return { status: baseline.source === 'built' ? 'measured' : 'cached', bytes: baseline.bytes, durationMs: Date.now() - started };
  } catch (error) {
    if (signal.aborted) return { status: 'cancelled' };
    return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
  } finally {
    await scope.dispose();
    await removeOwnMarker(manifest.id, starterDir);
  }
}
