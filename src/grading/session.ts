import type { Engine } from '../engine/connect.js';
import { type BuilderChoice, builderPreference } from '../engine/buildkit/choose.js';
import { planBuild } from './build-plan.js';
import type * as EngineSide from './engine-side.js';
import type { EngineSession, VerifyRun } from './run.js';

/** Opens the run's engine session: its scope, the build settings of every build, and the builder. */
export async function openSession(run: VerifyRun, engine: Engine, side: typeof EngineSide): Promise<EngineSession> {
  const { manifest, options } = run;
  const scope = new side.RunScope(engine.docker, manifest.id);
  const buildPlan = planBuild(manifest.build, run.dockerfile);
  let builderChoice: BuilderChoice | null = null;
  if (manifest.dockerfile) {
    const { buildKitSupport, chooseBuilder, engineBuildSupport } = await import('../engine/buildkit/choose.js');
    builderChoice = chooseBuilder(options.builder ?? builderPreference(undefined), buildKitSupport(await engineBuildSupport(engine)), manifest.build.buildkit);
    buildPlan.request.buildkit = builderChoice.builder === 'buildkit';
    if (buildPlan.secrets.length > 0) {
      run.emit({
        type: 'note',
        message: `This challenge builds with BuildKit and ${buildPlan.secrets.length === 1 ? 'a new random value for the build secret' : 'new random values for the build secrets'} ${buildPlan.secrets.map((secret) => secret.id).join(', ')}, served to the build through the Engine API session.`,
      });
    }
  }
  return { engine, side, scope, buildPlan, builderChoice, limits: options.limits ?? side.DEFAULT_LIMITS };
}
