import type { VerifyResult } from '../result.js';
import { toClassroom50 } from './classroom50.js';
import { githubAnnotations, githubSummary } from './github.js';
import { type GradescopeOptions, toGradescope } from './gradescope.js';
import { toJunitReport } from './junit.js';
import { toSarif } from './sarif.js';

import type { VerifyFormat } from './names.js';

export { VERIFY_FORMATS, type VerifyFormat } from './names.js';

export interface RenderOptions {
  /** Environment of the CI job (GITHUB_WORKSPACE, Classroom 50's variables); default process.env. */
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** Gradescope enforces visibility itself: which checks of the (whole) result the learner may see. */
  gradescope?: GradescopeOptions;
}

/**
 * A verify result in one of the report formats. `document` is what --output (or stdout) gets;
 * `github` also has workflow commands, which must reach stdout for the runner to read them.
 */
export function renderVerify(result: VerifyResult, format: VerifyFormat, options: RenderOptions = {}): { document: string; commands?: string[] } {
  const env = options.env ?? process.env;
  const root = env.GITHUB_WORKSPACE || undefined;
  switch (format) {
    case 'json':
      return { document: `${JSON.stringify(result, null, 2)}\n` };
    case 'junit':
      return { document: toJunitReport(result) };
    case 'sarif':
      return { document: toSarif(result, { root }) };
    case 'gradescope':
      return { document: toGradescope(result, options.gradescope) };
    case 'classroom50':
      return { document: toClassroom50(result, env, options.now) };
    case 'github':
      return { document: githubSummary(result, { root }), commands: githubAnnotations(result, { root }) };
  }
}
