import { describe, expect, it } from 'vitest';
import { lossWindowMs } from '../../src/engine/build.js';

const failure = (message: string, lastLines: string[] = []) => ({ message, lastLines });

describe('how long a failed build watches the engine before blaming the Dockerfile', () => {
  it('a step killed by a signal (137, 143) gets 5 s, from either builder', () => {
    expect(lossWindowMs(failure("The command '/bin/sh -c sleep 120' returned a non-zero code: 137"))).toBe(5000);
    expect(lossWindowMs(failure('process "/bin/sh -c sleep 120" did not complete successfully: exit code: 143'))).toBe(5000);
    expect(lossWindowMs(failure('executor failed running [/bin/sh -c sleep 120]: exit code: 137'))).toBe(5000);
  });

  it('a step whose container the runtime failed to start (seen when a daemon stops under BuildKit) gets 5 s', () => {
    expect(
      lossWindowMs(
        failure('executor failed running [/bin/sh -c sleep 120]: exit code: 1', [
          'runc run failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: time="2026-11-23T19:58:05Z" level=fatal msg="failed to update store for object type *libnetwork.sbState: open : no such file or directory"',
        ]),
      ),
    ).toBe(5000);
  });

  it("a step that exited with its own code is the learner's: no wait", () => {
    expect(lossWindowMs(failure("The command '/bin/sh -c exit 3' returned a non-zero code: 3", ['make: *** [all] Error 3']))).toBe(0);
    expect(lossWindowMs(failure('process "/bin/sh -c exit 1" did not complete successfully: exit code: 1'))).toBe(0);
  });

  it('any other engine-side error is checked briefly', () => {
    expect(lossWindowMs(failure('failed to update store for object type *libnetwork.endpoint'))).toBe(1500);
    expect(lossWindowMs(failure('rpc error: code = Unavailable desc = error reading from server: EOF'))).toBe(1500);
  });
});
