import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedAfterChange } from '../../../src/checks/image/cached-after-change.js';
import type { BuildStep, VariantBuild } from '../../../src/checks/kind.js';
import { FakeInspector, facts, imageContext } from '../image/fake.js';

function variant(steps: Array<[string, boolean]>, failure: VariantBuild['outcome']['failure'] = null): VariantBuild {
  const stepLog: BuildStep[] = steps.map(([instruction, cached], index) => ({ index: index + 1, instruction, cached }));
  return {
    outcome: { imageId: failure ? null : 'sha256:variant', failure, durationMs: 900, steps: stepLog.length, stepLog },
    image: failure ? null : facts({ id: 'sha256:variant' }),
  };
}

const PARAMS = { append: { 'server.js': '\n// changed\n' }, step: '^RUN\\s+npm\\s+(ci|install)\\b', description: 'the npm install' };

describe('build.cached-after-change', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'shipshape-cache-check-'));
    await writeFile(path.join(workspace, 'server.js'), 'console.log(1);\n');
  });
  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  async function check(answer: VariantBuild, params: Record<string, unknown> = PARAMS) {
    const inspector = new FakeInspector({ variant: () => answer });
    const verdict = await cachedAfterChange.run(cachedAfterChange.params.parse(params), imageContext(facts(), inspector, workspace));
    return { verdict, inspector };
  }

  it('rebuilds with the file changed (the workspace content plus the appended text) and passes when the install came from the cache', async () => {
    const { verdict, inspector } = await check(
      variant([['FROM node:20-alpine', false], ['WORKDIR /app', true], ['COPY package.json package-lock.json ./', true], ['RUN npm ci --omit=dev', true], ['COPY . .', false], ['CMD ["node", "server.js"]', false]]),
    );
    // The author's text, then 20 lines (empty or one space) that make this run's change unlike any earlier one.
    expect(inspector.variants).toEqual([{ changes: { 'server.js': expect.stringMatching(/^console\.log\(1\);\n\n\/\/ changed\n(?: ?\n){20}$/) } }]);
    const again = await check(variant([['FROM node:20-alpine', false], ['RUN npm ci', true], ['COPY . .', false]]));
    expect(again.inspector.variants[0]!.changes).not.toEqual(inspector.variants[0]!.changes);
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toContain('the npm install came from the cache (step 4)');
    expect(verdict.evidence!.steps).toContain('4: RUN npm ci --omit=dev (cached)');
  });

  it('BuildKit: a RUN with --mount=type=cache is still the npm install, and its CACHED mark counts', async () => {
    const { verdict } = await check(
      variant([
        ['FROM docker.io/library/node:20-alpine', false],
        ['WORKDIR /app', true],
        ['COPY package.json package-lock.json ./', true],
        ['RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev', true],
        ['COPY . .', false],
      ]),
    );
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toContain('the npm install came from the cache (step 4)');
    const rebuilt = await check(
      variant([['FROM docker.io/library/node:20-alpine', true], ['COPY . .', false], ['RUN --mount=type=cache,target=/root/.npm npm ci', false]]),
    );
    expect(rebuilt.verdict.message).toBe('after changing server.js, the npm install ran again (step 3); the cache broke at step 2: COPY . .');
  });

  it('fails naming the step where the cache broke (FROM never counts as a hit)', async () => {
    const { verdict } = await check(variant([['FROM node:20-alpine', false], ['WORKDIR /app', true], ['COPY . .', false], ['RUN npm ci --omit=dev', false]]));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toBe('after changing server.js, the npm install ran again (step 4); the cache broke at step 3: COPY . .');
  });

  it('fails when no step is the one named, and when every step was cached (the change never reached the image)', async () => {
    const none = await check(variant([['FROM node:20-alpine', false], ['COPY . .', false]]));
    expect(none.verdict.message).toContain('no build step is the npm install');
    const unchanged = await check(variant([['FROM node:20-alpine', false], ['RUN npm ci', true], ['COPY public/ .', true]]));
    expect(unchanged.verdict.status).toBe('fail');
    expect(unchanged.verdict.message).toContain('every step came from the cache');
  });

  it('fails when the rebuild fails, or the file to change is not in the workspace', async () => {
    const broken = await check(variant([['FROM node:20-alpine', false]], { step: 'Step 3/4 : RUN npm ci', message: 'npm ERR!', lastLines: [] }));
    expect(broken.verdict).toMatchObject({ status: 'fail', message: 'the rebuild after changing server.js failed: npm ERR!' });
    const missing = await check(variant([]), { ...PARAMS, append: { 'app.js': '//' } });
    expect(missing.verdict.message).toBe('app.js is not in the workspace, so it cannot be changed for the rebuild');
    expect(missing.inspector.variants).toEqual([]);
  });
});
