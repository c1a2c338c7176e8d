import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextExcludes } from '../../../src/checks/context/excludes.js';
import { contextSizeUnder } from '../../../src/checks/context/size-under.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { plannedBuildContext } from '../../../src/checks/context/plan.js';
import type { StaticContext } from '../../../src/checks/kind.js';

describe('context.excludes and context.size-under (on a real folder and .dockerignore)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-context-check-'));
    await mkdir(path.join(dir, 'site'));
    await mkdir(path.join(dir, 'vendor/lib'), { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM busybox:1.36\n# .env is ignored, honest\nCOPY . /srv\n');
    await writeFile(path.join(dir, 'site/index.html'), '<h1>hi</h1>\n');
    await writeFile(path.join(dir, '.env'), 'TOKEN=secret\n');
    await writeFile(path.join(dir, 'vendor/lib/big.js'), 'x'.repeat(30_000));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const context = (): StaticContext => ({ dockerfile: DockerfileModel.parse(path.join(dir, 'Dockerfile'), 'FROM busybox:1.36\n'), workspaceDir: dir });
  const excludes = (paths: string[]) => contextExcludes.run(contextExcludes.params.parse({ paths }), context());
  const sizeUnder = (maxKilobytes: number) => contextSizeUnder.run(contextSizeUnder.params.parse({ maxKilobytes }), context());

  it('fails while files are sent, whatever the Dockerfile says, and names what is inside a directory', async () => {
    const verdict = await excludes(['.env', 'vendor/']);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('still sent to the engine: .env; vendor/ (vendor/lib/big.js, vendor/lib)');
  });

  it('passes once .dockerignore leaves them out', async () => {
    await writeFile(path.join(dir, '.dockerignore'), '.env\nvendor/\n');
    const verdict = await excludes(['.env', 'vendor']);
    expect(verdict.status).toBe('pass');
    expect(verdict.evidence).toMatchObject({ stillSent: {} });
  });

  it('follows the docker CLI rules: an exception brings a file back, a file-only pattern leaves the directory', async () => {
    await writeFile(path.join(dir, '.dockerignore'), '.env\nvendor/\n!vendor/lib/big.js\n');
    expect((await excludes(['.env'])).status).toBe('pass');
    expect((await excludes(['vendor'])).status).toBe('fail');
    await writeFile(path.join(dir, '.dockerignore'), 'vendor/lib/*.css\n');
    expect((await excludes(['vendor'])).status).toBe('fail');
  });

  it('measures the context that would be sent against the budget, naming the biggest files', async () => {
    const big = await sizeUnder(20);
    expect(big.status).toBe('fail');
    expect(big.message).toMatch(/^the context is 30\.\d kB in 4 files; budget 20\.0 kB; biggest: vendor\/lib\/big\.js \(30\.0 kB\)/);
    await writeFile(path.join(dir, '.dockerignore'), 'vendor/\n');
    const small = await sizeUnder(20);
    expect(small.status).toBe('pass');
    expect(small.evidence).toMatchObject({ files: 4 });
  });

  it('within one verify (one parsed Dockerfile) the context is planned once and shared by every context check', async () => {
    const shared = context();
    const first = plannedBuildContext(shared);
    expect(plannedBuildContext(shared)).toBe(first);
    expect((await first).included.has('vendor')).toBe(true);
    await writeFile(path.join(dir, '.dockerignore'), 'vendor/\n');
    // A new verify parses the Dockerfile again and sees the workspace as it is now.
    expect((await plannedBuildContext(context())).included.has('vendor')).toBe(false);
    expect(plannedBuildContext(shared)).toBe(first);
  });

  it('refuses absolute paths and paths leaving the workspace', () => {
    expect(contextExcludes.params.safeParse({ paths: ['/etc'] }).success).toBe(false);
    expect(contextExcludes.params.safeParse({ paths: ['../x'] }).success).toBe(false);
    expect(contextExcludes.params.safeParse(contextExcludes.example).success).toBe(true);
  });
});
