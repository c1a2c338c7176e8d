import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages, waitFor } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';

/**
 * `challenge:start` measures the starter in the background (a detached `challenge:prefetch`), so the first
 * verify finds the size baseline ready or waits for the measurement under way instead of building the
 * starter itself. Each test has its own empty cache: nothing measured before it counts.
 */
describeNeeding(needs.engine)('the starter measured in the background by challenge:start', { timeout: 600_000 }, () => {
  let scratch: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('php:8.2-fpm-alpine', 'composer:2');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-prefetch-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function fresh(name: string) {
    const cache = await mkdtemp(path.join(scratch, `${name}-cache-`));
    // The suite turns the prefetch off for every other test (test/support/session.ts); on here.
    const env = { XDG_CACHE_HOME: cache, SHIPSHAPE_PREFETCH: '1' };
    const markers = async () => (await readdir(path.join(cache, 'shipshape', 'prefetch')).catch(() => [] as string[])).filter((file) => file.endsWith('.json'));
    return { env, workspace: path.join(scratch, name), markers };
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  const starterMeasured = (report: { checks: Array<{ id: string; evidence?: { starterMeasured?: string } }> }) =>
    report.checks.find((check) => check.id === 'size-vs-starter')?.evidence?.starterMeasured;

  it('start launches the measurement; the first verify joins it (or reads its result) and never builds the starter itself', async () => {
    const { env, workspace, markers } = await fresh('joined');
    const started = await shipshape(['challenge:start', ID, '--dir', workspace, '--json'], { env });
    expect(started.exitCode, started.all).toBe(0);
    const pid = (JSON.parse(started.stdout) as { prefetch: { pid: number; joined: boolean } | null }).prefetch?.pid;
    expect(pid, started.stdout).toEqual(expect.any(Number));
    await cp(path.join(ROOT, 'challenges', ID, 'solution'), workspace, { recursive: true });
    const verify = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(verify.exitCode, verify.all.slice(-2000)).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.passed).toBe(true);
    expect(starterMeasured(report)).toBe('cache');
    expect(report.comparison?.starter?.measured).toBe('cache');
    // The background run ends by itself, its marker and every object it made gone.
    await waitFor('the background measurement to end', async () => !alive(pid!), 300_000);
    expect(await markers()).toEqual([]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('--no-prefetch launches nothing: the verify measures the starter itself', async () => {
    const { env, workspace, markers } = await fresh('none');
    const started = await shipshape(['challenge:start', ID, '--dir', workspace, '--json', '--no-prefetch'], { env });
    expect(started.exitCode, started.all).toBe(0);
    expect(JSON.parse(started.stdout).prefetch).toBeNull();
    expect(await markers()).toEqual([]);
    await cp(path.join(ROOT, 'challenges', ID, 'solution'), workspace, { recursive: true });
    const verify = await shipshape(['challenge:verify', '--dir', workspace, '--json'], { env });
    expect(verify.exitCode, verify.all.slice(-2000)).toBe(0);
    expect(starterMeasured(JSON.parse(verify.stdout))).toBe('built');
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('challenge:stop cancels a measurement under way: the process ends, its marker and labelled objects are gone', async () => {
    // A pack whose starter takes minutes to build (RUN sleep 300): the measurement is surely under way when stopped.
    const packs = path.join(scratch, 'packs');
    const slow = path.join(packs, 'prefetch-slow');
    await cp(path.join(ROOT, 'challenges', ID), slow, { recursive: true });
    const manifestFile = path.join(slow, 'manifest.yaml');
    await writeFile(manifestFile, (await readFile(manifestFile, 'utf8')).replace(`id: ${ID}`, 'id: prefetch-slow'));
    const dockerfile = path.join(slow, 'starter', 'Dockerfile');
    await writeFile(dockerfile, (await readFile(dockerfile, 'utf8')).replace('CMD ["php-fpm"]', `RUN echo ${process.pid}-${Date.now()} && sleep 300\nCMD ["php-fpm"]`));
    const { env, workspace, markers } = await fresh('cancelled');
    const started = await shipshape(['challenge:start', 'prefetch-slow', '--dir', workspace, '--pack', packs, '--json'], { env });
    expect(started.exitCode, started.all).toBe(0);
    const { pid, log } = JSON.parse(started.stdout).prefetch as { pid: number; log: string };
    expect(alive(pid)).toBe(true);
    expect(await markers()).toHaveLength(1);
    // Let it reach the engine and start building (its marker then names the engine), then stop the challenge.
    await waitFor('the background run to connect', async () => {
      const [file] = await markers();
      return file ? Boolean(JSON.parse(await readFile(path.join(env.XDG_CACHE_HOME, 'shipshape', 'prefetch', file), 'utf8')).endpoint) : true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stopped = await shipshape(['challenge:stop', '--dir', workspace], { env });
    expect(stopped.exitCode, stopped.all).toBe(0);
    await waitFor('the cancelled measurement to end', async () => !alive(pid), 60_000);
    expect(await readFile(log, 'utf8')).toContain('"status":"cancelled"');
    expect(await markers()).toEqual([]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
