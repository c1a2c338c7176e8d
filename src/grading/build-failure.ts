import type { BuildResult } from '../engine/build.js';
import { EngineUnavailableError, UserError } from '../errors.js';

/** What names the engine and the challenge in a build failure's message. */
export interface BuildFailureSetting {
  endpoint: string;
  challengeId: string;
  dockerfile: string;
}

type BuildFailureFacts = Pick<BuildResult, 'failure' | 'engineLost' | 'missingBaseImage'>;

/**
 * A build that failed for a reason that is not the learner's (the engine went away, its disk is full, a
 * base image is missing) ends the run with one message saying what to do; any other failure is the
 * learner's and is graded (null here).
 */
export function classifyBuildFailure(build: BuildFailureFacts, setting: BuildFailureSetting): UserError | null {
  const at = build.failure?.step ? ` (at ${build.failure.step})` : '';
  if (build.engineLost) {
    return new EngineUnavailableError(
      `The Docker engine at ${setting.endpoint} stopped answering during the build${at}: ${build.failure?.message}.`,
      'Check that Docker is still running (`docker info`), then verify again. Your files were not changed.',
    );
  }
  if (build.failure && /no space left on device/i.test(build.failure.message)) {
    return new UserError(
      `The Docker engine's disk is full${at}: ${build.failure.message}`,
      2,
      'Free space on the engine (`docker system prune`, or remove unused images), then verify again. Your files were not changed.',
    );
  }
  if (build.missingBaseImage) {
    return new UserError(
      `Base image ${build.missingBaseImage} is not on the engine and could not be pulled: the engine at ${setting.endpoint} tried and got: ${build.failure?.message}`,
      2,
      `Online: \`shipshape images:pull --challenge ${setting.challengeId}\` (or \`docker pull ${build.missingBaseImage}\`). Offline: \`shipshape images:load BUNDLE.tar\` with a bundle made by \`shipshape images:save\` where the image exists. ` +
        `Or check the image name in ${setting.dockerfile}.`,
    );
  }
  return null;
}
