import { describe, expect, it } from 'vitest';
import { runtimeCommand } from '../../../src/checks/runtime/command.js';
import { commandRun, facts, health, runtimeContext } from '../image/fake.js';

const PARAMS = runtimeCommand.params.parse({ command: ['awk', '/^Uid:/ { print $2 }', '/proc/1/status'], stdout: '^[1-9][0-9]*$' });

describe('runtime.command', () => {
  it('runs the command in the healthy container and passes on the expected output', async () => {
    const context = runtimeContext(facts(), () => ({ health: health('healthy'), run: commandRun({ stdout: '100\n' }) }));
    const verdict = await runtimeCommand.run(PARAMS, context);
    expect(context.execs).toEqual([['awk', '/^Uid:/ { print $2 }', '/proc/1/status']]);
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toContain('printed "100"');
  });

  it('fails when the process runs as root', async () => {
    const context = runtimeContext(facts(), () => ({ health: health('healthy'), run: commandRun({ stdout: '0\n' }) }));
    const verdict = await runtimeCommand.run(PARAMS, context);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('in the running container');
    expect(verdict.message).toContain('(got: 0)');
  });

  it('fails with the reason when the container never became healthy, so the command never ran', async () => {
    const exited = runtimeContext(facts(), () => ({ health: health('exited', { exitCode: 1, containerLogTail: ['EACCES'] }), run: null }));
    expect(await runtimeCommand.run(PARAMS, exited)).toMatchObject({ status: 'fail', evidence: { containerLog: ['EACCES'] } });
    expect((await runtimeCommand.run(PARAMS, exited)).message).toContain('the container exited with code 1 before it was healthy');
    const none = runtimeContext(facts(), () => ({ health: health('no-healthcheck'), run: null }));
    expect((await runtimeCommand.run(PARAMS, none)).message).toContain('the image has no health check');
  });
});
