import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { connectEngine, type Engine } from '../../src/engine/connect.js';
import { proveChallenge } from '../../src/grading/prove.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { verifyWorkspace } from '../../src/grading/verify.js';
import { startChallenge } from '../../src/workspace/workspace.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { expectSolutionEvidence } from '../support/evidence.js';
import { describeNeeding, needs } from '../support/needs.js';

/** Each challenge graded on built images, containers and the build context, proved through the prove core. */
const CHALLENGES = [
  'docker-incomplete-dockerfile',
  'docker-dockerignore',
  'docker-layer-cache-order',
  'docker-node-nonroot',
  'docker-go-scratch',
  'docker-python-targets',
];

describeNeeding(needs.engine)('image-graded challenges on the engine', { timeout: 600_000 }, () => {
  let engine: Engine;
  let scratch: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('php:8.2-fpm-alpine', 'busybox:1.36', 'node:20-alpine', 'golang:1.22-alpine', 'python:3.12-slim');
    engine = await connectEngine();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-image-challenges-'));
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it.each(CHALLENGES)('%s: the starter fails exactly its starterFails and the solution passes every check', async (id) => {
    const pack = await findPack(id);
    const results: Partial<Record<'starter' | 'solution', VerifyResult>> = {};
    const proof = await proveChallenge(pack, engine, { onVerified: (stage, result) => (results[stage] = result) });
    expect(proof.mismatches).toEqual([]);
    expect(proof.passed).toBe(true);
    for (const row of proof.rows) {
      expect(row, row.id).toMatchObject({ ok: true, exercised: true, solution: 'pass' });
      expect(row.starter, row.id).toBe(row.starterExpected === 'fail' ? 'fail' : 'pass');
    }
    // Not only statuses: what the image and container showed (command output, paths, sizes, health log).
    const looked = expectSolutionEvidence(pack, results.solution!);
    expect(looked.length, `${id}: no check looked at the image or container`).toBeGreaterThan(0);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('go-scratch: the figures behind the verdicts are the real image sizes and outputs', async () => {
    const pack = await findPack('docker-go-scratch');
    const workspace = path.join(scratch, 'go');
    await startChallenge(pack, workspace);
    const starter = await verifyWorkspace({ pack, workspaceDir: workspace, engine });
    const starterSize = starter.checks.find((check) => check.id === 'size-under-budget')!;
    expect(starterSize.status).toBe('fail');
    expect(starterSize.evidence!.imageBytes as number).toBeGreaterThan(100_000_000);

    await cp(path.join(pack.dir, 'solution'), workspace, { recursive: true, force: true });
    const solution = await verifyWorkspace({ pack, workspaceDir: workspace, engine });
    const size = solution.checks.find((check) => check.id === 'size-under-budget')!;
    expect(size.evidence!.imageBytes as number).toBeLessThan(15_000_000);
    expect(size.evidence!.imageBytes as number).toBeGreaterThan(1_000_000);
    const runs = solution.checks.find((check) => check.id === 'binary-runs')!;
    expect(runs.evidence).toMatchObject({ exitCode: 0, stdout: ['pinger 1.0.0'] });
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('node-nonroot: USER 0, with the right words in a comment, still fails on the image and the running process', async () => {
    const pack = await findPack('docker-node-nonroot');
    const workspace = path.join(scratch, 'node');
    await startChallenge(pack, workspace);
    const { writeFile } = await import('node:fs/promises');
    // Claims a user in a comment and runs as uid 0 through USER 0: the image and the process say root.
    await writeFile(
      path.join(workspace, 'Dockerfile'),
      [
        'FROM node:20-alpine',
        '# USER counter  (a comment does not change who runs the process)',
        'WORKDIR /app',
        'COPY package.json server.js ./',
        'RUN mkdir -p /app/data',
        'USER 0',
        'HEALTHCHECK --interval=10s --timeout=3s CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3000/health"]',
        'CMD ["node", "server.js"]',
        '',
      ].join('\n'),
    );
    const result = await verifyWorkspace({ pack, workspaceDir: workspace, engine });
    const status = Object.fromEntries(result.checks.map((check) => [check.id, check.status]));
    expect(status).toMatchObject({ 'image-user-not-root': 'fail', 'process-not-root': 'fail', 'container-healthy': 'pass' });
    expect(result.checks.find((check) => check.id === 'process-not-root')!.evidence).toMatchObject({ stdout: ['0'] });
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
