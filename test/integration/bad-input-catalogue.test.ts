import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { ROOT, shipshape } from '../support/cli.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

/**
 * The bad-input catalogue, each item once, through the CLI as a learner runs it (`challenge:verify
 * --json`) on a tiny Debian-based pack: the precise message, the check statuses and the exit code,
 * and never a stack trace.
 */
const PACK_ID = 'catalogue-demo';

const APP = `#!/bin/sh
# Writes a heartbeat every second.
while true; do date +%s > /tmp/heartbeat; sleep 1; done
`;
const HEALTH = `#!/bin/sh
[ -f /tmp/heartbeat ] || { echo "no heartbeat"; exit 1; }
age=$(( $(date +%s) - $(cat /tmp/heartbeat) ))
[ "$age" -le 5 ] || { echo "heartbeat \${age}s old"; exit 1; }
echo "ok"
`;
const HEALTHCHECK = 'HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD ["sh", "/app/healthcheck.sh"]';
const SOLUTION = [
  'FROM debian:bookworm-slim',
  'WORKDIR /app',
  'COPY app.sh healthcheck.sh ./',
  'RUN chmod +x app.sh healthcheck.sh',
  HEALTHCHECK,
  'CMD ["sh", "/app/app.sh"]',
  '',
].join('\n');

const MANIFEST = `schemaVersion: 1
id: ${PACK_ID}
title: Bad input catalogue demo
difficulty: beginner
lesson: docker-intermediate
summary: A heartbeat worker with a health check, for the bad-input tests.
hints: [hints/1.md]
starterFails: [healthcheck-declared, healthcheck-in-image, container-healthy]
limits: { buildTimeoutSeconds: 120, contextMaxMegabytes: 5 }
checks:
  - id: has-from
    kind: dockerfile.stage-count
    title: The Dockerfile has a stage
    with: { min: 1 }
    hint: Start with FROM.
  - id: healthcheck-declared
    kind: dockerfile.healthcheck
    title: A meaningful HEALTHCHECK is declared
    hint: Test the heartbeat.
  - id: build
    kind: build.succeeds
    title: The image builds
    hint: Read the failing step.
  - id: healthcheck-in-image
    kind: image.healthcheck-configured
    title: The image carries a meaningful health check
    with: { requireMeaningful: true }
    hint: The test must fail when the worker is not running.
  - id: container-healthy
    kind: runtime.healthy
    title: The container becomes healthy
    with: { timeoutSeconds: 30, probeIntervalSeconds: 1 }
    hint: Check the worker and its heartbeat.
`;

/** A Node or V8 stack frame, as printed by an uncaught error. */
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(node:.+\))$/m;

interface Verified {
  exitCode: number;
  report: VerifyResult;
  checks: Record<string, CheckResult>;
  all: string;
}

