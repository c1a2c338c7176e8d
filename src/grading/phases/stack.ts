import type { StackContext } from '../../checks/kind.js';
import type { PhaseStep } from './step.js';

/** The compose stack brought up (under the stack phase, opened before `compose up`), graded and taken down. */
export const stackStep: PhaseStep = {
  name: 'stack',
  needsEngine: true,
  appliesTo: (run) => run.composeContext !== null && run.plan.checksOf('stack').length > 0,
  async grade(run, out) {
    const { manifest, options } = run;
    const { engine, scope, limits } = run.session;
    const composeContext = run.composeContext!;
    out.emit({ type: 'phase', phase: 'stack', state: 'start' });
    out.emit({ type: 'note', message: `Bringing the compose stack up (${[manifest.compose, ...(manifest.composeOverrides ?? [])].join(' + ')})…` });
    const { ComposeStack } = await import('../../engine/compose.js');
    const stack = new ComposeStack({
      engine,
      scope,
      model: composeContext.compose,
      workspaceDir: options.workspaceDir,
      limits,
      upTimeoutMs: manifest.limits.composeUpTimeoutSeconds * 1000,
      signal: options.signal,
    });
    try {
      const up = await stack.start();
      run.throwIfCancelled();
      run.stack = { project: stack.project, ok: up.ok, message: up.message, durationMs: up.durationMs, outputTail: up.outputTail };
      if (!up.ok) out.emit({ type: 'note', message: `${up.message}\n${up.outputTail.map((line) => `  ${line}`).join('\n')}` });
      const stackContext: StackContext = { ...composeContext, stack };
      await run.grade('stack', up.ok ? stackContext : `skipped: the stack did not come up: ${up.message}`, { out, openedByStep: true });
      run.timings.stackMs = (run.timings.stackMs ?? 0) + up.durationMs;
    } finally {
      // Down before the scope is disposed (the stack's containers, networks and volumes carry our labels too).
      run.closeErrors.push(...(await stack.down()));
    }
  },
};
