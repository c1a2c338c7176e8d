import path from 'node:path';
import { PHASES } from '../../checks/kind.js';
import { DockerfileModel } from '../../checks/dockerfile/model.js';
import { loadCheckKinds } from '../../checks/registry.js';
import { readLearnerFile } from '../../workspace/learner-file.js';
import type { PhaseStep } from './step.js';

/** Largest Dockerfile graded (docs/dockerfile.md): real ones are a few kilobytes, and parsing one takes about a second of CPU per megabyte, during which Ctrl-C waits. */
export const DOCKERFILE_MAX_BYTES = 1024 * 1024;

/** The Dockerfile read and parsed, its checks graded; then the later phases' kinds load (after the first verdicts). */
export const staticStep: PhaseStep = {
  name: 'static',
  needsEngine: false,
  // Always: even a challenge without a Dockerfile loads the later phases' kinds here.
  appliesTo: () => true,
  async grade(run, out) {
    const { manifest, options } = run;
    // A compose-only challenge has no Dockerfile: its Dockerfile phases have no checks (the manifest schema sees to that).
    if (manifest.dockerfile) {
      const dockerfilePath = path.join(options.workspaceDir, manifest.dockerfile);
      // A directory, device, link out of the workspace, oversized or non-UTF-8 file gets one clear message (exit 1).
      const source = await readLearnerFile(options.workspaceDir, manifest.dockerfile, { what: 'Dockerfile', maxBytes: DOCKERFILE_MAX_BYTES });
      run.dockerfile = DockerfileModel.parse(dockerfilePath, source, { builder: manifest.build.buildkit ? 'buildkit' : 'classic', buildArgs: manifest.build.args });
      run.staticContext = { dockerfile: run.dockerfile, workspaceDir: options.workspaceDir };
      await run.grade('static', run.staticContext, { out });
    }
    await loadCheckKinds(run.plan.kindsOf(...PHASES), { schemas: false });
  },
};
