import { describe, expect, it } from 'vitest';
import { classifyBuildFailure } from '../../src/grading/build-failure.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';

const setting = { endpoint: 'unix:///var/run/docker.sock', challengeId: 'docker-missing-multistage', dockerfile: 'Dockerfile' };
const outcome = (facts: Partial<Parameters<typeof classifyBuildFailure>[0]>) => ({ failure: null, engineLost: false, missingBaseImage: null, ...facts });

describe('classifyBuildFailure: a failed build that is not the learner\'s doing', () => {
  it('a build that passed, or failed on the learner\'s step, is graded (null)', () => {
    expect(classifyBuildFailure(outcome({}), setting)).toBeNull();
    expect(classifyBuildFailure(outcome({ failure: { message: 'returned a non-zero code: 1', step: 'Step 3/5 : RUN make' } }), setting)).toBeNull();
  });

  it('the engine gone mid-build: EngineUnavailableError naming the endpoint and step', () => {
    const error = classifyBuildFailure(outcome({ engineLost: true, failure: { message: 'socket hang up', step: 'Step 2/9' } }), setting)!;
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).toBe('The Docker engine at unix:///var/run/docker.sock stopped answering during the build (at Step 2/9): socket hang up.');
    expect(error.suggestion).toBe('Check that Docker is still running (`docker info`), then verify again. Your files were not changed.');
  });

  it('the engine gone is named before a full disk, and without a step says none', () => {
    const error = classifyBuildFailure(outcome({ engineLost: true, failure: { message: 'no space left on device' } }), setting)!;
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).toBe('The Docker engine at unix:///var/run/docker.sock stopped answering during the build: no space left on device.');
  });

  it('a full disk: exit 2 and how to free space', () => {
    const error = classifyBuildFailure(outcome({ failure: { message: 'write /var/lib/docker/x: No Space Left On Device', step: 'Step 3/9' } }), setting)!;
    expect(error).toBeInstanceOf(UserError);
    expect(error).not.toBeInstanceOf(EngineUnavailableError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe("The Docker engine's disk is full (at Step 3/9): write /var/lib/docker/x: No Space Left On Device");
    expect(error.suggestion).toContain('docker system prune');
  });

  it('a base image neither on the engine nor pullable: exit 2, pull and load named with the challenge and the Dockerfile', () => {
    const error = classifyBuildFailure(outcome({ missingBaseImage: 'php:8.3-cli', failure: { message: 'pull access denied' } }), setting)!;
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('Base image php:8.3-cli is not on the engine and could not be pulled: the engine at unix:///var/run/docker.sock tried and got: pull access denied');
    expect(error.suggestion).toContain('shipshape images:pull --challenge docker-missing-multistage');
    expect(error.suggestion).toContain('docker pull php:8.3-cli');
    expect(error.suggestion).toContain('Or check the image name in Dockerfile.');
  });
});
