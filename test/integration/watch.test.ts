import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages, waitFor } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';
const BIN = path.join(ROOT, 'bin', 'run.js');

describeNeeding(needs.engine)('challenge:verify --watch on the engine', { timeout: 600_000 }, () => {
  let scratch: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('composer:2', 'php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-watch-'));
    workspace = path.join(scratch, ID);
    expect((await shipshape(['challenge:start', ID, '--dir', workspace])).exitCode).toBe(0);
    await cp(path.join(ROOT, 'challenges', ID, 'solution'), workspace, { recursive: true });
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('re-verifies on save, cancels a slow build on the next save, and quits clean on Ctrl-C', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const solution = await readFile(dockerfile, 'utf8');
    const withStep = (step: string) => solution.replace('CMD ["php-fpm"]', `${step}\nCMD ["php-fpm"]`);
    const child = execa(process.execPath, [BIN, 'challenge:verify', '--dir', workspace, '--watch', '--plain'], {
      reject: false,
      env: { NO_COLOR: '1' },
      all: true,
    });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    /** The output of run `n` so far (from its separator to the next one). */
    const run = (n: number) => {
      const start = output.indexOf(`──── run ${n} ·`);
      if (start < 0) return '';
      const next = output.indexOf(`──── run ${n + 1} ·`, start);
      return output.slice(start, next < 0 ? undefined : next);
    };
    const seen = (what: string, condition: () => boolean, timeoutMs = 240_000) =>
      waitFor(what, async () => {
        if (child.exitCode !== null) throw new Error(`watch ended early:\n${output}`);
        return condition();
      }, timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}\n--- output ---\n${output}`);
      });
    try {
      // 1. The first run verifies the solution as soon as watching starts.
      await seen('the first result', () => run(1).includes('Watching'));
      expect(run(1)).toContain('first run');
      expect(run(1)).toContain('PASSED');
      expect(run(1)).toContain('Before/after against the starter:');
      // Static results come before the build starts.
      expect(run(1).indexOf('✔ PASS  The Dockerfile has at least two stages')).toBeLessThan(run(1).indexOf('▸ Build'));
      expect(run(1)).not.toContain('CHECK  '); // a short result per run, not the whole table

      // 2. A save re-runs; this one makes the build slow.
      await writeFile(dockerfile, withStep('RUN sleep 30'));
      await seen('the slow step of run 2', () => /\[\d+\/\d+\] RUN sleep 30/.test(run(2)));
      expect(run(2)).toContain('changed: Dockerfile');

      // 3. A save during that build cancels it, cleans up and starts again (well before the sleep ends).
      await writeFile(dockerfile, withStep('RUN echo "about to fail" && exit 3'));
      await seen('run 3 to finish', () => run(3).includes('Watching'), 120_000);
      expect(run(2)).toContain('Dockerfile changed: cancelling run 2 to start again');
      expect(run(2)).toContain('Run 2 cancelled; everything it created was removed.');
      expect(run(2)).not.toMatch(/PASSED|NOT YET/);
      expect(run(3)).toContain('NOT YET');
      expect(run(3)).toMatch(/First to fix: The image builds \(build\)\n {2}build failed at Step \d+\/\d+ : RUN echo "about to fail" && exit 3/);
      expect(run(3)).toContain('│ about to fail');
      expect(run(3)).toContain('Next: fix build, then save: watch mode verifies again.');

      // 4. The fix passes again.
      await writeFile(dockerfile, solution);
      await seen('run 4 to finish', () => run(4).includes('Watching'));
      expect(run(4)).toContain('PASSED');
      expect(output).not.toContain('──── run 5');
      expect(output).not.toContain('Another challenge:verify is running');

      // 5. Ctrl-C quits; the exit code is the last finished run's (a pass).
      child.kill('SIGINT');
      const ended = await child;
      expect(ended.exitCode, output).toBe(0);
      expect(output).toContain('Stopped watching.');
      expect(output).not.toMatch(/\u001B/);
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });

      // 6. Every finished run counted in the learner's progress, as single verifies do: 3 attempts
      // (runs 1, 3 and 4; the cancelled run 2 is not an attempt), passed.
      const status = await shipshape(['challenge:status', '--json'], { cwd: workspace });
      expect(status.exitCode, status.all).toBe(0);
      const row = (JSON.parse(status.stdout).lessons as Array<{ challenges: Array<{ id: string; status: string; attempts: number }> }>)
        .flatMap((lesson) => lesson.challenges)
        .find((challenge) => challenge.id === ID);
      expect(row).toMatchObject({ status: 'passed', attempts: 3 });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await writeFile(dockerfile, solution);
    }
  });

  it('Ctrl-C during a build cancels it, removes what it made and exits 130 when no run finished', async () => {
    const dockerfile = path.join(workspace, 'Dockerfile');
    const solution = await readFile(dockerfile, 'utf8');
    await writeFile(dockerfile, solution.replace('CMD ["php-fpm"]', 'RUN sleep 60\nCMD ["php-fpm"]'));
    const child = execa(process.execPath, [BIN, 'challenge:verify', '--dir', workspace, '--watch', '--plain'], {
      reject: false,
      env: { NO_COLOR: '1' },
      all: true,
    });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await waitFor('the slow step', async () => /\] RUN sleep 60/.test(output), 240_000);
      // A classic build's container for the step cannot carry our labels: find it by its command (BuildKit,
      // the default, runs the step without a Docker container; the step's line above says it started).
      const docker = new Docker();
      const started = Math.floor(Date.now() / 1000) - 600;
      const buildContainers = async () =>
        (await docker.listContainers({ all: true })).filter((c) => c.Command.includes('sleep 60') && c.Created >= started).map((c) => c.Id);
      child.kill('SIGINT');
      const ended = await child;
      expect(ended.exitCode, output).toBe(130);
      expect(output).toContain('Run 1 cancelled; everything it created was removed.');
      expect(output).toContain('Stopped watching.');
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
      expect(await buildContainers()).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await writeFile(dockerfile, solution);
    }
  });
});