describeNeeding(needs.engine)('bad input catalogue through the CLI', { timeout: 600_000 }, () => {
  let scratch: string;
  let packs: string;
  let workspace: string;
  let secretWorkspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('debian:bookworm-slim');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-catalogue-'));
    packs = path.join(scratch, 'packs');
    const pack = path.join(packs, PACK_ID);
    for (const dir of ['starter', 'solution', 'hints']) await mkdir(path.join(pack, dir), { recursive: true });
    await writeFile(path.join(pack, 'manifest.yaml'), MANIFEST);
    await writeFile(path.join(pack, 'task.md'), '# Demo\n');
    await writeFile(path.join(pack, 'hints', '1.md'), 'Add a HEALTHCHECK.\n');
    for (const dir of ['starter', 'solution']) {
      await writeFile(path.join(pack, dir, 'app.sh'), APP);
      await writeFile(path.join(pack, dir, 'healthcheck.sh'), HEALTH);
    }
    await writeFile(path.join(pack, 'starter', 'Dockerfile'), SOLUTION.replace(`${HEALTHCHECK}\n`, ''));
    await writeFile(path.join(pack, 'solution', 'Dockerfile'), SOLUTION);
    workspace = path.join(scratch, 'ws');
    const started = await shipshape(['challenge:start', PACK_ID, '--pack', packs, '--dir', workspace]);
    expect(started.exitCode, started.all).toBe(0);
    secretWorkspace = path.join(scratch, 'secret-ws');
    const startedSecret = await shipshape(['challenge:start', 'docker-build-arg-secret', '--dir', secretWorkspace]);
    expect(startedSecret.exitCode, startedSecret.all).toBe(0);
    await cp(path.join(ROOT, 'challenges', 'docker-build-arg-secret', 'solution'), secretWorkspace, { recursive: true });
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Verifies with the default builder (BuildKit through the Engine API), or `--builder classic` when asked. */
  async function verify(dockerfile: string | Buffer | null, dir = workspace, builder?: 'classic' | 'buildkit'): Promise<Verified> {
    const file = path.join(dir, 'Dockerfile');
    if (dockerfile === null) await rm(file, { force: true });
    else await writeFile(file, dockerfile);
    const result = await shipshape(['challenge:verify', '--dir', dir, '--json', '--pack', packs, ...(builder ? ['--builder', builder] : [])]);
    expect(result.all).not.toMatch(STACK_FRAME);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    const report = JSON.parse(result.stdout) as VerifyResult;
    return { exitCode: result.exitCode, report, checks: Object.fromEntries((report.checks ?? []).map((check) => [check.id, check])), all: result.all };
  }

  const statuses = (verified: Verified) => Object.fromEntries(verified.report.checks.map((check) => [check.id, check.status]));

  it('the solution of the demo pack passes (the baseline the other items break)', async () => {
    const verified = await verify(SOLUTION);
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.checks['healthcheck-in-image']!.message).toBe(
      'health check: sh /app/healthcheck.sh (every 5s); it fails while the app is not running, as it should',
    );
  });

  it('empty Dockerfile: no FROM, the engine refuses the empty file, later phases skip; exit 1 (both builders)', async () => {
    for (const [builder, message] of [
      ['buildkit', 'build failed: the engine rejected the Dockerfile: the Dockerfile cannot be empty'],
      ['classic', 'build failed: the engine rejected the Dockerfile: the Dockerfile (Dockerfile) cannot be empty'],
    ] as const) {
      const verified = await verify('', workspace, builder);
      expect(verified.exitCode).toBe(1);
      expect(verified.report.build!.builder).toBe(builder);
      expect(verified.checks['has-from']).toMatchObject({ status: 'fail', message: 'no FROM instruction found' });
      expect(verified.checks.build).toMatchObject({ status: 'fail', message });
      expect(verified.checks['healthcheck-in-image']).toMatchObject({ status: 'skip', message: 'skipped: the build failed' });
      expect(verified.checks['container-healthy']).toMatchObject({ status: 'skip', message: 'skipped: the build failed' });
    }
  });

  it('missing Dockerfile: one JSON error naming the file and what to do; exit 1', async () => {
    await rm(path.join(workspace, 'Dockerfile'));
    const missing = await shipshape(['challenge:verify', '--dir', workspace, '--json', '--pack', packs]);
    expect(missing.exitCode).toBe(1);
    expect(missing.all).not.toMatch(STACK_FRAME);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: { message: `No Dockerfile in ${workspace}.`, suggestion: 'Create Dockerfile in the workspace, or run `shipshape challenge:reset` to get the starter back.', exitCode: 1 },
    });
  });

  it('unknown instruction: the build check names the line and the instruction; exit 1', async () => {
    const verified = await verify(SOLUTION.replace('WORKDIR /app\n', 'WORKDIR /app\nFOO bar\n'));
    expect(verified.exitCode).toBe(1);
    expect(verified.checks.build).toMatchObject({
      status: 'fail',
      message: 'build failed: the engine rejected the Dockerfile: dockerfile parse error line 3: unknown instruction: FOO',
    });
    expect(verified.checks['healthcheck-declared']!.status).toBe('pass');
  });

  it('a trailing `\\` at the end of the file: accepted by the parser and the engine alike; exit 0', async () => {
    const verified = await verify(`${SOLUTION}RUN echo done \\`);
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.checks.build!.status).toBe('pass');
    // BuildKit runs FROM, WORKDIR, COPY and the RUNs as steps; HEALTHCHECK and CMD only set the config.
    expect(verified.report.build!.steps).toBe(5);
    const classic = await verify(`${SOLUTION}RUN echo done \\`, workspace, 'classic');
    expect(classic.exitCode, classic.all).toBe(0);
    expect(classic.report.build!.steps).toBe(7);
  });

  it('CRLF line endings and a UTF-8 BOM: parsed and graded like the plain file; exit 0', async () => {
    const verified = await verify(Buffer.from(`\uFEFF${SOLUTION.replace(/\n/g, '\r\n')}`, 'utf8'));
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.checks['healthcheck-declared']!.message).toMatch(/^HEALTHCHECK at line 5 in stage 1 \(the only stage\) at line 1 tests \["sh","\/app\/healthcheck.sh"\]/);
  });

  it('the `escape` parser directive (backtick) is honoured by the static checks and the build; exit 0', async () => {
    const verified = await verify(
      `# escape=\`\n${SOLUTION.replace('RUN chmod +x app.sh healthcheck.sh', 'RUN chmod +x app.sh `\n    healthcheck.sh').replace(HEALTHCHECK, 'HEALTHCHECK --interval=5s --timeout=3s `\n    CMD ["sh", "/app/healthcheck.sh"]')}`,
    );
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.checks['healthcheck-declared']!.message).toMatch(/^HEALTHCHECK at line 7 .* tests \["sh","\/app\/healthcheck.sh"\] with --interval=5s --timeout=3s /);
  });

  it('a heredoc: the build check says heredocs are unsupported and names the RUN that opened it; exit 1', async () => {
    const verified = await verify(SOLUTION.replace('WORKDIR /app\n', 'WORKDIR /app\nRUN <<EOF\necho hi > /hi\nEOF\n'));
    expect(verified.exitCode).toBe(1);
    expect(verified.checks.build).toMatchObject({
      status: 'fail',
      message:
        'build failed: the engine rejected the Dockerfile: dockerfile parse error line 4: unknown instruction: ECHO; line 4 is inside the heredoc EOF ' +
        "opened by RUN at line 3; this engine's Dockerfile frontend does not support heredocs (they need BuildKit with Dockerfile syntax 1.4 or newer), " +
        'so write the commands on one RUN joined with && (or put them in a script you COPY and run)',
    });
  });

  it('`# syntax=` with the classic builder: ignored, the build passes with a note; exit 0', async () => {
    const verified = await verify(`# syntax=docker/dockerfile:1.4\n${SOLUTION}`, workspace, 'classic');
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.checks.build!.message).toMatch(
      /^built in [\d.]+ s \(6 steps\); note: the `# syntax=docker\/dockerfile:1\.4` line was ignored: the classic builder always uses its built-in Dockerfile frontend$/,
    );
  });

  it('`# syntax=` with BuildKit and no registry: the build check says the frontend image is not available offline; exit 1', async () => {
    const solution = await readFile(path.join(ROOT, 'challenges', 'docker-build-arg-secret', 'solution', 'Dockerfile'), 'utf8');
    const verified = await verify(`# syntax=docker/dockerfile:1\n${solution}`, secretWorkspace);
    expect(verified.exitCode).toBe(1);
    expect(verified.checks.build).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(
        /^build failed: the `# syntax=docker\/dockerfile:1` line \(line 1 of the Dockerfile\) asks BuildKit for the Dockerfile frontend image docker\/dockerfile:1, which is not on the engine and could not be fetched \(no registry reachable: offline\?\); remove the `# syntax=` line to use the engine's built-in frontend\. Engine said: /,
      ),
    });
    expect(verified.report.build!.builder).toBe('buildkit');
  });

  it('a build step that fails: the build check names the step, the exit code and its last output; exit 1 (both builders)', async () => {
    for (const [builder, message] of [
      // BuildKit numbers the steps it runs (HEALTHCHECK and CMD are not steps there); the engine's own wording differs by version.
      ['buildkit', /^build failed at Step 4\/5 : RUN echo preparing && exit 3: .*exit code: 3$/],
      ['classic', /^build failed at Step 4\/7 : RUN echo preparing && exit 3: The command '\/bin\/sh -c echo preparing && exit 3' returned a non-zero code: 3$/],
    ] as const) {
      const verified = await verify(SOLUTION.replace('RUN chmod', 'RUN echo preparing && exit 3\nRUN chmod'), workspace, builder);
      expect(verified.exitCode).toBe(1);
      expect(verified.report.build!.builder).toBe(builder);
      expect(verified.checks.build).toMatchObject({ status: 'fail', message: expect.stringMatching(message) });
      expect(verified.checks.build!.evidence!.lastLines).toEqual(['preparing']);
      expect(statuses(verified)).toEqual({ 'has-from': 'pass', 'healthcheck-declared': 'pass', build: 'fail', 'healthcheck-in-image': 'skip', 'container-healthy': 'skip' });
    }
  });

  it('a CMD that exits at once: the runtime check says exited, with the exit code and the log tail; exit 1', async () => {
    const verified = await verify(SOLUTION.replace('CMD ["sh", "/app/app.sh"]', 'CMD ["sh", "-c", "echo cannot start >&2; exit 3"]'));
    expect(verified.exitCode).toBe(1);
    expect(verified.checks['container-healthy']!.status).toBe('fail');
    expect(verified.checks['container-healthy']!.message).toMatch(/^the container exited with code 3 after [\d.]+ s before becoming healthy; its last output: cannot start$/);
    expect(verified.checks['container-healthy']!.evidence).toMatchObject({ status: 'exited', exitCode: 3, containerLog: ['cannot start'] });
  });

  it('a HEALTHCHECK that never returns: unhealthy by its timeout, in bounded time, with a clear message; exit 1', async () => {
    const verified = await verify(SOLUTION.replace(HEALTHCHECK, 'HEALTHCHECK --interval=30s --timeout=2s --retries=2 CMD ["sleep", "1000"]'));
    expect(verified.exitCode).toBe(1);
    const healthy = verified.checks['container-healthy']!;
    expect(healthy.status).toBe('fail');
    expect(healthy.message).toMatch(/^unhealthy after [\d.]+ s; last probe exited -1: Health check exceeded timeout \(2s\)$/);
    // The app-down probe of the image check is cut at its own limit, and a hanging test is not "always passing".
    expect(verified.checks['healthcheck-in-image']!.evidence!.appDownProbe).toMatchObject({ timedOut: true, exitCode: null });
  });

  it('HEALTHCHECK NONE: the static, image and runtime health checks all fail, each saying why; exit 1', async () => {
    const verified = await verify(SOLUTION.replace(HEALTHCHECK, 'HEALTHCHECK NONE'));
    expect(verified.exitCode).toBe(1);
    expect(verified.checks['healthcheck-declared']).toMatchObject({
      status: 'fail',
      message: 'HEALTHCHECK at line 5 in stage 1 (the only stage) at line 1 is HEALTHCHECK NONE, which disables health checking; declare HEALTHCHECK CMD <command> instead',
    });
    expect(verified.checks['healthcheck-in-image']).toMatchObject({ status: 'fail', message: 'the image disables its health check (HEALTHCHECK NONE)' });
    expect(verified.checks['container-healthy']).toMatchObject({ status: 'fail', message: 'the image has no health check to run' });
  });

  it.each([
    ['HEALTHCHECK CMD ["true"]', '`true` always succeeds'],
    ['HEALTHCHECK CMD exit 0', '`exit 0` always succeeds'],
    ['HEALTHCHECK CMD true', '`true` always succeeds'],
  ])('a fake health check (%s): static and image checks reject it although the container turns healthy; exit 1', async (line, why) => {
    const verified = await verify(SOLUTION.replace(HEALTHCHECK, line));
    expect(verified.exitCode).toBe(1);
    expect(verified.checks['healthcheck-declared']!.status).toBe('fail');
    expect(verified.checks['healthcheck-declared']!.message).toContain(why);
    expect(verified.checks['healthcheck-in-image']).toMatchObject({
      status: 'fail',
      message: `the image's health check tests \`${why.split('`')[1]}\`: ${why}, so the container is reported healthy whatever state it is in`,
    });
    expect(verified.checks['container-healthy']!.status).toBe('pass');
  });

  it('a health check that looks real but passes with the app down (`test -d /app`): the image check runs it with the app not started and gives an advice (full points, never blocking); exit 0', async () => {
    const verified = await verify(SOLUTION.replace(HEALTHCHECK, 'HEALTHCHECK --interval=5s CMD test -d /app'));
    expect(verified.exitCode).toBe(0);
    expect(verified.checks['healthcheck-declared']!.status).toBe('pass');
    const weak = verified.checks['healthcheck-in-image']!;
    expect(weak.status).toBe('advice');
    expect(weak.points).toBe(weak.maxPoints);
    expect(weak.message).toMatch(
      /^the image's health check `test -d \/app` exits 0 even in a container where the application was never started \(probe took [\d.]+ s\), so it reports healthy whatever state the app is in$/,
    );
    expect(weak.hint).toMatch(/^Test the running app itself/);
    expect(weak.evidence!.appDownProbe).toMatchObject({ exitCode: 0, timedOut: false });
    expect(verified.checks['container-healthy']!.status).toBe('pass');
  });
});
