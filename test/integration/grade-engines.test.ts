import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchResultSchema } from '../../src/grading/batch-report.js';
import { toolFilter } from '../../src/engine/labels.js';
import { ROOT } from '../support/cli.js';
import { describeNeeding, needs } from '../support/needs.js';
import { dockerCli, labelledObjects, requireEngine, requireImages, testSession, waitFor } from '../support/engine.js';

const ID = 'docker-missing-multistage';
const PACK = path.join(ROOT, 'challenges', ID);
const SCRIPT = path.join(ROOT, 'scripts', 'second-engine.sh');
const NAME = 'gradeit';
const SECOND = `unix:///run/shipshape-${NAME}/docker.sock`;
const FIRST = 'unix:///var/run/docker.sock';
const IMAGES = ['debian:bookworm-slim', 'php:8.2-fpm-alpine', 'composer:2'];

// A second dockerd needs root, dockerd and the script: skipped (declared) without them, failed under CI.
describeNeeding(needs.engine, needs.root, needs.secondEngine)('challenge:grade across two engines', { timeout: 600_000 }, () => {
  let scratch: string;
  let second: Docker;

  beforeAll(async () => {
    requireEngine();
    requireImages(...IMAGES.slice(1));
    await execa('bash', [SCRIPT, 'start', NAME]);
    second = new Docker({ socketPath: `/run/shipshape-${NAME}/docker.sock` });
    // A new engine has no images: the stand-ins are copied over from the first.
    for (const image of IMAGES) {
      const present = await second.getImage(image).inspect().then(() => true, () => false);
      if (!present) execFileSync('bash', ['-c', `${dockerCli()} save ${image} | ${dockerCli()} -H ${SECOND} load -q`], { stdio: 'ignore' });
    }
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-grade-engines-'));
  });

  afterAll(async () => {
    await execa('bash', [SCRIPT, 'purge', NAME], { reject: false });
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('spreads the batch over both engines and grades again elsewhere what an engine lost mid-run', async () => {
    const submissions = path.join(scratch, 'submissions');
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'alice'), { recursive: true });
    // The starter builds for a while: the second engine is stopped during it.
    await cp(path.join(PACK, 'starter'), path.join(submissions, 'bob'), { recursive: true });
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'carol'), { recursive: true });
    const child = execa(
      process.execPath,
      [path.join(ROOT, 'bin', 'run.js'), 'challenge:grade', submissions, '--challenge', ID, '--docker-host', FIRST, '--docker-host', SECOND, '--concurrency', '2', '--timeout', '300', '--json', '--plain', '--builder', 'classic'],
      { reject: false, env: { NO_COLOR: '1', XDG_CACHE_HOME: path.join(scratch, 'cache') } },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The classic builder, whose RUN steps are containers this test can watch for (an engine lost during a
    // BuildKit build is proven in second-engine.test.ts). bob is the second job: the first engine is busy
    // with alice, so it goes to the second.
    await waitFor('bob to start on the second engine', async () => stderr.includes(`bob: grading on ${SECOND}`), 300_000);
    await waitFor('a build step of bob to run on the second engine', async () => (await second.listContainers({ all: true })).length > 0, 120_000);
    await execa('bash', [SCRIPT, 'stop', NAME]);

    const result = await child;
    expect(result.exitCode, stderr).toBe(1);
    const report = BatchResultSchema.parse(JSON.parse(String(result.stdout)));
    const byName = Object.fromEntries(report.submissions.map((s) => [s.name, s]));
    expect(byName.alice!.status).toBe('pass');
    expect(byName.carol!.status).toBe('pass');
    // The starter fails on its merits, graded on the engine that stayed; its first attempt is not counted against it.
    expect(byName.bob!.status).toBe('fail');
    expect(byName.bob!.attempts).toBe(2);
    expect(byName.bob!.engine).toBe(FIRST);
    expect(byName.bob!.checks.find((check) => check.id === 'multi-stage')!.status).toBe('fail');
    expect(stderr).toMatch(/bob: .*grading again on another engine/);
    const engines = Object.fromEntries(report.engines.map((engine) => [engine.endpoint, engine]));
    expect(engines[SECOND]!.lost).toBe(true);
    expect(engines[FIRST]!.lost).toBe(false);
    expect(engines[FIRST]!.graded).toBe(3);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('leaves nothing labelled on a second engine that stayed up', async () => {
    await execa('bash', [SCRIPT, 'start', NAME]);
    const submissions = path.join(scratch, 'again');
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'erin'), { recursive: true });
    await cp(path.join(PACK, 'solution'), path.join(submissions, 'frank'), { recursive: true });
    const result = await execa(
      process.execPath,
      [path.join(ROOT, 'bin', 'run.js'), 'challenge:grade', submissions, '--challenge', ID, '--docker-host', FIRST, '--docker-host', SECOND, '--json', '--fresh'],
      { reject: false, env: { NO_COLOR: '1', XDG_CACHE_HOME: path.join(scratch, 'cache') } },
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const report = BatchResultSchema.parse(JSON.parse(String(result.stdout)));
    expect(report.submissions.map((s) => s.engine).sort()).toEqual([FIRST, SECOND].sort());
    const filters = toolFilter(testSession());
    expect((await second.listContainers({ all: true, filters })).length).toBe(0);
    expect((await second.listImages({ all: true, filters })).length).toBe(0);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
