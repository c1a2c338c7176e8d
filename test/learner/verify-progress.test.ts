import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/grading/result.js';
import { shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';

// One real verify, kept cheap: a Dockerfile whose build fails at once, so no image is graded.
describeNeeding(needs.engine)('challenge:verify records into the progress', { timeout: 600_000 }, () => {
  let course: string;
  beforeAll(async () => {
    requireEngine();
    requireImages('php:8.2-fpm-alpine');
    course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-verify-progress-'));
  });
  afterAll(async () => {
    if (course) await rm(course, { recursive: true, force: true });
  });

  it('counts the attempt, keeps the score and the failing checks, and hint then starts from them', async () => {
    expect((await shipshape(['challenge:start', ID], { cwd: course })).exitCode).toBe(0);
    const workspace = path.join(course, ID);
    await writeFile(path.join(workspace, 'Dockerfile'), 'FROM php:8.2-fpm-alpine\nRUN exit 3\n');

    const verify = await shipshape(['challenge:verify', '--json'], { cwd: workspace });
    expect(verify.exitCode, verify.all).toBe(1);
    const report = JSON.parse(verify.stdout) as VerifyResult;
    expect(report.checks.find((check) => check.id === 'build')?.status).toBe('fail');
    expect(verify.stderr).toBe('');

    const progress = JSON.parse(await readFile(path.join(course, '.shipshape', 'progress.json'), 'utf8'));
    const entry = progress.challenges[ID];
    expect(entry).toMatchObject({ attempts: 1, bestPercent: report.score.percent, passedAt: null, workspace });
    const failing = report.checks.filter((check) => check.status === 'fail').map((check) => check.id);
    expect(entry.lastVerify).toMatchObject({ passed: false, percent: report.score.percent, failing });
    expect(failing).toContain('build');

    const first = report.checks.find((check) => check.status === 'fail')!;
    const hint = await shipshape(['challenge:hint'], { cwd: workspace });
    expect(hint.stdout.split('\n')[0]).toContain(`Your last verify failed ${first.title} (${first.id})`);
    expect(hint.stdout).toContain(first.hint!);

    const status = await shipshape(['challenge:status'], { cwd: course });
    expect(status.stdout).toMatch(new RegExp(`◐ ${ID} +in progress · best ${report.score.percent}% · 1 attempt$`, 'm'));
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
