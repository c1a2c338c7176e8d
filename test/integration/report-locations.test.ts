import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipshape } from '../support/cli.js';
import { dockerTestsEnabled, labelledObjects, requireEngine, requireImages } from '../support/engine.js';

const ID = 'docker-missing-multistage';

/** A build that fails on the engine: the SARIF result and the annotation point at the failing step's instruction. */
describe.runIf(dockerTestsEnabled)('reports locate a failing build step', { timeout: 600_000 }, () => {
  let scratch: string;
  let workspace: string;

  beforeAll(async () => {
    requireEngine();
    requireImages('php:8.2-fpm-alpine');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-locations-'));
    workspace = path.join(scratch, 'ws');
    const started = await shipshape(['challenge:start', ID, '--dir', workspace]);
    expect(started.exitCode, started.all).toBe(0);
    await writeFile(
      path.join(workspace, 'Dockerfile'),
      ['FROM php:8.2-fpm-alpine AS base', 'WORKDIR /app', '', 'RUN echo "building" \\', '  && exit 3', 'CMD ["php-fpm"]', ''].join('\n'),
    );
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the build result is on line 4 (the RUN spanning lines 4-5), in SARIF and in the annotation', async () => {
    const sarifFile = path.join(scratch, 'out.sarif');
    const run = await shipshape(['challenge:verify', '--dir', workspace, '--plain', '--format', 'github', '--format', `sarif=${sarifFile}`], {
      env: { XDG_CACHE_HOME: path.join(scratch, 'cache'), GITHUB_WORKSPACE: workspace },
    });
    expect(run.exitCode, run.all).toBe(1);
    const sarif = JSON.parse(await readFile(sarifFile, 'utf8'));
    const build = sarif.runs[0].results.find((result: { ruleId: string }) => result.ruleId === 'build');
    expect(build.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'Dockerfile' }, region: { startLine: 4, startColumn: 1, endLine: 5, endColumn: 12 } });
    // Either builder's wording of the exit code (BuildKit: `exit code: 3`, classic: `returned a non-zero code: 3`).
    expect(build.message.text).toMatch(/exit code: 3|non-zero code: 3/);
    // Image and runtime checks could not run: skipped, so no results of their own.
    expect(sarif.runs[0].results.map((result: { ruleId: string }) => result.ruleId)).not.toContain('container-healthy');
    expect(run.stdout).toMatch(/^::error title=build%3A The image builds,file=Dockerfile,line=4,endLine=5::build failed/m);
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
