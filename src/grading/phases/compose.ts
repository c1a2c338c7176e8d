import type { PhaseStep } from './step.js';

/** The compose model: bad YAML, a file compose rejects or host access end the run with one clear message. */
export const composeStep: PhaseStep = {
  name: 'compose',
  needsEngine: false,
  appliesTo: (run) => Boolean(run.manifest.compose),
  async open(run) {
    const { manifest, options } = run;
    const loadStart = Date.now();
    // Loaded only for compose challenges: the YAML toolkit is not needed before the first verdict otherwise.
    const { loadComposeModel } = await import('../../engine/compose.js');
    const compose = await loadComposeModel(options.workspaceDir, manifest.compose!, manifest.composeOverrides);
    // composeMs counts reading the file and `compose config` too, not only the checks on the model.
    run.timings.composeMs = (run.timings.composeMs ?? 0) + Date.now() - loadStart;
    run.composeContext = { compose, workspaceDir: options.workspaceDir };
  },
  async grade(run, out) {
    await run.grade('compose', run.composeContext!, { out });
  },
};
