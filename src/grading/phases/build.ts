import { plannedBuildContext } from '../../checks/context/plan.js';
import { classifyBuildFailure } from '../build-failure.js';
import type { PhaseStep } from './step.js';

/** The learner's image built (its progress under the build phase), then the build checks on the outcome. */
export const buildStep: PhaseStep = {
  name: 'build',
  needsEngine: true,
  appliesTo: (run) => run.staticContext !== null,
  async grade(run, out) {
    const { manifest, options } = run;
    const { engine, side, scope, buildPlan } = run.session;
    out.emit({ type: 'phase', phase: 'build', state: 'start' });
    const build = await side.buildImage(engine, scope, {
      contextDir: options.workspaceDir,
      // The walk the static phase's context checks made, once per run (planned now when none did).
      contextPlan: await plannedBuildContext(run.staticContext!),
      dockerfile: manifest.dockerfile!,
      timeoutMs: run.buildTimeoutSeconds * 1000,
      contextLimitBytes: run.contextMaxMegabytes * 1_000_000,
      tag: options.keepImage ? keptImageTag(manifest.id) : undefined,
      signal: options.signal,
      noCache: options.noCache === 'classic' ? !buildPlan.request.buildkit : options.noCache,
      onEvent: (event) => out.emit({ type: 'build', event }),
      ...buildPlan.request,
    });
    run.build = build;
    // An engine that refused BuildKit built classic: the variants and the starter follow.
    if (build.builder === 'classic') buildPlan.request.buildkit = false;
    run.throwIfCancelled();
    // Not the learner's doing (engine gone, disk full, base image missing): the run ends saying what to do.
    const notTheLearners = classifyBuildFailure(build, { endpoint: engine.info.endpoint, challengeId: manifest.id, dockerfile: manifest.dockerfile! });
    if (notTheLearners) throw notTheLearners;
    run.buildChecksPassed = await run.grade('build', { ...run.staticContext!, build }, { out, openedByStep: true });
  },
};

/** The tag `--keep-image` gives the learner's image. */
export function keptImageTag(challengeId: string): string {
  return `shipshape/${challengeId}:latest`;
}
