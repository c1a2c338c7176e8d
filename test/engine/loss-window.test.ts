import { describe, expect, it } from 'vitest';
import { lossWindowMs } from '../../src/engine/build.js';

describe('how long a failed build watches the engine before blaming the Dockerfile', () => {
  it('a step killed by a signal (137, 143) gets 5 s, from either builder', () => {
    expect(lossWindowMs("The command '/bin/sh -c sleep 120' returned a non-zero code: 137")).toBe(5000);
    expect(lossWindowMs('process "/bin/sh -c sleep 120" did not complete successfully: exit code: 143')).toBe(5000);
    expect(lossWindowMs('executor failed running [/bin/sh -c sleep 120]: exit code: 137')).toBe(5000);
  });

  it("a step that exited with its own code is the learner's: no wait", () => {
    expect(lossWindowMs("The command '/bin/sh -c exit 3' returned a non-zero code: 3")).toBe(0);
    expect(lossWindowMs('process "/bin/sh -c exit 1" did not complete successfully: exit code: 1')).toBe(0);
  });

  it('any other engine-side error is checked briefly', () => {
    expect(lossWindowMs('failed to update store for object type *libnetwork.endpoint')).toBe(1500);
    expect(lossWindowMs('rpc error: code = Unavailable desc = error reading from server: EOF')).toBe(1500);
  });
});
