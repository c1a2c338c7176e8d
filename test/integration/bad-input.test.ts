import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { type Engine, connectEngine } from '../../src/engine/connect.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { verifyWorkspace } from '../../src/grading/verify.js';
import { startChallenge } from '../../src/workspace/workspace.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const ID = 'docker-missing-multistage';

/**
 * Bad input met inside the verify core (not through the CLI). The other cases of the catalogue, with
 * their exact messages and exit codes, are in bad-input-catalogue.test.ts.
 */
describeNeeding(needs.engine)('bad input in the verify core', { timeout: 300_000 }, () => {
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
});
