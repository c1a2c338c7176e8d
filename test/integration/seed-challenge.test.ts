import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { parse } from 'yaml';
import { shortInstruction } from '../../src/checks/image/layers.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { ROOT, shipshape, verifyUntil } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages, waitFor } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';
const PACK = path.join(ROOT, 'challenges', ID);

describeNeeding(needs.engine)('seed challenge end to end on the engine', { timeout: 600_000 }, () => {
  let scratch: string;
  let workspace: string;
  let env: Record<string, string>;
  let starterFails: string[];
  let allCheckIds: string[];

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-it-'));
    workspace = path.join(scratch, ID);
    // A cache of its own, so the starter baseline is really measured in this run.
    env = { XDG_CACHE_HOME: path.join(scratch, 'cache') };
    const manifest = parse(await readFile(path.join(PACK, 'manifest.yaml'), 'utf8'));
    starterFails = manifest.starterFails;
    allCheckIds = manifest.checks.map((check: { id: string }) => check.id);
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('starts the challenge into a workspace with a marker', async () => {
    const result = await shipshape(['challenge:start', ID, '--dir', workspace]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`Started ${ID}`);
    await stat(path.join(workspace, 'Dockerfile'));
    await stat(path.join(workspace, 'composer.lock'));
    const marker = JSON.parse(await readFile(path.join(workspace, '.shipshape', 'challenge.json'), 'utf8'));
    expect(marker.challenge).toBe(ID);
  });

  it('fails the broken starter on exactly the checks the manifest lists, then leaves nothing behind', async () => {
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(result.exitCode, result.all).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyResult;
    expect(report.passed).toBe(false);
    // Failed, not merely skipped: a skipped check proves nothing about the starter.
    const failing = report.checks.filter((check) => check.status === 'fail').map((check) => check.id);
    expect(failing.sort()).toEqual([...starterFails].sort());
    expect(report.checks.filter((check) => check.status === 'skip').map((check) => check.id)).toEqual([]);
    expect(report.checks.map((check) => check.id)).toEqual(allCheckIds);
    // Real evidence: the starter's extra bytes were measured, and composer was found in the image.
    const overBase = report.checks.find((check) => check.id === 'size-over-base')!;
    expect(overBase.evidence!.addedBytes as number).toBeGreaterThan(30_000_000);
    // Where the bytes went: the starter's own layers, largest first, the build-tool install on top.
    const layers = overBase.evidence!.largestLayers as Array<{ instruction: string; bytes: number }>;
    expect(layers.length).toBeGreaterThanOrEqual(3);
    expect(layers[0]!.instruction).toMatch(/^RUN apk add --no-cache git unzip/);
    expect(layers.map((layer) => layer.bytes)).toEqual([...layers.map((layer) => layer.bytes)].sort((x, y) => y - x));
    expect(layers.reduce((sum, layer) => sum + layer.bytes, 0)).toBeLessThanOrEqual(overBase.evidence!.addedBytes as number);
    const baseLayers = (await new Docker().getImage('php:8.2-fpm-alpine').history()) as Array<{ CreatedBy: string; Size: number }>;
    const baseInstructions = baseLayers.filter((layer) => layer.Size > 0).map((layer) => shortInstruction(layer.CreatedBy));
    expect(layers.filter((layer) => baseInstructions.includes(layer.instruction))).toEqual([]);
    // The size check measured the starter, so even this failing run compares with it: the same image.
    expect(report.comparison).toMatchObject({ starter: { measured: 'built' } });
    expect(report.comparison!.image.bytes).toBe(report.comparison!.starter.bytes);
    expect(report.comparison!.image.layers).toBe(report.comparison!.starter.layers);
    const composer = report.checks.find((check) => check.id === 'composer-absent')!;
    expect(composer.evidence!.found).toBe(true);
    const healthy = report.checks.find((check) => check.id === 'container-healthy')!;
    expect(healthy.evidence!.status).toBe('no-healthcheck');
    for (const failed of report.checks.filter((check) => check.status === 'fail')) expect(failed.hint).toBeTruthy();
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('passes the reference solution on every check with real evidence, then leaves nothing behind', async () => {
    await cp(path.join(PACK, 'solution'), workspace, { recursive: true });
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyResult;
    expect(report.passed).toBe(true);
    expect(report.checks.filter((check) => check.status !== 'pass')).toEqual([]);
    expect(report.checks).toHaveLength(allCheckIds.length);
    expect(report.score.points).toBe(report.score.maxPoints);

    const overBase = report.checks.find((check) => check.id === 'size-over-base')!.evidence!;
    expect(overBase.addedBytes as number).toBeLessThanOrEqual(overBase.limitBytes as number);
    expect(overBase.baseBytes as number).toBeGreaterThan(1_000_000);
    const vsStarter = report.checks.find((check) => check.id === 'size-vs-starter')!.evidence!;
    expect(vsStarter.starterBytes as number).toBeGreaterThan(vsStarter.imageBytes as number);
    expect(vsStarter.starterMeasured).toBe('cache');
    // The before/after of a pass, read back from the engine's own figures.
    const comparison = report.comparison!;
    expect(comparison.starter).toMatchObject({ bytes: vsStarter.starterBytes, measured: 'cache' });
    expect(comparison.image.bytes).toBe(vsStarter.imageBytes);
    expect(comparison.savedBytes).toBe(comparison.starter.bytes - comparison.image.bytes);
    expect(comparison.factor).toBeGreaterThan(1.5);
    expect(comparison.starter.layers).toBeGreaterThan(0);
    expect(comparison.image.layers).toBeGreaterThan(0);
    expect(comparison.starter.buildMs).toBeGreaterThan(0);
    expect(comparison.image.buildMs).toBe(report.build!.durationMs);
    expect(report.checks.find((check) => check.id === 'composer-absent')!.evidence!.found).toBe(false);
    const healthy = report.checks.find((check) => check.id === 'container-healthy')!.evidence!;
    expect(healthy.status).toBe('healthy');
    expect(healthy.declared).toMatchObject({ interval: '30s', retries: 3 });
    expect(report.engine.apiVersion).toMatch(/^1\.\d+$/);
    expect(report.cleanup!.errors).toEqual([]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('prints a readable plain scorecard with --plain', async () => {
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--plain'], { env });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/\[\d+\/\d+\] FROM composer:2 AS builder/);
    expect(result.stdout).toContain('PASSED');
    expect(result.stdout).toMatch(/container-healthy\s+✔ PASS/);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('turns a failing RUN into a failed build check naming the step, and skips what needs the image', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const original = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, original.replace('WORKDIR /app\n', 'WORKDIR /app\nRUN echo "about to fail" && exit 3\n'));
    try {
      const result = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
      expect(result.exitCode, result.all).toBe(1);
      const report = JSON.parse(result.stdout) as VerifyResult;
      const build = report.checks.find((check) => check.id === 'build')!;
      expect(build.status).toBe('fail');
      // BuildKit (the default) names the stage and says "exit code: 3"; the classic builder "returned a non-zero code: 3".
      expect(build.message).toMatch(/Step \d+\/\d+ (?:\(stage \w+\) )?: RUN echo "about to fail" && exit 3/);
      expect(build.message).toMatch(/exit code: 3$|returned a non-zero code: 3$/);
      expect(build.evidence!.lastLines as string[]).toContain('about to fail');
      const later = report.checks.filter((check) => check.phase === 'image' || check.phase === 'runtime');
      expect(later.length).toBeGreaterThan(0);
      for (const check of later) {
        expect(check.status).toBe('skip');
        expect(check.message).toContain('the build failed');
      }
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    } finally {
      await writeFile(dockerfile, original);
    }
  });
});

describeNeeding(needs.engine)("the seed lesson's own answer", { timeout: 600_000 }, () => {
  let scratch: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-lesson-answer-'));
    workspace = path.join(scratch, ID);
    expect((await shipshape(['challenge:start', ID, '--dir', workspace])).exitCode).toBe(0);
    await cp(path.join(ROOT, 'test', 'fixtures', 'dockerfiles', 'lesson-answer.Dockerfile'), path.join(workspace, 'Dockerfile'));
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('passes docker-missing-multistage with full points and exactly one advice, about php-fpm -t', async () => {
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env: { XDG_CACHE_HOME: path.join(scratch, 'cache') } });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyResult;
    expect(report.passed).toBe(true);
    expect(report.score.points).toBe(report.score.maxPoints);
    const advised = report.checks.filter((check) => check.status === 'advice');
    expect(advised.map((check) => check.id)).toEqual(['healthcheck-in-image']);
    expect(report.checks.filter((check) => check.status !== 'pass' && check.status !== 'advice')).toEqual([]);
    expect(report.counts).toMatchObject({ advice: 1, fail: 0, skip: 0, pass: report.checks.length - 1 });
    const [advice] = advised;
    expect(advice!.message).toMatch(/`php-fpm -t \|\| exit 1` exits 0 even in a container where the application was never started/);
    // The better way, not the manifest's hint about a HEALTHCHECK left in the builder stage.
    expect(advice!.hint).toMatch(/^Test the running app itself/);
    expect(advice!.points).toBe(advice!.maxPoints);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('shows the advice with its reason and the better way on the plain scorecard, and still says PASSED', async () => {
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--plain'], { env: { XDG_CACHE_HOME: path.join(scratch, 'cache') } });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/healthcheck-in-image\s+◆ ADVICE\s+5\/5/);
    expect(result.stdout).toMatch(/Advice \(no points lost, one thing to do better\):\n.*healthcheck-in-image[^\n]*\n\s+the image's health check `php-fpm -t \|\| exit 1` exits 0/);
    expect(result.stdout).toMatch(/Better: Test the running app itself/);
    expect(result.stdout).toMatch(/PASSED .*100%\), \d+ passed, 0 failed, 0 skipped, 1 with advice/);
    expect(result.stdout).not.toContain('The HEALTHCHECK must be in the final stage');
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});

describe('without an engine', () => {
  it('says what it tried and how to start Docker, and exits 2', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-noengine-'));
    try {
      const start = await shipshape(['challenge:start', ID, '--dir', scratch]);
      expect(start.exitCode, start.all).toBe(0);
      const result = await shipshape(['challenge:verify', '--dir', scratch], {
        env: { DOCKER_HOST: `unix://${scratch}/no-such.sock` },
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`No Docker engine answered at unix://${scratch}/no-such.sock`);
      expect(result.stderr).toContain('DOCKER_HOST');
      expect(result.all).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describeNeeding(needs.engine)('verify under faults and options', { timeout: 600_000 }, () => {
  let scratch: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-faults-'));
    workspace = path.join(scratch, ID);
    const start = await shipshape(['challenge:start', ID, '--dir', workspace]);
    expect(start.exitCode, start.all).toBe(0);
    await cp(path.join(PACK, 'solution'), workspace, { recursive: true });
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('names a base image that is neither present nor pullable, and exits 2', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const original = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, original.replace('FROM php:8.2-fpm-alpine', 'FROM shipshape-test/no-such-base:1'));
    try {
      const result = await shipshape(['challenge:verify', '--dir', workspace, '--plain']);
      expect(result.exitCode, result.all).toBe(2);
      expect(result.stderr).toContain('Base image shipshape-test/no-such-base:1 is not on the engine and could not be pulled');
      expect(result.stderr).toContain('docker pull shipshape-test/no-such-base:1');
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    } finally {
      await writeFile(dockerfile, original);
    }
  });

  it('keeps the final image only with --keep-image, tagged and labelled', async () => {
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json', '--keep-image']);
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as VerifyResult;
    expect(report.build!.keptAs).toBe(`shipshape/${ID}:latest`);
    const docker = new Docker();
    const kept = await docker.getImage(`shipshape/${ID}:latest`).inspect();
    expect(kept.Id).toBe(report.build!.imageId);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 1 });

    // Tamper resistance: a passing image under the challenge's tag does not grade a broken workspace;
    // verify builds the workspace and grades the image id it built.
    const solutionDockerfile = await readFile(path.join(workspace, 'Dockerfile'), 'utf8');
    await cp(path.join(PACK, 'starter', 'Dockerfile'), path.join(workspace, 'Dockerfile'));
    try {
      const broken = await shipshape(['challenge:verify', '--dir', workspace, '--json']);
      expect(broken.exitCode, broken.all).toBe(1);
      const brokenReport = JSON.parse(broken.stdout) as VerifyResult;
      expect(brokenReport.build!.imageId).not.toBe(kept.Id);
      expect(brokenReport.passed).toBe(false);
      expect((await docker.getImage(`shipshape/${ID}:latest`).inspect()).Id).toBe(kept.Id);
    } finally {
      await writeFile(path.join(workspace, 'Dockerfile'), solutionDockerfile);
    }
    await docker.getImage(kept.Id).remove({ force: true });
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('stops a build that exceeds --build-timeout, naming the step, and cleans up', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const original = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, original.replace('WORKDIR /app\n', 'WORKDIR /app\nRUN sleep 60\n'));
    try {
      const result = await shipshape(['challenge:verify', '--dir', workspace, '--json', '--build-timeout', '10']);
      expect(result.exitCode, result.all).toBe(1);
      const report = JSON.parse(result.stdout) as VerifyResult;
      const build = report.checks.find((check) => check.id === 'build')!;
      expect(build.message).toMatch(/at Step \d+\/\d+ (?:\(stage \w+\) )?: RUN sleep 60: the build took longer than 10 s and was stopped/);
      expect(report.limits.buildTimeoutSeconds).toBe(10);
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
      await waitFor('the cancelled step container to go', async () => (await allRunContainers()) === 0, 30_000);
    } finally {
      await writeFile(dockerfile, original);
    }
  });

  it('serializes verifies of one workspace; on Ctrl-C during the build cancels, removes what the run made and exits 130', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const original = await readFile(dockerfile, 'utf8');
    // A slow step to interrupt.
    await writeFile(dockerfile, original.replace('WORKDIR /app\n', 'WORKDIR /app\nRUN sleep 60\n'));
    try {
      // The step has started once its line shows (BuildKit runs it without a Docker container).
      const { child } = await verifyUntil(workspace, 'RUN sleep 60');
      // A second verify of the same workspace meanwhile is refused, naming the first.
      const second = await shipshape(['challenge:verify', '--dir', workspace, '--plain']);
      expect(second.exitCode, second.all).toBe(2);
      expect(second.stderr).toContain(`Another challenge:verify is running in this workspace (pid ${child.pid}`);
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode, String(result.all)).toBe(130);
      expect(String(result.all)).toContain('Cancelled; everything this run created was removed.');
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
      expect(await allRunContainers()).toBe(0);
    } finally {
      await writeFile(dockerfile, original);
    }
  });
});

/** Containers running a build step of ours (intermediate build containers carry no labels). */
async function allRunContainers(): Promise<number> {
  const containers = await new Docker().listContainers({ all: true });
  return containers.filter((container) => container.Command.includes('sleep 60')).length;
}
