import path from 'node:path';
import { type BuildContextPlan, planBuildContext } from '../../workspace/build-context.js';
import type { StaticContext } from '../kind.js';

// One plan per verify (keyed by its parsed Dockerfile): every context check reads the same walk.
const plans = new WeakMap<StaticContext['dockerfile'], Promise<BuildContextPlan>>();

/** The build context the docker CLI would send for this workspace and Dockerfile, planned once per verify. */
export function plannedBuildContext({ dockerfile, workspaceDir }: StaticContext): Promise<BuildContextPlan> {
  let plan = plans.get(dockerfile);
  if (!plan) {
    plan = planBuildContext(workspaceDir, path.relative(workspaceDir, dockerfile.path) || 'Dockerfile');
    plans.set(dockerfile, plan);
  }
  return plan;
}
