import { describe, expect, it } from 'vitest';
import { imageCommand } from '../../../src/checks/image/command.js';
import { FakeInspector, commandRun, facts, imageContext } from './fake.js';

async function check(params: Record<string, unknown>, run: Parameters<typeof commandRun>[0]) {
  const inspector = new FakeInspector({ run: () => commandRun(run) });
  const verdict = await imageCommand.run(imageCommand.params.parse(params), imageContext(facts(), inspector));
  return { verdict, inspector };
}

describe('image.command', () => {
  it('passes when the command exits as expected and its output matches, and asks for it in the built image', async () => {
    const { verdict, inspector } = await check(
      { command: ['php', '-m'], stdout: '^pdo_pgsql$', entrypoint: [], timeoutSeconds: 5 },
      { stdout: '[PHP Modules]\nPDO\npdo_pgsql\npdo_sqlite\n' },
    );
    expect(verdict.status).toBe('pass');
    expect(inspector.runs).toEqual([{ imageId: 'sha256:built', command: ['php', '-m'], options: { entrypoint: [], user: undefined, timeoutMs: 5000 } }]);
    expect(verdict.evidence).toMatchObject({ exitCode: 0, stdout: ['[PHP Modules]', 'PDO', 'pdo_pgsql', 'pdo_sqlite'] });
  });

  it('anchors per line: pdo_pgsql must be a whole line, not part of another', async () => {
    const { verdict } = await check({ command: ['php', '-m'], stdout: '^pdo_pgsql$' }, { stdout: 'PDO\npdo_pgsql_legacy\n' });
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('no match for /^pdo_pgsql$/');
  });

  it('fails on another exit code, with the last line the command said', async () => {
    const { verdict } = await check({ command: ['/pinger', '-version'] }, { exitCode: 127, stderr: 'exec: "/pinger": no such file or directory' });
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('`/pinger -version`: exited with 127, expected 0: exec: "/pinger": no such file or directory');
  });

  it('accepts an expected non-zero exit code', async () => {
    const { verdict } = await check({ command: ['test', '-e', '/bin/sh'], exitCode: 1 }, { exitCode: 1 });
    expect(verdict.status).toBe('pass');
  });

  it('fails when output that must not appear does, and when the command times out', async () => {
    const forbidden = await check({ command: ['id', '-u'], stdoutNot: '^0$' }, { stdout: '0\n' });
    expect(forbidden.verdict.status).toBe('fail');
    expect(forbidden.verdict.message).toContain('"0", which must not be there');
    const slow = await check({ command: ['sleep', '100'], timeoutSeconds: 2 }, { exitCode: null, timedOut: true });
    expect(slow.verdict).toMatchObject({ status: 'fail', message: '`sleep 100`: did not finish within 2 s' });
  });

  it('checks the error stream when asked', async () => {
    const { verdict } = await check({ command: ['node', '--version'], stderr: 'warning' }, { stdout: 'v18\n', stderr: '' });
    expect(verdict).toMatchObject({ status: 'fail' });
    expect(verdict.message).toContain('in its error output (it printed none)');
  });

  it('refuses an invalid regular expression and an empty command when the manifest loads', () => {
    expect(imageCommand.params.safeParse({ command: ['x'], stdout: '(' }).success).toBe(false);
    expect(imageCommand.params.safeParse({ command: [] }).success).toBe(false);
    expect(imageCommand.params.safeParse(imageCommand.example).success).toBe(true);
  });
});
