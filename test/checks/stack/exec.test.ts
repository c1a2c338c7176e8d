import { describe, expect, it } from 'vitest';
import { composeExec } from '../../../src/checks/stack/exec.js';
import { container, fakeStack, runStack } from '../compose/helpers.js';

describe('compose.exec', () => {
  it('passes on the expected exit code and output, retrying a start-up failure', async () => {
    const answers = [
      { exitCode: 2, stdout: '', stderr: 'connection refused', timedOut: false },
      { exitCode: 0, stdout: '42\n', stderr: '', timedOut: false },
    ];
    const stack = fakeStack({ containers: [container('db')], exec: async () => answers.shift()! });
    const result = await runStack(composeExec, { service: 'db', command: ['psql', '-tAc', 'select 42'], output: '^42\\s*$', timeoutSeconds: 10 }, stack);
    expect(result.status, result.message).toBe('pass');
    expect(stack.execCalls).toHaveLength(2);
  });

  it("passes an expected failure only with the expected output, and runs it once", async () => {
    const refused = fakeStack({ containers: [container('db')], exec: async () => ({ exitCode: 2, stdout: '', stderr: 'FATAL: password authentication failed for user "shop"', timedOut: false }) });
    const result = await runStack(composeExec, { service: 'db', command: ['psql'], exitCode: 'nonzero', output: 'password authentication failed' }, refused);
    expect(result.status, result.message).toBe('pass');
    expect(refused.execCalls).toHaveLength(1);
    // Failing for another reason (server not up) does not count as the password being refused.
    const down = fakeStack({ containers: [container('db')], exec: async () => ({ exitCode: 2, stdout: '', stderr: 'Connection refused', timedOut: false }) });
    const other = await runStack(composeExec, { service: 'db', command: ['psql'], exitCode: 'nonzero', output: 'password authentication failed' }, down);
    expect(other.status).toBe('fail');
    expect(other.message).toContain('but its output does not match');
  });

  it('fails a command that succeeds when it must fail', async () => {
    const stack = fakeStack({ containers: [container('db')], exec: async () => ({ exitCode: 0, stdout: '1', stderr: '', timedOut: false }) });
    const result = await runStack(composeExec, { service: 'db', command: ['psql'], exitCode: 'nonzero' }, stack);
    expect(result.status).toBe('fail');
    expect(result.message).toBe('`psql` in `db` exited 0 (expected a non-zero exit): 1');
  });

  it('fails without running anything when the container is missing or stopped', async () => {
    const none = fakeStack({ containers: [] });
    expect(await runStack(composeExec, { service: 'db', command: ['true'] }, none)).toMatchObject({ status: 'fail', message: 'the stack has no `db` container' });
    const stopped = fakeStack({ containers: [container('db', { running: false, status: 'exited', exitCode: 1 })], logs: ['initdb: error'] });
    const result = await runStack(composeExec, { service: 'db', command: ['true'] }, stopped);
    expect(result.status).toBe('fail');
    expect(result.message).toBe('the `db` container is not running (exit code 1): initdb: error');
    expect(stopped.execCalls).toHaveLength(0);
  });
});

describe('compose.exec does not repeat a command that ran', () => {
  it('runs an INSERT once even when its output does not match, and matches per line', async () => {
    const stack = fakeStack({ containers: [container('db')], exec: async () => ({ exitCode: 0, stdout: '27\nINSERT 0 1\n', stderr: '', timedOut: false }) });
    const result = await runStack(composeExec, { service: 'db', command: ['psql', '-c', 'INSERT ...'], output: '^4$', timeoutSeconds: 10 }, stack);
    expect(result.status).toBe('fail');
    expect(stack.execCalls).toHaveLength(1);
    const matching = fakeStack({ containers: [container('db')], exec: async () => ({ exitCode: 0, stdout: '4\nINSERT 0 1\n', stderr: '', timedOut: false }) });
    expect((await runStack(composeExec, { service: 'db', command: ['psql'], output: '^4$' }, matching)).status).toBe('pass');
  });
});
