import { describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { healthcheckConfigured } from '../../../src/checks/image/healthcheck-configured.js';
import type { CommandRun, ImageContext, ImageFacts } from '../../../src/checks/kind.js';

function image(test: string[] | null): ImageFacts {
  return {
    id: 'sha256:img',
    size: 1,
    healthcheck: test ? { test, intervalNs: 5e9, timeoutNs: 3e9, startPeriodNs: 0, retries: 3 } : null,
    user: '',
    workingDir: '/app',
    cmd: ['sh', '/app/app.sh'],
    entrypoint: null,
    env: [],
  };
}

function context(facts: ImageFacts, probe: Partial<CommandRun>, calls: Array<{ command: string[]; options: unknown }>): ImageContext {
  return {
    dockerfile: DockerfileModel.parse('Dockerfile', 'FROM debian:bookworm-slim\n'),
    workspaceDir: '/tmp',
    image: facts,
    finalBase: null,
    inspector: {
      history: async () => [],
      run: async (_id, command, options) => {
        calls.push({ command, options });
        return { exitCode: 1, stdout: '', stderr: '', timedOut: false, durationMs: 300, ...probe };
      },
      buildVariant: async () => { throw new Error('not used'); },
      inspect: async () => null,
      pathExists: async () => false,
      starterBaseline: async () => { throw new Error('not used'); },
    },
  };
}

const check = (params: object, ctx: ImageContext) => healthcheckConfigured.run(healthcheckConfigured.params.parse(params), ctx);

describe('image.healthcheck-configured', () => {
  it('runs a CMD-SHELL test through /bin/sh -c with the app not started, and passes a test that then fails', async () => {
    const calls: Array<{ command: string[]; options: unknown }> = [];
    const verdict = await check({}, context(image(['CMD-SHELL', 'sh /app/healthcheck.sh']), { exitCode: 1, stdout: 'no heartbeat\n' }, calls));
    expect(calls).toEqual([{ command: ['/bin/sh', '-c', 'sh /app/healthcheck.sh'], options: { entrypoint: [], timeoutMs: 10_000 } }]);
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toBe('health check: sh /app/healthcheck.sh (every 5s); it fails while the app is not running, as it should');
  });

  it('gives an advice, with the better way, for a test that exits 0 with the app down, quoting its output', async () => {
    const calls: Array<{ command: string[]; options: unknown }> = [];
    const verdict = await check({}, context(image(['CMD-SHELL', 'php-fpm -t || exit 1']), { exitCode: 0, stderr: 'configuration file /etc/php-fpm.conf test is successful\n' }, calls));
    expect(calls[0]!.command).toEqual(['/bin/sh', '-c', 'php-fpm -t || exit 1']);
    expect(verdict.status).toBe('advice');
    expect(verdict.message).toMatch(/^the image's health check `php-fpm -t \|\| exit 1` exits 0 even in a container where the application was never started/);
    expect(verdict.message).toContain('test is successful');
    expect(verdict.hint).toMatch(/^Test the running app itself/);
    expect(verdict.evidence).toMatchObject({ appDownProbe: { exitCode: 0 } });
  });

  it('fails that test instead when the manifest says appDownPasses: fail, with a hint about that reason', async () => {
    const verdict = await check({ appDownPasses: 'fail' }, context(image(['CMD', 'test', '-d', '/app']), { exitCode: 0, stdout: '' }, []));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(/^the image's health check `test -d \/app` exits 0 even in a container where the application was never started/);
    expect(verdict.hint).toMatch(/^Test the running app itself/);
  });

  it.each([
    [['CMD', 'true'], '`true` always succeeds'],
    [['CMD-SHELL', 'exit 0'], '`exit 0` always succeeds'],
    [['CMD', 'sh', '-c', 'curl -f localhost || true'], 'ends with `|| true`'],
  ])('rejects a trivially true test %j without running it', async (test, why) => {
    const calls: Array<{ command: string[]; options: unknown }> = [];
    const verdict = await check({}, context(image(test), { exitCode: 0 }, calls));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain(why);
    expect(verdict.hint).toMatch(/fails when the app is broken/);
    expect(calls).toEqual([]);
  });

  it('accepts any declared test when requireMeaningful is false, without a probe', async () => {
    const calls: Array<{ command: string[]; options: unknown }> = [];
    const verdict = await check({ requireMeaningful: false }, context(image(['CMD', 'true']), { exitCode: 0 }, calls));
    expect(verdict).toMatchObject({ status: 'pass', message: 'health check: true (every 5s)' });
    expect(calls).toEqual([]);
  });

  it('fails no health check (leaving the hint to the manifest) and HEALTHCHECK NONE (with a hint of its own)', async () => {
    const missing = await check({}, context(image(null), {}, []));
    expect(missing).toMatchObject({ status: 'fail', message: 'the image has no health check in its config' });
    expect(missing.hint).toBeUndefined();
    const none = await check({}, context(image(['NONE']), {}, []));
    expect(none).toMatchObject({ status: 'fail', message: 'the image disables its health check (HEALTHCHECK NONE)' });
    expect(none.hint).toMatch(/Remove `HEALTHCHECK NONE`/);
  });
});
