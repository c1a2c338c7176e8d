import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../src/engine/build.js';
import { type Engine, connectEngine } from '../../src/engine/connect.js';
import { imageHistory, runInImage } from '../../src/engine/inspect.js';
import { RunScope } from '../../src/engine/scope.js';
import { buildVariant } from '../../src/engine/variant.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

// The engine tools image checks build on: commands in the image, its history, and second builds.
describeNeeding(needs.engine)('image toolbox on the engine', { timeout: 300_000 }, () => {
  let dir: string;
  let engine: Engine;
  let scope: RunScope;
  let imageId: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('debian:bookworm-slim');
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-toolbox-'));
    await writeFile(path.join(dir, 'deps.txt'), 'left-pad\n');
    await writeFile(path.join(dir, 'app.txt'), 'version 1\n');
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        'FROM debian:bookworm-slim AS base',
        'COPY deps.txt /deps.txt',
        'RUN cp /deps.txt /installed.txt && head -c 300000 /dev/zero > /blob',
        'FROM base AS prod',
        'COPY app.txt /app.txt',
        'CMD ["cat", "/app.txt"]',
        '',
      ].join('\n'),
    );
    engine = await connectEngine();
    scope = new RunScope(engine.docker, 'toolbox-test');
    const build = await buildImage(engine, scope, { contextDir: dir, timeoutMs: 120_000 });
    expect(build.failure).toBeNull();
    expect(build.stepLog.map((step) => step.instruction)).toEqual([
      'FROM debian:bookworm-slim AS base',
      'COPY deps.txt /deps.txt',
      'RUN cp /deps.txt /installed.txt && head -c 300000 /dev/zero > /blob',
      'FROM base AS prod',
      'COPY app.txt /app.txt',
      'CMD ["cat", "/app.txt"]',
    ]);
    imageId = build.imageId!;
  });

  afterAll(async () => {
    await scope?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (engine) expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('runs a command in the image and reports exit code, stdout and stderr separately', async () => {
    const ok = await runInImage(engine, scope, imageId, ['sh', '-c', 'cat /app.txt; echo oops >&2; exit 3']);
    expect(ok).toMatchObject({ exitCode: 3, stdout: 'version 1\n', stderr: 'oops\n', timedOut: false });
    const missing = await runInImage(engine, scope, imageId, ['no-such-program']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/no-such-program/);
  });

  it('runs without network by default, as another user when asked, and stops at its time limit', async () => {
    const network = await runInImage(engine, scope, imageId, ['sh', '-c', 'ls /sys/class/net | sort | tr "\\n" " "']);
    expect(network.stdout.trim()).toBe('lo');
    const user = await runInImage(engine, scope, imageId, ['id', '-u'], { user: '65534' });
    expect(user.stdout.trim()).toBe('65534');
    const slow = await runInImage(engine, scope, imageId, ['sleep', '30'], { timeoutMs: 1000 });
    expect(slow.timedOut).toBe(true);
    expect(slow.exitCode).toBeNull();
  });

  it('lists the history newest first with the instruction and bytes of each layer', async () => {
    const layers = await imageHistory(engine, imageId);
    expect(layers[0]!.createdBy).toMatch(/CMD \["cat" "\/app.txt"\]|CMD \["cat","\/app.txt"\]/);
    const blob = layers.find((layer) => layer.createdBy.includes('head -c 300000'));
    expect(blob!.size).toBeGreaterThanOrEqual(300_000);
  });

  it('rebuilds with a changed file from the layer cache up to the changed step, without touching the workspace', async () => {
    const rebuilt = await buildVariant(engine, scope, {
      workspaceDir: dir,
      dockerfile: 'Dockerfile',
      timeoutMs: 120_000,
      variant: { changes: { 'app.txt': 'version 2\n' } },
    });
    expect(rebuilt.outcome.failure).toBeNull();
    const cached = Object.fromEntries(rebuilt.outcome.stepLog.map((step) => [step.instruction.split(' ')[0] + ' ' + step.index, step.cached]));
    expect(cached).toMatchObject({ 'COPY 2': true, 'RUN 3': true, 'COPY 5': false });
    expect((await runInImage(engine, scope, rebuilt.image!.id, ['cat', '/app.txt'])).stdout).toBe('version 2\n');
    expect(await readFile(path.join(dir, 'app.txt'), 'utf8')).toBe('version 1\n');
  });

  it('builds a named target alone', async () => {
    const base = await buildVariant(engine, scope, { workspaceDir: dir, dockerfile: 'Dockerfile', timeoutMs: 120_000, variant: { target: 'base' } });
    expect(base.outcome.failure).toBeNull();
    expect((await runInImage(engine, scope, base.image!.id, ['test', '-e', '/app.txt'])).exitCode).toBe(1);
    expect((await runInImage(engine, scope, base.image!.id, ['cat', '/installed.txt'])).stdout).toBe('left-pad\n');
  });
});
