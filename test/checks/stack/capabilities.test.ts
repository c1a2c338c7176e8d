import { describe, expect, it } from 'vitest';
import { capabilitiesOf, composeCapabilities, readProcStatus } from '../../../src/checks/stack/capabilities.js';
import { container, fakeStack, runStack } from '../compose/helpers.js';

const status = (capEff: string, noNewPrivs = 1) => `Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\nCapBnd:\t${capEff}\nNoNewPrivs:\t${noNewPrivs}\nSeccomp:\t2\n`;
const DOCKER_DEFAULT = '00000000a80425fb';
const hardened = `services:\n  app:\n    image: python:3.12-slim\n    cap_drop: [ALL]\n    cap_add: [SETUID, SETGID]\n    security_opt: ['no-new-privileges:true']\n`;

describe('compose.capabilities', () => {
  it('decodes a CapEff mask into names, Docker\'s default fourteen included', () => {
    expect(capabilitiesOf('00000000000000c0')).toEqual(['SETGID', 'SETUID']);
    expect(capabilitiesOf(DOCKER_DEFAULT)).toEqual([
      'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE', 'NET_RAW', 'SYS_CHROOT', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP',
    ]);
    expect(readProcStatus('not a status file')).toBeNull();
  });

  it('passes the process that keeps only the allowed capabilities, with NoNewPrivs and the service asking for it', async () => {
    const stack = fakeStack({ containers: [container('app')], exec: async () => ({ exitCode: 0, stdout: status('00000000000000c0'), stderr: '', timedOut: false }) });
    const result = await runStack(composeCapabilities, { service: 'app', allowed: ['setuid', 'CAP_SETGID'] }, stack, hardened);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('the main process of `app` runs with SETGID, SETUID and NoNewPrivs: 1');
    expect(stack.execCalls).toEqual([['cat', '/proc/1/status']]);
  });

  it("fails Docker's default set, naming the capabilities it keeps", async () => {
    const stack = fakeStack({ containers: [container('app')], exec: async () => ({ exitCode: 0, stdout: status(DOCKER_DEFAULT), stderr: '', timedOut: false }) });
    const result = await runStack(composeCapabilities, { service: 'app', allowed: ['SETUID', 'SETGID'] }, stack, hardened);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('keeps 12 capabilities it does not need: CHOWN, DAC_OVERRIDE');
    expect(result.hint).toContain('cap_drop: [ALL]');
  });

  it('fails NoNewPrivs set only by the grader: the service must ask for it', async () => {
    const stack = fakeStack({ containers: [container('app')], exec: async () => ({ exitCode: 0, stdout: status('0000000000000000'), stderr: '', timedOut: false }) });
    const result = await runStack(composeCapabilities, { service: 'app' }, stack, 'services:\n  app:\n    image: x\n    cap_drop: [ALL]\n');
    expect(result.status).toBe('fail');
    expect(result.message).toContain('does not ask for `no-new-privileges`');
    const flagOff = fakeStack({ containers: [container('app')], exec: async () => ({ exitCode: 0, stdout: status('0000000000000000', 0), stderr: '', timedOut: false }) });
    expect((await runStack(composeCapabilities, { service: 'app' }, flagOff, hardened)).message).toContain('NoNewPrivs: 0');
  });

  it('never passes when /proc/1/status could not be read', async () => {
    const stack = fakeStack({ containers: [container('app')], exec: async () => ({ exitCode: 127, stdout: '', stderr: 'exec: "cat": executable file not found', timedOut: false }) });
    const result = await runStack(composeCapabilities, { service: 'app', allowed: [] }, stack, hardened);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('could not read /proc/1/status');
    const stopped = fakeStack({ containers: [container('app', { running: false, status: 'exited', exitCode: 1 })], logs: ['worker: [Errno 1] Operation not permitted'] });
    expect((await runStack(composeCapabilities, { service: 'app' }, stopped, hardened)).message).toBe('the `app` container is not running (exit code 1): worker: [Errno 1] Operation not permitted');
  });
});
