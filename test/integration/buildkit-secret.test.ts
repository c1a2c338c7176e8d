import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProveResult } from '../../src/grading/prove.js';
import { buildImage } from '../../src/engine/build.js';
import { type Engine, connectEngine } from '../../src/engine/connect.js';
import { imageHistory } from '../../src/engine/inspect.js';
import { RunScope } from '../../src/engine/scope.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { ROOT, shipshape } from '../support/cli.js';
import { dockerTestsEnabled, labelledObjects, requireEngine, requireImages } from '../support/engine.js';

const ID = 'docker-build-arg-secret';

async function buildkitTemps(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((name) => name.startsWith('shipshape-buildkit-'));
}

async function cacheDescriptions(): Promise<string[]> {
  const df = (await new Docker().df()) as { BuildCache?: Array<{ Description?: string }> | null };
  return (df.BuildCache ?? []).map((record) => record.Description ?? '');
}

describe.runIf(dockerTestsEnabled)('BuildKit builds with secrets through the Engine API session', { timeout: 600_000 }, () => {
  let scratch: string;
  let engine: Engine;
  let before: string[];

  beforeAll(async () => {
    requireEngine();
    requireImages('debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-bk-it-'));
    engine = await connectEngine();
    before = await buildkitTemps();
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('proves docker-build-arg-secret: the ARG starter leaks the token into history, the secret mount does not', async () => {
    const result = await shipshape(['challenge:test', ID, '--json'], { env: { XDG_CACHE_HOME: path.join(scratch, 'cache') } });
    expect(result.exitCode, result.all).toBe(0);
    const [proof] = (JSON.parse(result.stdout) as { challenges: ProveResult[] }).challenges;
    expect(proof!.mismatches).toEqual([]);
    expect(proof!.rows.map((row) => [row.id, row.starter, row.solution, row.exercised])).toEqual([
      ['build', 'pass', 'pass', true],
      ['catalog-downloaded', 'pass', 'pass', true],
      ['token-not-in-image', 'fail', 'pass', true],
      ['container-healthy', 'pass', 'pass', true],
    ]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    expect(await buildkitTemps()).toEqual(before);
  });

  it('verify --json on the starter names the leaking layer with the value masked and says BuildKit was used', async () => {
    const workspace = path.join(scratch, 'ws');
    const started = await shipshape(['challenge:start', ID, '--dir', workspace]);
    expect(started.exitCode, started.all).toBe(0);
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json']);
    expect(result.exitCode, result.all).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyResult;
    const leak = report.checks.find((check) => check.id === 'token-not-in-image')!;
    expect(leak.status).toBe('fail');
    // 20.10's BuildKit records the argument on the RUN; newer ones also record the ARG line itself.
    expect(leak.message).toMatch(
      /^the value of secret "api_token" is readable by anyone with the image: (?:1 place, first layer \d+ of \d+ \(docker history\): RUN \|1 API_TOKEN=\*\*\* \/bin\/sh -c API_TOKEN="\$API_TOKEN" sh \.\/fetch-catalog\.sh|2 places, first layer \d+ of \d+ \(docker history\): ARG API_TOKEN=\*\*\*)$/,
    );
    expect(result.stdout).not.toMatch(/shipshape-apitoken-[0-9a-f]{32}/);
    expect(report.build).toMatchObject({ builder: 'buildkit', buildkit: { cli: null, secrets: ['api_token'] } });
    expect(report.build!.buildkit!.note).toContain('Built with BuildKit through the Engine API.');
    // The starter's one RUN saw the token (a build argument): its record goes. On 20.10 the context transfer and
    // its copy go too; newer engines keep the transfer (removing it there makes the next build miss the cache).
    const records = /^20\./.test(engine.info.serverVersion) ? 3 : 1;
    expect(report.build!.buildkit!.cacheRecords).toBe(records);
    expect(report.cleanup!.buildCache).toBe(records);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('a secret mount whose RUN copies the value into a file: history is clean, but the file is found, even when deleted later', async () => {
    const workspace = path.join(scratch, 'ws');
    const solution = await readFile(path.join(ROOT, 'challenges', ID, 'solution', 'Dockerfile'), 'utf8');
    await writeFile(
      path.join(workspace, 'Dockerfile'),
      solution.replace(
        'RUN --mount=type=secret,id=api_token sh ./fetch-catalog.sh',
        'RUN --mount=type=secret,id=api_token sh ./fetch-catalog.sh && cp /run/secrets/api_token /app/.token\nRUN rm /app/.token',
      ),
    );
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json']);
    expect(result.exitCode, result.all).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyResult;
    const leak = report.checks.find((check) => check.id === 'token-not-in-image')!;
    expect(leak.status).toBe('fail');
    expect(leak.message).toBe(
      'the value of secret "api_token" is readable by anyone with the image: 1 place, first file /app/.token in layer 4 (made by RUN sh ./fetch-catalog.sh && cp /run/secrets/api_token /app/.token): the file content holds the value',
    );
    expect(report.checks.find((check) => check.id === 'catalog-downloaded')!.status).toBe('pass');
    expect(result.stdout).not.toMatch(/shipshape-apitoken-[0-9a-f]{32}/);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('labels the image with every run label, keeps secrets out of it, removes its own cache records and the image with the run', async () => {
    const dir = path.join(scratch, 'direct');
    const marker = randomBytes(6).toString('hex');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'Dockerfile'),
      `FROM debian:bookworm-slim\nRUN --mount=type=secret,id=tok test "$(cat /run/secrets/tok)" = "$EXPECTED" && echo "secret ok ${marker}" > /ok\n`,
    );
    const value = `value-${randomBytes(8).toString('hex')}`;
    const scope = new RunScope(engine.docker, 'buildkit-test');
    const steps: string[] = [];
    let attributed = -1;
    try {
      const build = await buildImage(engine, scope, {
        contextDir: dir,
        timeoutMs: 120_000,
        buildkit: true,
        // EXPECTED is not declared with ARG: the RUN cannot see it, so the test only passes through the secret file...
        buildArgs: {},
        secrets: [{ id: 'tok', value }],
        runCommands: [`test "$(cat /run/secrets/tok)" = "$EXPECTED" && echo "secret ok ${marker}" > /ok`],
        onEvent: (event) => event.type === 'step' && steps.push(event.instruction),
      });
      // ...and EXPECTED is empty, so `test value = ""` fails: the secret really reached the step.
      expect(build.failure?.step).toMatch(/^Step 2\/2 : RUN --mount=type=secret,id=tok test/);
      expect(build.failure?.message).toMatch(/exit code: 1$/);

      await writeFile(
        path.join(dir, 'Dockerfile'),
        `FROM debian:bookworm-slim\nRUN --mount=type=secret,id=tok test -s /run/secrets/tok && echo "secret ok ${marker}" > /ok\nCMD ["cat", "/ok"]\n`,
      );
      const ok = await buildImage(engine, scope, {
        contextDir: dir,
        timeoutMs: 120_000,
        buildkit: true,
        secrets: [{ id: 'tok', value }],
        runCommands: [`test -s /run/secrets/tok && echo "secret ok ${marker}" > /ok`],
      });
      expect(ok.failure).toBeNull();
      expect(ok.builder).toBe('buildkit');
      // The secret was served by our session, not by a file or the CLI.
      expect(ok.secretsRequested).toContain('tok');
      const inspected = await engine.docker.getImage(ok.imageId!).inspect();
      expect(inspected.Config.Labels).toMatchObject(scope.labels);
      expect(JSON.stringify(await imageHistory(engine, ok.imageId!))).not.toContain(value);
      expect(JSON.stringify(inspected)).not.toContain(value);
      // Its RUN, and on 20.10 the context transfer and its copy (newer engines keep the transfer).
      expect(ok.buildCache!.attributed).toBe(/^20\./.test(engine.info.serverVersion) ? 3 : 1);
      attributed = build.buildCache!.attributed + ok.buildCache!.attributed;
      expect((await cacheDescriptions()).filter((description) => description.includes(marker))).toHaveLength(1);
      expect(await buildkitTemps()).toEqual(before);
    } finally {
      const report = await scope.dispose();
      // The RUN that finished (the failing one leaves none) and each build's context transfer (and copy).
      expect(report.buildCache).toBe(attributed);
      expect(report.errors).toEqual([]);
    }
    expect((await cacheDescriptions()).filter((description) => description.includes(marker))).toEqual([]);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    expect(steps).toEqual(['FROM debian:bookworm-slim', expect.stringMatching(/^RUN --mount=type=secret,id=tok /)]);
  });

  it('the time limit and Ctrl-C (AbortSignal) stop the BuildKit build within seconds', async () => {
    const dir = path.join(scratch, 'slow');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), `FROM debian:bookworm-slim\nRUN echo ${randomBytes(4).toString('hex')} && sleep 120\n`);
    const scope = new RunScope(engine.docker, 'buildkit-test');
    try {
      const timed = await buildImage(engine, scope, { contextDir: dir, timeoutMs: 4000, buildkit: true });
      expect(timed.failure).toMatchObject({ message: 'the build took longer than 4 s and was stopped', step: expect.stringMatching(/^Step 2\/2 : RUN echo/) });

      const abort = new AbortController();
      const cancelled = await buildImage(engine, scope, {
        contextDir: dir,
        timeoutMs: 120_000,
        buildkit: true,
        signal: abort.signal,
        onEvent: (event) => event.type === 'step' && event.index === 2 && setTimeout(() => abort.abort(), 500),
      });
      expect(cancelled.failure?.message).toBe('the build was cancelled');
      expect(cancelled.imageId).toBeNull();
    } finally {
      await scope.dispose();
    }
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
