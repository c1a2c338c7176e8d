import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { type Engine, connectEngine } from '../../src/engine/connect.js';
import { UserError } from '../../src/errors.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { verifyWorkspace } from '../../src/grading/verify.js';
import { startChallenge } from '../../src/workspace/workspace.js';
import { dockerTestsEnabled, labelledObjects, requireEngine, requireImages } from '../support/engine.js';

const ID = 'docker-missing-multistage';

/** Each Dockerfile a learner might write by mistake gets a precise message and the right statuses. */
describe.runIf(dockerTestsEnabled)('bad input catalogue', { timeout: 300_000 }, () => {
  let scratch: string;
  let workspace: string;
  let engine: Engine;
  let solution: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-bad-'));
    process.env.XDG_CACHE_HOME = path.join(scratch, 'cache');
    workspace = path.join(scratch, 'ws');
    const pack = await findPack(ID);
    await startChallenge(pack, workspace);
    await cp(path.join(pack.dir, 'solution'), workspace, { recursive: true });
    solution = await readFile(path.join(workspace, 'Dockerfile'), 'utf8');
    engine = await connectEngine();
  });

  afterAll(async () => {
    delete process.env.XDG_CACHE_HOME;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function verifyWith(dockerfile: string | Buffer, builder?: 'classic' | 'buildkit'): Promise<Record<string, CheckResult> & { result: VerifyResult }> {
    await writeFile(path.join(workspace, 'Dockerfile'), dockerfile);
    const result = await verifyWorkspace({ pack: await findPack(ID), workspaceDir: workspace, engine, builder });
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    return Object.assign(Object.fromEntries(result.checks.map((check) => [check.id, check])), { result });
  }

  const healthcheckLine = /^HEALTHCHECK .*$/m;

  it('empty Dockerfile: static checks say no FROM, the build names the engine refusal, later phases skip', async () => {
    const checks = await verifyWith('');
    expect(checks['multi-stage']!.message).toBe('no FROM instruction found');
    expect(checks.build!.status).toBe('fail');
    expect(checks.build!.message).toContain('the engine rejected the Dockerfile');
    expect(checks.build!.message).toContain('cannot be empty');
    expect(checks['container-healthy']!.status).toBe('skip');
  });

  it('missing Dockerfile: one clear user error', async () => {
    await rm(path.join(workspace, 'Dockerfile'));
    const error = await verifyWorkspace({ pack: await findPack(ID), workspaceDir: workspace, engine }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`No Dockerfile in ${workspace}.`);
  });

  it('unknown instruction: the build check names the line', async () => {
    const checks = await verifyWith(solution.replace('WORKDIR /app\n', 'WORKDIR /app\nFOO bar\n'));
    expect(checks.build!.message).toMatch(/dockerfile parse error line \d+: unknown instruction: FOO/);
  });

  it('CRLF line endings and a UTF-8 BOM still grade as the same solution', async () => {
    const checks = await verifyWith(`\uFEFF${solution.replace(/\n/g, '\r\n')}`);
    expect(checks.result.checks.filter((check) => check.status !== 'pass').map((check) => check.id)).toEqual([]);
  });

  it('the escape parser directive is honoured by both the static checks and the build', async () => {
    const withBacktick = `# escape=\`\n${solution.replace(
      'RUN composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader --no-scripts --no-autoloader',
      'RUN composer install --no-dev --no-interaction `\n    --prefer-dist --optimize-autoloader --no-scripts --no-autoloader',
    )}`;
    const checks = await verifyWith(withBacktick);
    expect(checks['composer-install-in-builder']!.status).toBe('pass');
    expect(checks.build!.status).toBe('pass');
  });

  it('a CMD that exits at once: the runtime check reports the exit code, not a vague unhealthy', async () => {
    const checks = await verifyWith(solution.replace('CMD ["php-fpm"]', 'CMD ["php", "-r", "fwrite(STDERR, \\"bye\\\\n\\"); exit(3);"]'));
    expect(checks['container-healthy']!.status).toBe('fail');
    expect(checks['container-healthy']!.message).toMatch(/exited with code 3/);
    expect(checks['container-healthy']!.evidence!.containerLog).toContain('bye');
  });

  it('a HEALTHCHECK that never returns: unhealthy, with the timeout in the last probe', async () => {
    const checks = await verifyWith(solution.replace(healthcheckLine, 'HEALTHCHECK --interval=30s --timeout=2s --retries=2 CMD ["sleep", "1000"]'));
    expect(checks['container-healthy']!.status).toBe('fail');
    expect(checks['container-healthy']!.message).toMatch(/unhealthy after .*Health check exceeded timeout \(2s\)/);
  });

  it('HEALTHCHECK NONE fails the static, image and runtime health checks', async () => {
    const checks = await verifyWith(solution.replace(healthcheckLine, 'HEALTHCHECK NONE'));
    expect(checks['healthcheck-declared']!.message).toContain('HEALTHCHECK NONE');
    expect(checks['healthcheck-in-image']!.message).toContain('HEALTHCHECK NONE');
    expect(checks['container-healthy']!.message).toBe('the image has no health check to run');
  });

  it('a fake health check (CMD true) fails the static check even though the container turns healthy', async () => {
    const checks = await verifyWith(solution.replace(healthcheckLine, 'HEALTHCHECK --interval=30s CMD true'));
    expect(checks['healthcheck-declared']!.status).toBe('fail');
    expect(checks['healthcheck-declared']!.message).toContain('always succeeds');
    expect(checks['container-healthy']!.status).toBe('pass');
    expect(checks.result.passed).toBe(false);
  });

  it('a heredoc, which this engine cannot build, fails the build with the engine reason', async () => {
    const checks = await verifyWith(solution.replace('WORKDIR /app\n', 'WORKDIR /app\nRUN <<EOF\necho hi\nEOF\n'));
    expect(checks.build!.status).toBe('fail');
    expect(checks.build!.message.length).toBeGreaterThan(20);
  });

  it('a build context over the limit fails the build naming the biggest files, before the engine gets it', async () => {
    const big = path.join(workspace, 'dump.sql');
    await writeFile(big, Buffer.alloc(60_000_000, 1));
    try {
      const checks = await verifyWith(solution);
      expect(checks.build!.status).toBe('fail');
      expect(checks.build!.message).toMatch(/the build context is 60\.0 MB in \d+ files, over the 50\.0 MB limit; biggest: dump\.sql \(60\.0 MB\)/);
      expect(checks.build!.message).toContain('.dockerignore');
      expect(checks.result.limits.contextMaxMegabytes).toBe(50);
    } finally {
      await rm(big);
    }
  });

  it('a line continuation at the very end is accepted, as the engine accepts it', async () => {
    const checks = await verifyWith(solution.replace('CMD ["php-fpm"]\n', 'CMD ["php-fpm"]\nRUN echo done \\\n'));
    expect(checks.build!.status).toBe('pass');
  });

  it('a `# syntax=` directive is ignored by the classic builder, so the build does not try to fetch a frontend', async () => {
    const checks = await verifyWith(`# syntax=docker/dockerfile:1\n${solution}`, 'classic');
    expect(checks.build!.status).toBe('pass');
    expect(checks.result.passed).toBe(true);
    expect(checks.result.build!.builder).toBe('classic');
  });
});
